/**
 * A small SIP client on raw sockets for integration tests against the running recorder: sends bytes exactly as
 * given (quirks included), collects the responses of a transaction, answers the recorder's own requests with 200,
 * and builds the ACK and BYE of an answered INVITE (RFC 3261 §13.2.2.4, §15.1.1) with the right tags and CSeq.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { randomBytes } from 'node:crypto';

export type ClientTransport = 'udp' | 'tcp';

/** A SIP message as received: start line, headers by lower-case name (compact forms expanded), body. */
export interface SipMessageIn {
  readonly startLine: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
  readonly raw: Buffer;
  /** Status code of a response, undefined for a request. */
  readonly status: number | undefined;
  /** Method of a request, or the CSeq method of a response. */
  readonly method: string;
}

const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

/** First value of a header of a received message. */
export function headerOf(msg: SipMessageIn, name: string): string | undefined {
  return msg.headers.get(name.toLowerCase())?.[0];
}

/** Parses one complete SIP message (CRLF or LF line ends). */
export function parseSipMessage(raw: Buffer): SipMessageIn {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const headEnd = match ? match.index : text.length;
  const bodyStart = match ? match.index + match[0].length : text.length;
  const lines = text.slice(0, headEnd).split(/\r?\n/);
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      const values = headers.get(last)!;
      values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const rawName = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[rawName] ?? rawName;
    last = name;
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }
  const startLine = lines[0] ?? '';
  const statusMatch = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  const cseq = headers.get('cseq')?.[0] ?? '';
  return {
    startLine,
    headers,
    body: raw.subarray(Buffer.byteLength(text.slice(0, bodyStart), 'latin1')),
    raw,
    status: statusMatch ? Number(statusMatch[1]) : undefined,
    method: statusMatch ? (cseq.split(/\s+/)[1] ?? '') : (startLine.split(' ')[0] ?? ''),
  };
}

/** Splits a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3). */
class StreamSplitter {
  #buffer = Buffer.alloc(0);

  push(data: Buffer): Buffer[] {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    const out: Buffer[] = [];
    for (;;) {
      // Keep-alive CRLFs between messages (RFC 5626 §3.5.1).
      while (this.#buffer.length > 0 && (this.#buffer[0] === 0x0d || this.#buffer[0] === 0x0a))
        this.#buffer = this.#buffer.subarray(1);
      const text = this.#buffer.toString('latin1');
      const match = /\r?\n\r?\n/.exec(text);
      if (!match) return out;
      const head = text.slice(0, match.index);
      const length = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
      const total = match.index + match[0].length + (length ? Number(length[1]) : 0);
      if (this.#buffer.length < total) return out;
      out.push(this.#buffer.subarray(0, total));
      this.#buffer = this.#buffer.subarray(total);
    }
  }
}

/** Random token for branches, tags and Call-IDs. */
export function token(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

/** Replaces (or adds) Content-Length so that it matches the body after the first blank line. */
export function withContentLength(message: string): Buffer {
  const match = /\r?\n\r?\n/.exec(message);
  const eol = message.includes('\r\n') ? '\r\n' : '\n';
  const head = match ? message.slice(0, match.index) : message.replace(/\r?\n$/, '');
  const body = match ? message.slice(match.index + match[0].length) : '';
  const length = Buffer.byteLength(body, 'latin1');
  const lines = head.split(/\r?\n/).filter((l) => !/^(content-length|l)[ \t]*:/i.test(l));
  lines.push(`Content-Length: ${length}`);
  return Buffer.from(`${lines.join(eol)}${eol}${eol}${body}`, 'latin1');
}

/** Messages kept for later `next()` calls; older unclaimed ones (absorbed retransmissions) are dropped. */
const MAX_QUEUED = 10_000;

interface Waiter {
  readonly match: (m: SipMessageIn) => boolean;
  readonly resolve: (m: SipMessageIn | undefined) => void;
}

export interface Target {
  readonly host: string;
  readonly port: number;
}

/** One client socket (a UDP socket or a TCP connection) to the recorder. */
export class SipClient {
  readonly transport: ClientTransport;
  readonly localPort: number;
  readonly #send: (data: Buffer) => void;
  readonly #close: () => void;
  readonly #received: SipMessageIn[] = [];
  readonly #waiters = new Set<Waiter>();
  #closed = false;

  private constructor(
    transport: ClientTransport,
    localPort: number,
    send: (data: Buffer) => void,
    close: () => void,
  ) {
    this.transport = transport;
    this.localPort = localPort;
    this.#send = send;
    this.#close = close;
  }

  /** Opens a UDP socket bound to a free loopback port, or a TCP connection to the target. */
  static async open(transport: ClientTransport, target: Target): Promise<SipClient> {
    if (transport === 'udp') {
      const socket: UdpSocket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      // Hundreds of concurrent calls answer in bursts; the default buffer would drop some of them.
      socket.setRecvBufferSize(8 * 1024 * 1024);
      const client = new SipClient(
        'udp',
        socket.address().port,
        (data) => socket.send(data, target.port, target.host),
        () => socket.close(),
      );
      socket.on('message', (msg) => client.#deliver(msg));
      return client;
    }
    const socket: TcpSocket = await new Promise((resolve, reject) => {
      const s = connect({ host: target.host, port: target.port }, () => resolve(s));
      s.once('error', reject);
    });
    socket.on('error', () => undefined);
    const splitter = new StreamSplitter();
    const client = new SipClient(
      'tcp',
      socket.localPort ?? 0,
      (data) => socket.write(data),
      () => socket.destroy(),
    );
    socket.on('data', (data: Buffer) => {
      for (const msg of splitter.push(data)) client.#deliver(msg);
    });
    socket.on('close', () => {
      client.#closed = true;
      client.#closeWaiters();
    });
    return client;
  }

  /** Whether the peer closed a TCP connection. */
  get closed(): boolean {
    return this.#closed;
  }

  send(data: Buffer | string): void {
    this.#send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  close(): void {
    this.#close();
    this.#closed = true;
    this.#closeWaiters();
  }

  /**
   * Waits for the next received message that `match` accepts and removes it from the queue.
   * @returns undefined on timeout
   */
  async next(match: (m: SipMessageIn) => boolean, timeoutMs: number): Promise<SipMessageIn | undefined> {
    const index = this.#received.findIndex(match);
    if (index >= 0) return this.#received.splice(index, 1)[0];
    if (timeoutMs <= 0 || this.#closed) return undefined;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(m);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /**
   * Sends a request and collects its responses (matched by Call-ID and CSeq) up to the first final one.
   * @returns every response, the final last; the list ends without a final response on timeout
   */
  async request(data: Buffer | string, timeoutMs = 5000): Promise<SipMessageIn[]> {
    const sent = parseSipMessage(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    const callId = headerOf(sent, 'call-id');
    const cseq = (headerOf(sent, 'cseq') ?? '').replace(/\s+/g, ' ');
    this.send(data);
    const responses: SipMessageIn[] = [];
    const deadline = Date.now() + timeoutMs;
    // RFC 3261 §17.1.1.2 / §17.1.2.2 over UDP: retransmit from T1 = 500 ms, doubling up to T2 = 4 s, until a
    // response (INVITE: any; other methods: a final one) arrives.
    let interval = 500;
    let resendAt = Date.now() + interval;
    const invite = sent.method === 'INVITE';
    for (;;) {
      const waitUntil = this.transport === 'udp' ? Math.min(deadline, resendAt) : deadline;
      const res = await this.next(
        (m) =>
          m.status !== undefined &&
          headerOf(m, 'call-id') === callId &&
          (headerOf(m, 'cseq') ?? '').replace(/\s+/g, ' ') === cseq,
        waitUntil - Date.now(),
      );
      if (!res) {
        if (Date.now() >= deadline || this.#closed) return responses;
        if (!(invite && responses.length > 0)) this.send(data);
        interval = Math.min(interval * 2, 4000);
        resendAt = Date.now() + interval;
        continue;
      }
      responses.push(res);
      if (res.status! >= 200) return responses;
    }
  }

  #deliver(raw: Buffer): void {
    const msg = parseSipMessage(raw);
    if (msg.status === undefined && msg.method !== 'ACK') {
      // The recorder's own requests (a BYE when it ends a session): answer so it does not retransmit.
      this.send(responseTo(msg, 200));
    }
    // Straight to the first waiter that wants it; otherwise queued (bounded: retransmitted 2xx nobody waits for).
    for (const waiter of this.#waiters) {
      if (waiter.match(msg)) return waiter.resolve(msg);
    }
    this.#received.push(msg);
    if (this.#received.length > MAX_QUEUED) this.#received.shift();
  }

  #closeWaiters(): void {
    for (const waiter of [...this.#waiters]) waiter.resolve(undefined);
  }
}

/** A minimal response to a received request (RFC 3261 §8.2.6). */
export function responseTo(req: SipMessageIn, status: number): string {
  const lines = [`SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Response'}`];
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq'])
    for (const value of req.headers.get(name) ?? []) lines.push(`${name}: ${value}`);
  lines.push('Content-Length: 0', '', '');
  return lines.join('\r\n');
}

/** What the ACK and BYE of an answered INVITE need from it and from its 2xx. */
export interface DialogInfo {
  readonly requestUri: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly via: string;
}

/** The dialog an INVITE (as sent) and its 2xx established (RFC 3261 §12.1.2). */
export function dialogOf(
  invite: Buffer,
  ok: SipMessageIn,
  transport: ClientTransport,
  localPort: number,
): DialogInfo {
  const req = parseSipMessage(invite);
  const contact = headerOf(ok, 'contact') ?? '';
  const uri = /<([^>]+)>/.exec(contact)?.[1] ?? req.startLine.split(' ')[1] ?? '';
  return {
    requestUri: uri,
    from: headerOf(req, 'from') ?? '',
    to: headerOf(ok, 'to') ?? '',
    callId: headerOf(req, 'call-id') ?? '',
    cseq: Number((headerOf(req, 'cseq') ?? '1').split(/\s+/)[0]),
    via: `SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${localPort}`,
  };
}

/**
 * An in-dialog request. ACK reuses the INVITE's CSeq number (§13.2.2.4); other methods take `cseq`.
 */
export function inDialogRequest(
  dialog: DialogInfo,
  method: string,
  opts: { cseq?: number; headers?: readonly string[]; body?: string; contentType?: string } = {},
): Buffer {
  const cseq = method === 'ACK' ? dialog.cseq : (opts.cseq ?? dialog.cseq + 1);
  const body = opts.body ?? '';
  const lines = [
    `${method} ${dialog.requestUri} SIP/2.0`,
    `Via: ${dialog.via};branch=z9hG4bK${token()};rport`,
    'Max-Forwards: 70',
    `From: ${dialog.from}`,
    `To: ${dialog.to}`,
    `Call-ID: ${dialog.callId}`,
    `CSeq: ${cseq} ${method}`,
    ...(opts.headers ?? []),
    ...(opts.contentType ? [`Content-Type: ${opts.contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
