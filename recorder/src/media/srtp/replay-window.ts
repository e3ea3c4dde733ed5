/**
 * The SRTP/SRTCP replay list (RFC 3711 §3.3.2): a sliding bitmap of the last `size` indices received, kept per
 * SSRC. Indices are up to 48 bits (SRTP) or 31 bits (SRTCP), exact in a JS number. A bit's slot is
 * index mod size, so sliding forward only clears the slots being reused.
 */

import { SrtpResult } from './srtp-error.js';

/** Replay state of one stream. */
export class ReplayWindow {
  readonly size: number;
  readonly #bits: Uint32Array;
  /** Highest index accepted so far; -1 before the first. */
  highest = -1;

  /** `size` is rounded up to a multiple of 32. */
  constructor(size: number) {
    this.size = Math.ceil(size / 32) * 32;
    this.#bits = new Uint32Array(this.size / 32);
  }

  /** 0 if `index` may be accepted, else {@link SrtpResult.REPLAYED} or {@link SrtpResult.TOO_OLD}. */
  check(index: number): 0 | typeof SrtpResult.REPLAYED | typeof SrtpResult.TOO_OLD {
    if (index > this.highest) return 0;
    if (this.highest - index >= this.size) return SrtpResult.TOO_OLD;
    const slot = index % this.size;
    return (this.#bits[slot >>> 5]! & (1 << (slot & 31))) !== 0 ? SrtpResult.REPLAYED : 0;
  }

  /** Records `index` as received; call only after the packet authenticated and passed {@link check}. */
  accept(index: number): void {
    if (index > this.highest) {
      if (this.highest < 0 || index - this.highest >= this.size) {
        this.#bits.fill(0);
      } else {
        for (let i = this.highest + 1; i < index; i++) {
          const slot = i % this.size;
          this.#bits[slot >>> 5]! &= ~(1 << (slot & 31));
        }
      }
      this.highest = index;
    }
    const slot = index % this.size;
    this.#bits[slot >>> 5]! |= 1 << (slot & 31);
  }
}
