/**
 * A paced PCMU sender for failover tests: one RTP stream per recorded m-line, 20 ms packets on the wall clock, whose
 * destination can be switched mid-call (the SRC learning the new recorder's ports from its 200). Every packet's
 * send time is kept, so a test knows exactly which reference samples went to which recorder.
 * The audio is seeded noise, low-passed so that G.711 keeps it intact and unique enough for cross-correlation.
 */
import { createSocket, type Socket } from 'node:dgram';
import { encodeUlaw, ulawDecodeTable } from '../../../recorder/src/media/codecs/g711.js';

const SAMPLES_PER_PACKET = 160;

/** Deterministic reference audio: noise through a one-pole low-pass, ±8000 peak, then G.711 µ-law round trip. */
export function referenceSignal(seed: number, seconds: number): { pcm: Int16Array; ulaw: Uint8Array } {
  const n = seconds * 8000;
  const pcm = new Int16Array(n);
  const ulaw = new Uint8Array(n);
  const table = ulawDecodeTable();
  let x = seed >>> 0 || 1;
  let y = 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const white = (x / 0xffffffff) * 2 - 1;
    y = 0.85 * y + 0.15 * white;
    const s = Math.max(-32767, Math.min(32767, Math.round(y * 30000)));
    ulaw[i] = encodeUlaw(s);
    pcm[i] = table[ulaw[i]!]!;
  }
  return { pcm, ulaw };
}

/** Where one stream's packets go. */
export interface RtpDestination {
  readonly host: string;
  readonly port: number;
}

/** Packets of one stream as sent. */
export interface SentLog {
  /** Wall-clock send time of packet k (carrying samples [160k, 160k+160)). */
  readonly sentAt: number[];
  /** Destination port of packet k. */
  readonly port: number[];
}

/** Sends several PCMU streams in lockstep (see module comment). */
export class RtpStreams {
  readonly #socket: Socket;
  readonly #signals: Uint8Array[];
  readonly #ssrc: number[];
  readonly logs: SentLog[];
  #dest: RtpDestination[];
  #k = 0;
  #t0 = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(socket: Socket, signals: Uint8Array[], dest: RtpDestination[]) {
    this.#socket = socket;
    this.#signals = signals;
    this.#dest = dest;
    this.#ssrc = signals.map((_, i) => 0x1000 + i * 7919);
    this.logs = signals.map(() => ({ sentAt: [], port: [] }));
    socket.on('error', () => undefined);
  }

  static async open(signals: Uint8Array[], dest: RtpDestination[]): Promise<RtpStreams> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new RtpStreams(socket, signals, dest);
  }

  /** Starts sending from sample 0 (packets due are sent every 10 ms tick, so pacing follows the wall clock). */
  start(): void {
    this.#t0 = Date.now();
    this.#timer = setInterval(() => this.#tick(), 10);
  }

  /** The SRC switches to the new recorder's ports (from its answer). */
  retarget(dest: RtpDestination[]): void {
    this.#dest = dest;
  }

  /** Index of the next packet to send. */
  get nextPacket(): number {
    return this.#k;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.stop();
    try {
      this.#socket.close();
    } catch {
      // closed already
    }
  }

  #tick(): void {
    const due = Math.floor((Date.now() - this.#t0) / 20);
    const total = Math.floor((this.#signals[0]?.length ?? 0) / SAMPLES_PER_PACKET);
    while (this.#k <= due && this.#k < total) {
      const k = this.#k++;
      this.#signals.forEach((signal, i) => {
        const dest = this.#dest[i];
        if (!dest) return;
        const packet = Buffer.alloc(12 + SAMPLES_PER_PACKET);
        packet[0] = 0x80;
        packet[1] = k === 0 ? 0x80 : 0x00; // marker on the first packet, PT 0 (PCMU)
        packet.writeUInt16BE(k & 0xffff, 2);
        packet.writeUInt32BE((k * SAMPLES_PER_PACKET) >>> 0, 4);
        packet.writeUInt32BE(this.#ssrc[i]!, 8);
        packet.set(signal.subarray(k * SAMPLES_PER_PACKET, (k + 1) * SAMPLES_PER_PACKET), 12);
        this.#socket.send(packet, dest.port, dest.host);
        this.logs[i]!.sentAt.push(Date.now());
        this.logs[i]!.port.push(dest.port);
      });
    }
    if (this.#k >= total) this.stop();
  }
}
