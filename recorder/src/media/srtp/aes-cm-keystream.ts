/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block j is AES_k(IV + j), where the IV's low
 * 16 bits are zero, so for any packet (< 2^16 blocks) only the last two bytes of the counter change.
 *
 * Why an ECB cipher and not `createCipheriv('aes-128-ctr')` per packet: Node cannot re-IV a cipher object, and
 * creating one per packet (a native context and key schedule each time) measured about 3× slower. One ECB
 * object per session key encrypts the counter blocks we lay out in a reused scratch buffer; `update()` still
 * returns a fresh Buffer of keystream — Node offers no output-into variant — and that is the only allocation.
 */

import { createCipheriv, type Cipher } from 'node:crypto';

const BLOCK = 16;

/** XORs AES-CM keystream into packet bytes, in place. */
export class AesCmKeystream {
  readonly #ecb: Cipher;
  #counters = Buffer.alloc(BLOCK * 64);

  constructor(key: Buffer) {
    this.#ecb = createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
    this.#ecb.setAutoPadding(false);
  }

  /** XORs the keystream for the 16-byte `iv` (low 16 bits zero) into `data[start, end)`. */
  xor(iv: Buffer, data: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    const blocks = Math.ceil(length / BLOCK);
    if (blocks * BLOCK > this.#counters.length) this.#counters = Buffer.alloc(blocks * BLOCK);
    const counters = this.#counters;
    for (let j = 0; j < blocks; j++) {
      const o = j * BLOCK;
      iv.copy(counters, o, 0, 14);
      counters[o + 14] = j >>> 8;
      counters[o + 15] = j & 0xff;
    }
    const keystream = this.#ecb.update(counters.subarray(0, blocks * BLOCK));
    for (let i = 0; i < length; i++) data[start + i]! ^= keystream[i]!;
  }
}
