/**
 * A SIPREC SRC over UDP for failover tests: it records a call on one recorder and, when that recorder dies,
 * continues the same dialog at another one — a re-INVITE, UPDATE or BYE whose Request-URI still names the dead
 * recorder (its Contact), or a new INVITE with `Replaces` (RFC 3891) — as an SBC with an SRS failover list does.
 * Requests from recorders are answered 200; 2xx to INVITEs are ACKed to the recorder that sent them.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** A final response, with the port it came from. */
export interface SrcResponse {
  readonly status: number;
  readonly from: number;
  readonly raw: string;
  readonly body: string;
  header(name: string): string | undefined;
}

/** What the answer says for one m-line. */
export interface AnsweredMedia {
  readonly port: number;
  readonly direction: string | undefined;
}

const LABELS = ['1', '2'];
/** RFC 3261 §17.1.1.1 timer values for UDP, ms. */
const T1 = 500;
const T2 = 4000;

function header(raw: string, name: string): string | undefined {
  const head = raw.split('\r\n\r\n', 1)[0] ?? '';
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim();
}

/** Ports of the answer's m-lines and the answer's `o=` version. */
export function parseAnswer(sdp: string): { media: AnsweredMedia[]; version: number } {
  const version = Number(/^o=\S+ \S+ (\d+)/m.exec(sdp)?.[1] ?? -1);
  const media = sdp
    .split(/\r?\n(?=m=)/)
    .slice(1)
    .map((section) => ({
      port: Number(/^m=audio (\d+)/.exec(section)?.[1] ?? 0),
      direction: /^a=(recvonly|inactive|sendonly|sendrecv)\s*$/m.exec(section)?.[1],
    }));
  return { media, version };
}

export class FailoverSrc {
  readonly #socket: Socket;
  readonly #waiting = new Map<string, (res: SrcResponse) => void>();
  /** INVITEs still retransmitted, by `cseq:port`: a provisional response stops that. */
  readonly #provisional = new Map<string, () => void>();
  callId = `${randomBytes(8).toString('hex')}@failover-test`;
  fromTag = randomBytes(4).toString('hex');
  toTag: string | undefined;
  /** The recorder's Contact URI from its last 2xx: the Request-URI of in-dialog requests (RFC 3261 §12.2.1.1). */
  remoteTarget: string | undefined;
  #cseq = 0;
  #version = 1;
  /** Requests received from recorders (BYE at shutdown…). */
  readonly received: string[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => this.#onMessage(msg.toString('latin1'), rinfo.port));
  }

  static async open(): Promise<FailoverSrc> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new FailoverSrc(socket);
  }

  get localPort(): number {
    return this.#socket.address().port;
  }

  /** The initial recording INVITE (two PCMU streams, metadata) to `port`; ACKed when answered. */
  async invite(port: number, extraHeaders: string[] = []): Promise<SrcResponse> {
    const boundary = 'failoverBoundary';
    const body = [
      `--${boundary}`,
      'Content-Type: application/sdp',
      '',
      this.#sdp(),
      `--${boundary}`,
      'Content-Type: application/rs-metadata+xml',
      'Content-Disposition: recording-session',
      '',
      METADATA,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const [res] = await this.request('INVITE', [port], {
      body,
      contentType: `multipart/mixed;boundary=${boundary}`,
      headers: ['Require: siprec', ...extraHeaders],
      uri: `sip:srs@127.0.0.1:${port}`,
    });
    return res!;
  }

  /** A re-INVITE with a new SDP version (the SRC's usual reaction to a silent SRS: refresh or re-offer). */
  async reinvite(port: number, opts: { copies?: number } = {}): Promise<SrcResponse> {
    this.#version++;
    const [res] = await this.request('INVITE', [port], {
      body: this.#sdp(),
      contentType: 'application/sdp',
      ...opts,
    });
    return res!;
  }

  async update(port: number): Promise<SrcResponse> {
    this.#version++;
    const [res] = await this.request('UPDATE', [port], { body: this.#sdp(), contentType: 'application/sdp' });
    return res!;
  }

  async bye(port: number): Promise<SrcResponse> {
    const [res] = await this.request('BYE', [port], {});
    return res!;
  }

  /**
   * A new dialog replacing the current one (RFC 3891 §3: to-tag = the recorder's tag, from-tag = ours), sent to
   * `port`. From now on this SRC is in the new dialog.
   */
  async inviteReplacing(port: number): Promise<SrcResponse> {
    const replaces = `Replaces: ${this.callId};to-tag=${this.toTag ?? ''};from-tag=${this.fromTag}`;
    this.callId = `${randomBytes(8).toString('hex')}@failover-test`;
    this.fromTag = randomBytes(4).toString('hex');
    this.toTag = undefined;
    this.remoteTarget = undefined;
    this.#cseq = 0;
    this.#version = 1;
    return this.invite(port, [replaces]);
  }

  /**
   * Sends one request (the same bytes) to every port in `ports` and waits for each final response; a 2xx to an
   * INVITE is ACKed to the recorder that sent it. Retransmits and gives up like a UDP client (RFC 3261 §17.1).
   */
  async request(
    method: string,
    ports: readonly number[],
    opts: {
      body?: string;
      contentType?: string;
      headers?: string[];
      uri?: string;
      /** The first transmission is sent this many times back to back (retransmissions crossing a slow answer). */
      copies?: number;
    },
  ): Promise<SrcResponse[]> {
    const cseq = ++this.#cseq;
    const body = opts.body ?? '';
    const uri = opts.uri ?? this.remoteTarget ?? `sip:srs@127.0.0.1:${ports[0] ?? 0}`;
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const lp = this.localPort;
    const packet = Buffer.from(
      [
        `${method} ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:src@127.0.0.1:${lp}>;tag=${this.fromTag}`,
        `To: <sip:srs@127.0.0.1>${this.toTag ? `;tag=${this.toTag}` : ''}`,
        `Call-ID: ${this.callId}`,
        `CSeq: ${cseq} ${method}`,
        `Contact: <sip:src@127.0.0.1:${lp}>;+sip.src`,
        ...(opts.headers ?? []),
        ...(opts.contentType ? [`Content-Type: ${opts.contentType}`] : []),
        `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
        '',
        body,
      ].join('\r\n'),
      'latin1',
    );
    const responses = await Promise.all(
      ports.map(
        (port) =>
          new Promise<SrcResponse>((resolve, reject) => {
            const key = `${cseq}:${port}`;
            let interval = T1;
            let retransmit: NodeJS.Timeout | undefined;
            const stop = (): void => {
              clearTimeout(retransmit);
              clearTimeout(timeout);
              this.#waiting.delete(key);
              this.#provisional.delete(key);
            };
            // RFC 3261 §17.1.1.2 / §17.1.2.2: retransmitted at T1, 2·T1, 4·T1… (capped at T2 for non-INVITE);
            // a provisional response ends an INVITE's retransmissions (Proceeding); Timer B / F: 64·T1.
            const send = (copies: number): void => {
              for (let i = 0; i < copies; i++) this.#socket.send(packet, port, '127.0.0.1');
              retransmit = setTimeout(() => send(1), interval);
              interval = method === 'INVITE' ? interval * 2 : Math.min(interval * 2, T2);
            };
            const timeout = setTimeout(() => {
              stop();
              reject(new Error(`${method} to ${port} got no final response`));
            }, 64 * T1);
            this.#waiting.set(key, (res) => {
              stop();
              resolve(res);
            });
            if (method === 'INVITE') this.#provisional.set(key, () => clearTimeout(retransmit));
            send(opts.copies ?? 1);
          }),
      ),
    );
    for (const res of responses) {
      if (method === 'INVITE' && res.status >= 200) this.#ack(res, cseq, uri);
      if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
        this.toTag ??= /;\s*tag=([^;>\s]+)/i.exec(res.header('To') ?? '')?.[1];
        this.remoteTarget = /<([^>]+)>/.exec(res.header('Contact') ?? '')?.[1] ?? this.remoteTarget;
      }
    }
    return responses;
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // closed already
    }
  }

  #sdp(): string {
    const lines = [
      'v=0',
      `o=SRC 4000 ${this.#version} IN IP4 127.0.0.1`,
      's=SIPREC',
      'c=IN IP4 127.0.0.1',
      't=0 0',
    ];
    LABELS.forEach((label, i) => {
      lines.push(
        `m=audio ${31000 + i * 2} RTP/AVP 0`,
        'a=rtpmap:0 PCMU/8000',
        `a=label:${label}`,
        'a=sendonly',
      );
    });
    return lines.join('\r\n') + '\r\n';
  }

  #ack(res: SrcResponse, cseq: number, uri: string): void {
    const lp = this.localPort;
    const toTag = /;\s*tag=([^;>\s]+)/i.exec(res.header('To') ?? '')?.[1] ?? '';
    const target = res.status < 300 ? (/<([^>]+)>/.exec(res.header('Contact') ?? '')?.[1] ?? uri) : uri;
    const ack = [
      `ACK ${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:src@127.0.0.1:${lp}>;tag=${this.fromTag}`,
      `To: <sip:srs@127.0.0.1>;tag=${toTag}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#socket.send(Buffer.from(ack, 'latin1'), res.from, '127.0.0.1');
  }

  #onMessage(text: string, from: number): void {
    const start = text.split('\r\n', 1)[0] ?? '';
    const status = /^SIP\/2\.0 (\d{3})/.exec(start);
    if (status) {
      const code = Number(status[1]);
      const cseq = Number(/^(\d+)/.exec(header(text, 'CSeq') ?? '')?.[1]);
      if (code < 200) {
        this.#provisional.get(`${cseq}:${from}`)?.();
        return;
      }
      const split = text.indexOf('\r\n\r\n');
      const res: SrcResponse = {
        status: code,
        from,
        raw: text,
        body: split < 0 ? '' : text.slice(split + 4),
        header: (name) => header(text, name),
      };
      this.#waiting.get(`${cseq}:${from}`)?.(res);
      this.#waiting.delete(`${cseq}:${from}`);
      return;
    }
    this.received.push(text);
    if (start.startsWith('ACK')) return;
    const response = [
      'SIP/2.0 200 OK',
      `Via: ${header(text, 'Via') ?? ''}`,
      `From: ${header(text, 'From') ?? ''}`,
      `To: ${header(text, 'To') ?? ''}`,
      `Call-ID: ${header(text, 'Call-ID') ?? ''}`,
      `CSeq: ${header(text, 'CSeq') ?? ''}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#socket.send(Buffer.from(response, 'latin1'), from, '127.0.0.1');
  }
}

const METADATA =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>complete</datamode>' +
  '<session session_id="ZmFpbG92ZXI="><sipSessionID>failover-test</sipSessionID></session>' +
  '<participant participant_id="cDA="><nameID aor="sip:alice@example.com"><name>Alice</name></nameID></participant>' +
  '<participant participant_id="cDE="><nameID aor="sip:bob@example.com"><name>Bob</name></nameID></participant>' +
  '<stream stream_id="czA=" session_id="ZmFpbG92ZXI="><label>1</label></stream>' +
  '<stream stream_id="czE=" session_id="ZmFpbG92ZXI="><label>2</label></stream>' +
  '<participantstreamassoc participant_id="cDA="><send>czA=</send></participantstreamassoc>' +
  '<participantstreamassoc participant_id="cDE="><send>czE=</send></participantstreamassoc>' +
  '</recording>';
