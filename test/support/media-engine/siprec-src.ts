/**
 * A small SIPREC SRC over UDP for the media tests: INVITE with one labelled sendonly m-line per stream (codec,
 * optional SDES crypto with a key we choose — the key the recorder must decrypt with) and RFC 7865 metadata, ACK,
 * re-INVITEs (hold with `a=inactive`, resume), BYE. Parses the recorder's answer: port and crypto per m-line.
 * Requests the recorder sends us (a BYE at shutdown) are answered 200.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** Codecs the offer can carry, with their RTP payload type and rtpmap. */
export const OFFER_CODECS = {
  PCMU: { pt: 0, rtpmap: 'PCMU/8000' },
  PCMA: { pt: 8, rtpmap: 'PCMA/8000' },
  G722: { pt: 9, rtpmap: 'G722/8000' },
  OPUS: { pt: 111, rtpmap: 'opus/48000/2' },
  G729: { pt: 18, rtpmap: 'G729/8000' },
} as const;

export type OfferCodec = keyof typeof OFFER_CODECS;

/** One m-line of the offer. */
export interface OfferStream {
  readonly codec: OfferCodec;
  readonly label: string;
  /** SDES: suite and the SRC's master key‖salt (what the recorder decrypts with). */
  readonly srtp?: { readonly suite: string; readonly keySalt: Buffer };
  readonly rtcpMux?: boolean;
  readonly direction?: 'sendonly' | 'inactive';
  /** Port the SRC claims to send from (the recorder latches the real source anyway). */
  readonly port?: number;
}

/** What the recorder answered for one m-line. */
export interface AnsweredStream {
  readonly port: number;
  readonly direction: string | undefined;
  readonly crypto: { readonly suite: string; readonly keySalt: Buffer } | undefined;
}

/** A final response. */
export interface SipResponse {
  readonly status: number;
  readonly raw: string;
  readonly body: string;
}

/** The telephone-event payload type every offer carries. */
export const TELEPHONE_EVENT_PT = 101;

export class SiprecSrc {
  readonly callId = `${randomBytes(8).toString('hex')}@media-test`;
  readonly #socket: Socket;
  readonly #target: { host: string; port: number };
  readonly #fromTag = randomBytes(4).toString('hex');
  #toTag: string | undefined;
  #cseq = 0;
  #version = 1;
  readonly #waiting = new Map<number, (res: SipResponse) => void>();

  private constructor(socket: Socket, target: { host: string; port: number }) {
    this.#socket = socket;
    this.#target = target;
    socket.on('message', (msg) => this.#onMessage(msg.toString('latin1')));
  }

  /** Binds a UDP socket on a free port. */
  static async open(recorderSipPort: number, host = '127.0.0.1'): Promise<SiprecSrc> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new SiprecSrc(socket, { host, port: recorderSipPort });
  }

  get localPort(): number {
    return this.#socket.address().port;
  }

  /** Sends the initial INVITE, ACKs a 2xx, and returns the response with the parsed answer. */
  async invite(
    streams: readonly OfferStream[],
  ): Promise<{ response: SipResponse; answer: AnsweredStream[] }> {
    const sdp = this.#sdp(streams);
    const boundary = 'mediaTestBoundary';
    const body = [
      `--${boundary}`,
      'Content-Type: application/sdp',
      '',
      sdp,
      `--${boundary}`,
      'Content-Type: application/rs-metadata+xml',
      'Content-Disposition: recording-session',
      '',
      metadata(streams),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const response = await this.#request('INVITE', body, `multipart/mixed;boundary=${boundary}`, [
      'Require: siprec',
    ]);
    if (response.status >= 200 && response.status < 300) this.#ack();
    return { response, answer: response.status === 200 ? parseAnswer(response.body) : [] };
  }

  /** A re-INVITE with a new SDP version (e.g. every stream `inactive` for a hold, then `sendonly` again). */
  async reinvite(
    streams: readonly OfferStream[],
  ): Promise<{ response: SipResponse; answer: AnsweredStream[] }> {
    this.#version++;
    const response = await this.#request('INVITE', this.#sdp(streams), 'application/sdp', []);
    if (response.status >= 200 && response.status < 300) this.#ack();
    return { response, answer: response.status === 200 ? parseAnswer(response.body) : [] };
  }

  async bye(): Promise<SipResponse> {
    return this.#request('BYE', '', undefined, []);
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }

  #sdp(streams: readonly OfferStream[]): string {
    const lines = [
      'v=0',
      `o=SRC 4000 ${this.#version} IN IP4 127.0.0.1`,
      's=SIPREC',
      'c=IN IP4 127.0.0.1',
      't=0 0',
    ];
    streams.forEach((s, i) => {
      const c = OFFER_CODECS[s.codec];
      const proto = s.srtp ? 'RTP/SAVP' : 'RTP/AVP';
      lines.push(`m=audio ${s.port ?? 30000 + i * 2} ${proto} ${c.pt} ${TELEPHONE_EVENT_PT}`);
      lines.push(`a=rtpmap:${c.pt} ${c.rtpmap}`);
      lines.push(`a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`, `a=fmtp:${TELEPHONE_EVENT_PT} 0-15`);
      lines.push(`a=label:${s.label}`);
      if (s.rtcpMux) lines.push('a=rtcp-mux');
      if (s.srtp) lines.push(`a=crypto:1 ${s.srtp.suite} inline:${s.srtp.keySalt.toString('base64')}`);
      lines.push(`a=${s.direction ?? 'sendonly'}`);
    });
    return lines.join('\r\n') + '\r\n';
  }

  #request(
    method: string,
    body: string,
    contentType: string | undefined,
    extra: string[],
  ): Promise<SipResponse> {
    const cseq = ++this.#cseq;
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const port = this.localPort;
    const head = [
      `${method} sip:srs@${this.#target.host}:${this.#target.port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:src@127.0.0.1:${port}>;tag=${this.#fromTag}`,
      `To: <sip:srs@${this.#target.host}:${this.#target.port}>${this.#toTag ? `;tag=${this.#toTag}` : ''}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:src@127.0.0.1:${port}>;+sip.src`,
      ...extra,
      ...(contentType ? [`Content-Type: ${contentType}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      '',
    ].join('\r\n');
    const packet = Buffer.from(head + body, 'latin1');
    return new Promise((resolve, reject) => {
      let tries = 0;
      const send = (): void => {
        this.#socket.send(packet, this.#target.port, this.#target.host);
        if (++tries > 7) {
          clearInterval(timer);
          this.#waiting.delete(cseq);
          reject(new Error(`${method} got no final response`));
        }
      };
      const timer = setInterval(send, 500);
      this.#waiting.set(cseq, (res) => {
        clearInterval(timer);
        resolve(res);
      });
      send();
    });
  }

  #ack(): void {
    const port = this.localPort;
    const ack = [
      `ACK sip:srs@${this.#target.host}:${this.#target.port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:src@127.0.0.1:${port}>;tag=${this.#fromTag}`,
      `To: <sip:srs@${this.#target.host}:${this.#target.port}>;tag=${this.#toTag ?? ''}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.#cseq} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#socket.send(Buffer.from(ack, 'latin1'), this.#target.port, this.#target.host);
  }

  #onMessage(text: string): void {
    const split = text.indexOf('\r\n\r\n');
    const head = split < 0 ? text : text.slice(0, split);
    const body = split < 0 ? '' : text.slice(split + 4);
    const start = head.split('\r\n', 1)[0] ?? '';
    const header = (name: string): string | undefined =>
      new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim();
    const status = /^SIP\/2\.0 (\d{3})/.exec(start);
    if (status) {
      const code = Number(status[1]);
      if (code < 200) return;
      const tag = /;\s*tag=([^;>\s]+)/i.exec(header('To') ?? '')?.[1];
      if (tag && !this.#toTag) this.#toTag = tag;
      const cseq = Number(/^(\d+)/.exec(header('CSeq') ?? '')?.[1]);
      this.#waiting.get(cseq)?.({ status: code, raw: text, body });
      this.#waiting.delete(cseq);
      return;
    }
    // A request from the recorder (BYE at shutdown): answer 200 with its own headers.
    const response = [
      'SIP/2.0 200 OK',
      `Via: ${header('Via') ?? ''}`,
      `From: ${header('From') ?? ''}`,
      `To: ${header('To') ?? ''}`,
      `Call-ID: ${header('Call-ID') ?? ''}`,
      `CSeq: ${header('CSeq') ?? ''}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#socket.send(Buffer.from(response, 'latin1'), this.#target.port, this.#target.host);
  }
}

/** The answer's m-lines: port, direction, crypto. */
export function parseAnswer(sdp: string): AnsweredStream[] {
  const sections = sdp.split(/\r?\n(?=m=)/).slice(1);
  return sections.map((section) => {
    const port = Number(/^m=audio (\d+)/.exec(section)?.[1] ?? 0);
    const direction = /^a=(recvonly|inactive|sendonly|sendrecv)\s*$/m.exec(section)?.[1];
    const crypto = /^a=crypto:\d+ (\S+) inline:([A-Za-z0-9+/=]+)/m.exec(section);
    return {
      port,
      direction,
      crypto: crypto ? { suite: crypto[1]!, keySalt: Buffer.from(crypto[2]!, 'base64') } : undefined,
    };
  });
}

function metadata(streams: readonly OfferStream[]): string {
  const participants = streams
    .map(
      (_s, i) =>
        `<participant participant_id="cGFydGljaXBhbnQt${i}"><nameID aor="sip:party${i}@example.com"><name>Party ${i}</name></nameID></participant>`,
    )
    .join('');
  const streamEls = streams
    .map(
      (s, i) =>
        `<stream stream_id="c3RyZWFt${i}" session_id="c2Vzc2lvbg=="><label>${s.label}</label></stream>`,
    )
    .join('');
  const assoc = streams
    .map(
      (_s, i) =>
        `<participantstreamassoc participant_id="cGFydGljaXBhbnQt${i}"><send>c3RyZWFt${i}</send></participantstreamassoc>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>complete</datamode>' +
    '<session session_id="c2Vzc2lvbg=="><sipSessionID>media-test</sipSessionID></session>' +
    participants +
    streamEls +
    assoc +
    '</recording>'
  );
}
