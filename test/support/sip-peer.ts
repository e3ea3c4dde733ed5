/**
 * A scripted SIP peer on a real UDP socket or TCP connection, for black-box tests of the recorder's session life-cycle: it plays the
 * SRC (builds requests with the right tags, CSeq and branches, RFC 3261 §8.1.1, §12.2.1.1), retransmits on Timer
 * A/E cadence like a real UA (§17.1.1.2), records every message it receives with its arrival time, and can leave
 * the recorder's requests unanswered or answer them — whatever the test needs to observe.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { connect, type Socket as NetSocket } from 'node:net';

/** A received SIP message, parsed loosely (the tests check what a user would see, not our parser). */
export interface SipMessage {
  readonly startLine: string;
  /** Status code of a response; undefined for a request. */
  readonly status: number | undefined;
  /** Method of a request, or the CSeq method of a response. */
  readonly method: string;
  /** Header values by lower-case name, in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
  readonly receivedAt: number;
}

/** First value of a header (case-insensitive name). */
export function header(msg: SipMessage, name: string): string | undefined {
  return msg.headers.get(name.toLowerCase())?.[0];
}

/** Parses one SIP message from a datagram. */
export function parseSipMessage(text: string, receivedAt = Date.now()): SipMessage {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }
  const response = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  const cseqMethod = headers.get('cseq')?.[0]?.split(/\s+/)[1] ?? '';
  return {
    startLine,
    status: response ? Number(response[1]) : undefined,
    method: response ? cseqMethod : (startLine.split(' ')[0] ?? ''),
    headers,
    body,
    receivedAt,
  };
}

/** The tag parameter of a From/To value. */
function tagOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : /;\s*tag=([^;>\s]+)/i.exec(value)?.[1];
}

/** Options of one request. */
export interface RequestOptions {
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  readonly contentType?: string;
  /** Send it once, without Timer A/E retransmissions (e.g. to keep a transaction pending). */
  readonly noRetransmit?: boolean;
}

/** Transports the peer speaks; TCP lets a test put several requests in one segment. */
export type PeerTransport = 'udp' | 'tcp';

/** A socket speaking SIP to one recorder, over UDP (bound on a free port) or one TCP connection. */
export class SipPeer {
  readonly received: SipMessage[] = [];
  readonly transport: PeerTransport;
  readonly #udp: DgramSocket | undefined;
  readonly #tcp: NetSocket | undefined;
  readonly #target: { host: string; port: number };
  readonly #waiters = new Set<() => void>();
  #pending = Buffer.alloc(0);
  #autoAnswer = true;

  private constructor(
    sockets: { udp?: DgramSocket; tcp?: NetSocket },
    target: { host: string; port: number },
  ) {
    this.#udp = sockets.udp;
    this.#tcp = sockets.tcp;
    this.transport = sockets.tcp ? 'tcp' : 'udp';
    this.#target = target;
    sockets.udp?.on('message', (data) => this.#onMessage(data.toString('latin1')));
    sockets.tcp?.on('data', (data) => this.#onStream(data));
    sockets.tcp?.on('error', () => undefined);
  }

  /** Opens a UDP socket on 127.0.0.1 (free port) or a TCP connection to the recorder. */
  static async open(
    targetPort: number,
    transport: PeerTransport = 'udp',
    targetHost = '127.0.0.1',
  ): Promise<SipPeer> {
    const target = { host: targetHost, port: targetPort };
    if (transport === 'tcp') {
      const tcp = connect({ host: targetHost, port: targetPort, localAddress: '127.0.0.1' });
      await new Promise<void>((resolve, reject) => {
        tcp.once('connect', resolve);
        tcp.once('error', reject);
      });
      return new SipPeer({ tcp }, target);
    }
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    return new SipPeer({ udp }, target);
  }

  /** Our local port (Via sent-by, Contact). */
  get port(): number {
    return this.#tcp ? (this.#tcp.localPort ?? 0) : (this.#udp?.address().port ?? 0);
  }

  /** Whether requests from the recorder (BYE…) are answered 200 at once (default true). */
  set autoAnswer(on: boolean) {
    this.#autoAnswer = on;
  }

  /** The recorder's address as a Request-URI. */
  get uri(): string {
    return `sip:srs@${this.#target.host}:${this.#target.port}`;
  }

  /** Sends messages; on TCP they leave in one write, so the recorder reads them from one segment. */
  send(...texts: string[]): void {
    if (this.#tcp) {
      this.#tcp.write(Buffer.from(texts.join(''), 'latin1'));
      return;
    }
    for (const text of texts)
      this.#udp?.send(Buffer.from(text, 'latin1'), this.#target.port, this.#target.host);
  }

  /** A new call (dialog to be) with fresh Call-ID and From tag. */
  newCall(): SipCall {
    return new SipCall(this);
  }

  /** Resolves with the first received message (past or future) matching `match`. */
  async waitFor(
    match: (m: SipMessage) => boolean,
    timeoutMs = 5000,
    what = 'a message',
  ): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.received.map((m) => m.startLine).join(' | ');
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /** Answers a request the recorder sent us (RFC 3261 §8.2.6: Via, From, To, Call-ID, CSeq copied). */
  reply(request: SipMessage, status: number, reason = 'OK'): void {
    const lines = [`SIP/2.0 ${status} ${reason}`];
    for (const v of request.headers.get('via') ?? []) lines.push(`Via: ${v}`);
    lines.push(`From: ${header(request, 'from') ?? ''}`);
    const to = header(request, 'to') ?? '';
    lines.push(`To: ${tagOf(to) === undefined ? `${to};tag=${randomBytes(4).toString('hex')}` : to}`);
    lines.push(`Call-ID: ${header(request, 'call-id') ?? ''}`, `CSeq: ${header(request, 'cseq') ?? ''}`);
    lines.push('Content-Length: 0', '', '');
    this.send(lines.join('\r\n'));
  }

  close(): void {
    this.#udp?.close();
    this.#tcp?.destroy();
  }

  /** RFC 3261 §18.3: messages on a stream are delimited by Content-Length. */
  #onStream(data: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, data]);
    for (;;) {
      const headEnd = this.#pending.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.#pending.subarray(0, headEnd).toString('latin1');
      const length = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      const total = headEnd + 4 + length;
      if (this.#pending.length < total) return;
      const text = this.#pending.subarray(0, total).toString('latin1');
      this.#pending = this.#pending.subarray(total);
      this.#onMessage(text.replace(/^(\r\n)+/, ''));
    }
  }

  #onMessage(text: string): void {
    const msg = parseSipMessage(text);
    this.received.push(msg);
    if (msg.status === undefined && msg.method !== 'ACK' && this.#autoAnswer) this.reply(msg, 200);
    for (const wake of [...this.#waiters]) wake();
  }
}

/** One call from the SRC side: the requests of one dialog. */
export class SipCall {
  readonly callId = `${randomBytes(8).toString('hex')}@127.0.0.1`;
  readonly fromTag = randomBytes(4).toString('hex');
  cseq = 0;
  /** The recorder's To tag and Contact, learnt from its 2xx. */
  remoteTag: string | undefined;
  remoteTarget: string | undefined;
  readonly #peer: SipPeer;
  #inviteBranch = '';
  #inviteCseq = 0;

  constructor(peer: SipPeer) {
    this.#peer = peer;
  }

  get peer(): SipPeer {
    return this.#peer;
  }

  /**
   * Sends a request (in the dialog once a 2xx set the remote tag) and resolves with its final response, while
   * retransmitting on UDP: Timer A doubling from 500 ms until a provisional for INVITE, Timer E capped at 4 s.
   */
  async request(method: string, opts: RequestOptions = {}, timeoutMs = 10_000): Promise<SipMessage> {
    const { text, branch } = this.build(method, opts);
    return this.#transact(text, branch, method, opts.noRetransmit === true, timeoutMs);
  }

  /** Builds a request without sending it; `branch` identifies its transaction. */
  build(method: string, opts: RequestOptions = {}): { text: string; branch: string } {
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    this.cseq++;
    if (method === 'INVITE') {
      this.#inviteBranch = branch;
      this.#inviteCseq = this.cseq;
    }
    return { text: this.#render(method, branch, this.cseq, opts), branch };
  }

  /** CANCEL of the last INVITE (RFC 3261 §9.1: same branch and CSeq number). */
  cancel(): { text: string; branch: string } {
    return {
      text: this.#render('CANCEL', this.#inviteBranch, this.#inviteCseq, {}),
      branch: this.#inviteBranch,
    };
  }

  /**
   * ACK of the last INVITE: for a 2xx a new transaction inside the dialog (§13.2.2.4), carrying the answer when
   * the 2xx was an offer; for a failure the INVITE's branch and the response's To, tag included (§17.1.1.3).
   */
  ack(failure?: SipMessage, sdp?: string): void {
    const opts = sdp === undefined ? {} : { body: sdp };
    if (failure === undefined) {
      this.#peer.send(
        this.#render('ACK', `z9hG4bK${randomBytes(6).toString('hex')}`, this.#inviteCseq, opts),
      );
      return;
    }
    const to = header(failure, 'to') ?? '';
    this.#peer.send(this.#render('ACK', this.#inviteBranch, this.#inviteCseq, opts, to));
  }

  /** Waits for the final response of a transaction sent with {@link build}. */
  async finalResponse(branch: string, method: string, timeoutMs = 10_000): Promise<SipMessage> {
    return this.#peer.waitFor(
      (m) => m.status !== undefined && m.status >= 200 && m.method === method && viaBranch(m) === branch,
      timeoutMs,
      `the final response to ${method}`,
    );
  }

  async #transact(
    text: string,
    branch: string,
    method: string,
    noRetransmit: boolean,
    timeoutMs: number,
  ): Promise<SipMessage> {
    this.#peer.send(text);
    let interval = 500;
    let timer: NodeJS.Timeout | undefined;
    const retransmit = (): void => {
      const answered = this.#peer.received.some(
        (m) =>
          m.status !== undefined &&
          viaBranch(m) === branch &&
          m.method === method &&
          (method === 'INVITE' || m.status >= 200),
      );
      if (answered) return;
      this.#peer.send(text);
      interval = Math.min(interval * 2, method === 'INVITE' ? 32_000 : 4000);
      timer = setTimeout(retransmit, interval);
    };
    if (!noRetransmit && this.#peer.transport === 'udp') timer = setTimeout(retransmit, interval);
    try {
      const final = await this.finalResponse(branch, method, timeoutMs);
      if (method === 'INVITE' && final.status !== undefined && final.status < 300) {
        this.remoteTag ??= tagOf(header(final, 'to'));
        this.remoteTarget ??= /<([^>]+)>/.exec(header(final, 'contact') ?? '')?.[1];
      }
      return final;
    } finally {
      clearTimeout(timer);
    }
  }

  #render(method: string, branch: string, cseq: number, opts: RequestOptions, toOverride?: string): string {
    const port = this.#peer.port;
    const transportParam = this.#peer.transport === 'tcp' ? ';transport=tcp' : '';
    // In the dialog once the 2xx gave us the remote tag and target (§12.2.1.1); a CANCEL copies the INVITE (§9.1).
    const inDialog = this.remoteTag !== undefined && method !== 'CANCEL' && toOverride === undefined;
    const ruri = inDialog ? (this.remoteTarget ?? this.#peer.uri) : this.#peer.uri;
    const to = toOverride ?? `<${this.#peer.uri}>${inDialog ? `;tag=${this.remoteTag}` : ''}`;
    const body = opts.body ?? '';
    const lines = [
      `${method} ${ruri} SIP/2.0`,
      `Via: SIP/2.0/${this.#peer.transport.toUpperCase()} 127.0.0.1:${port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: "SRC" <sip:src@127.0.0.1:${port}>;tag=${this.fromTag}`,
      `To: ${to}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      ...(method === 'INVITE' || method === 'UPDATE'
        ? [`Contact: <sip:src@127.0.0.1:${port}${transportParam}>`]
        : []),
      ...(opts.headers ?? []).map(([n, v]) => `${n}: ${v}`),
      ...(body !== '' ? [`Content-Type: ${opts.contentType ?? 'application/sdp'}`] : []),
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
      '',
      body,
    ];
    return lines.join('\r\n');
  }
}

/** The branch of a message's top Via. */
export function viaBranch(msg: SipMessage): string | undefined {
  return /;\s*branch=([^;,\s]+)/i.exec(header(msg, 'via') ?? '')?.[1];
}

/** Options of an SDP offer from the SRC. */
export interface OfferOptions {
  /** First RTP port; stream i uses port + 2i. */
  readonly port: number;
  readonly streams?: number;
  /** The `o=` version (RFC 4566 §5.2: unchanged means the same offer). */
  readonly version?: number;
  readonly direction?: 'sendonly' | 'inactive';
}

/** A SIPREC-shaped plain SDP offer: labelled PCMU/PCMA streams, sendonly (RFC 7866 §8.1.1). */
export function sdpOffer(opts: OfferOptions): string {
  const lines = [
    'v=0',
    `o=SRC 4242 ${opts.version ?? 1} IN IP4 127.0.0.1`,
    's=SIPREC',
    'c=IN IP4 127.0.0.1',
    't=0 0',
  ];
  for (let i = 0; i < (opts.streams ?? 2); i++) {
    lines.push(
      `m=audio ${opts.port + 2 * i} RTP/AVP 0 8 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      `a=label:${i + 1}`,
      `a=${opts.direction ?? 'sendonly'}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
