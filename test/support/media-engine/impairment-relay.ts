/**
 * A UDP relay between a real sender and the recorder that impairs the stream by a seeded pattern: drops,
 * duplicates and reorders packets (a held packet goes out after the next one). The same seed gives the same
 * impairments on every run, so the test knows exactly how many packets were lost or doubled.
 */
import { createSocket, type Socket } from 'node:dgram';

/** Probabilities of each impairment per packet. */
export interface ImpairmentPattern {
  readonly seed: number;
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
}

/** What the relay did. */
export interface RelayCounts {
  received: number;
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

/** mulberry32: a small seeded PRNG (the test's randomness, injectable by seed). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class ImpairmentRelay {
  readonly counts: RelayCounts = { received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  readonly #socket: Socket;
  readonly #target: { host: string; port: number };
  readonly #random: () => number;
  readonly #pattern: ImpairmentPattern;
  #held: Buffer | undefined;

  private constructor(socket: Socket, target: { host: string; port: number }, pattern: ImpairmentPattern) {
    this.#socket = socket;
    this.#target = target;
    this.#pattern = pattern;
    this.#random = prng(pattern.seed);
    socket.on('message', (msg) => this.#onPacket(msg));
  }

  /** Binds a free port on 127.0.0.1 that relays to `target`. */
  static async start(
    target: { host: string; port: number },
    pattern: ImpairmentPattern,
  ): Promise<ImpairmentRelay> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ImpairmentRelay(socket, target, pattern);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }

  #onPacket(msg: Buffer): void {
    this.counts.received++;
    // RTCP (second byte 200–204) passes untouched: the impairments are for the audio.
    if (msg.length >= 2 && msg[1]! >= 200 && msg[1]! <= 204) {
      this.#send(msg);
      return;
    }
    const r = this.#random();
    const p = this.#pattern;
    if (r < p.drop) {
      this.counts.dropped++;
      return;
    }
    if (r < p.drop + p.reorder && this.#held === undefined) {
      this.#held = msg;
      this.counts.reordered++;
      return;
    }
    this.#send(msg);
    if (r >= 1 - p.duplicate) {
      this.counts.duplicated++;
      this.#send(msg);
    }
    if (this.#held !== undefined) {
      this.#send(this.#held);
      this.#held = undefined;
    }
  }

  #send(msg: Buffer): void {
    this.counts.forwarded++;
    this.#socket.send(msg, this.#target.port, this.#target.host);
  }
}
