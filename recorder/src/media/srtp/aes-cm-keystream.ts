/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block j is AES_k(IV + j), where the IV's low
 * 16 bits are zero, so for any packet (< 2^16 blocks) only the last two bytes of the counter change.
 *
 * Why an ECB cipher and not `createCipheriv('aes-128-ctr')` per packet: Node cannot re-IV a cipher object, and
 * creating one per packet (a native context and key schedule each time) measured about 3× slower. One ECB
 * object per session key encrypts the counter blocks laid out in a scratch buffer whose block numbers are
 * written once: per packet only the 14 IV bytes of each block change, copied as words, never with
 * `Buffer.copy` (a slow generic path for 14 bytes). `update()` still returns a fresh Buffer of keystream — Node
 * offers no output-into variant — and that is the only allocation.
 */

import { createCipheriv, type Cipher } from 'node:crypto';

const BLOCK = 16;
/** Counter blocks laid out at first: 1 KB of keystream covers any audio packet. */
const INITIAL_BLOCKS = 64;

/** XORs AES-CM keystream into packet bytes, in place. */
export class AesCmKeystream {
  readonly #ecb: Cipher;
  #counters = new Uint8Array(0);
  /** The counters as words (4-byte aligned: the buffer is its own ArrayBuffer), to copy the IV block fast. */
  #words = new Int32Array(0);
  #halves = new Uint16Array(0);
  /** `counters[0, n · 16)` as a Buffer for each block count n used so far, so no view is made per packet. */
  #views: (Buffer | undefined)[] = [];

  constructor(key: Buffer) {
    this.#ecb = createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    this.#grow(INITIAL_BLOCKS);
  }

  /** XORs the keystream for the 16-byte `iv` (low 16 bits zero) into `data[start, end)`. */
  xor(iv: Uint8Array, data: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    const blocks = (length + BLOCK - 1) >>> 4;
    if (blocks * BLOCK > this.#counters.length) this.#grow(blocks);
    const counters = this.#counters;
    for (let i = 0; i < 14; i++) counters[i] = iv[i]!;
    const words = this.#words;
    const halves = this.#halves;
    const w0 = words[0]!;
    const w1 = words[1]!;
    const w2 = words[2]!;
    const h6 = halves[6]!;
    for (let j = 1; j < blocks; j++) {
      words[j * 4] = w0;
      words[j * 4 + 1] = w1;
      words[j * 4 + 2] = w2;
      halves[j * 8 + 6] = h6;
    }
    let view = this.#views[blocks];
    if (view === undefined) {
      view = Buffer.from(counters.buffer, 0, blocks * BLOCK);
      this.#views[blocks] = view;
    }
    const keystream = this.#ecb.update(view);
    for (let i = 0; i < length; i++) data[start + i]! ^= keystream[i]!;
  }

  /** Lays out counter blocks 0 … blocks−1 (their last two bytes are the block number, big-endian). */
  #grow(blocks: number): void {
    const counters = new Uint8Array(blocks * BLOCK);
    for (let j = 0; j < blocks; j++) {
      counters[j * BLOCK + 14] = j >>> 8;
      counters[j * BLOCK + 15] = j & 0xff;
    }
    this.#counters = counters;
    this.#words = new Int32Array(counters.buffer);
    this.#halves = new Uint16Array(counters.buffer);
    this.#views = [];
  }
}
