/**
 * A small SRC media sender: one RTP stream of PCMU (a 1 kHz tone) in real time, with RFC 4733 telephone-events in
 * place of audio while a key is pressed (§2.5: the event's start timestamp on every packet, growing duration, the
 * end packet sent three times), as SBCs fork DTMF to an SRS (INTEROP §13).
 */
import { createSocket, type Socket } from 'node:dgram';

const PCMU = 0;
const FRAME = 160; // 20 ms at 8 kHz
const EVENTS = '0123456789*#ABCD';

/** ITU-T G.711 μ-law of one linear sample. */
function ulaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export class RtpDtmfSender {
  readonly #socket: Socket;
  readonly #target: { host: string; port: number };
  readonly #ssrc = 0x5eed0001;
  #seq = 1000;
  #ts = 0;
  #phase = 0;
  #next = 0;

  private constructor(socket: Socket, target: { host: string; port: number }) {
    this.#socket = socket;
    this.#target = target;
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RtpDtmfSender> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpDtmfSender(socket, { host, port });
  }

  /** Sends `ms` of tone, paced in real time. */
  async audio(ms: number): Promise<void> {
    for (let i = 0; i < Math.round(ms / 20); i++) {
      const payload = Buffer.alloc(FRAME);
      for (let n = 0; n < FRAME; n++) {
        payload[n] = ulaw(Math.round(8000 * Math.sin(this.#phase)));
        this.#phase += (2 * Math.PI * 1000) / 8000;
      }
      await this.#send(PCMU, this.#ts, payload, false);
      this.#ts += FRAME;
    }
  }

  /** Presses each key for `pressMs`, with `gapMs` of tone between them. */
  async keys(digits: string, pressMs = 100, gapMs = 80): Promise<void> {
    for (const d of digits) {
      const event = EVENTS.indexOf(d);
      if (event < 0) throw new Error(`not a DTMF digit: ${d}`);
      const start = this.#ts;
      const packets = Math.round(pressMs / 20);
      for (let i = 1; i <= packets; i++) {
        await this.#send(101, start, eventPayload(event, false, i * FRAME), i === 1);
      }
      for (let r = 0; r < 3; r++)
        await this.#send(101, start, eventPayload(event, true, packets * FRAME), false, r > 0);
      this.#ts = start + packets * FRAME;
      await this.audio(gapMs);
    }
  }

  close(): void {
    this.#socket.close();
  }

  async #send(pt: number, ts: number, payload: Buffer, marker: boolean, immediate = false): Promise<void> {
    if (!immediate) {
      const now = Date.now();
      if (this.#next === 0) this.#next = now;
      if (this.#next > now) await new Promise((r) => setTimeout(r, this.#next - now));
      this.#next += 20;
    }
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = (marker ? 0x80 : 0) | pt;
    header.writeUInt16BE(this.#seq++ & 0xffff, 2);
    header.writeUInt32BE(ts >>> 0, 4);
    header.writeUInt32BE(this.#ssrc, 8);
    this.#socket.send(Buffer.concat([header, payload]), this.#target.port, this.#target.host);
  }
}

/** RFC 4733 §2.3 event payload: event, E bit and volume 10, duration. */
function eventPayload(event: number, end: boolean, duration: number): Buffer {
  const p = Buffer.alloc(4);
  p[0] = event;
  p[1] = (end ? 0x80 : 0) | 10;
  p.writeUInt16BE(duration & 0xffff, 2);
  return p;
}
