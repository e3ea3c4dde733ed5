/**
 * The session keys of one protocol (SRTP or SRTCP) of an {@link SrtpSession}, in the form per-packet work uses
 * them: for AES-CM the batched keystream (aes-cm-keystream.ts) and the HMAC-SHA1 with its pads hashed once
 * (hmac-sha1.ts); for AES-GCM the key, the salt and an IV scratch (RFC 7714 §8.1, §9.1). Nothing here keeps
 * per-stream state: replay lists and indices are the session's.
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AesCmKeystream } from './aes-cm-keystream.js';
import { HmacSha1 } from './hmac-sha1.js';
import type { SrtpSessionKeys } from './srtp-kdf.js';
import type { SrtpSuiteParams } from './srtp-suite.js';

/** The E‖index word ending SRTCP (RFC 3711 §3.4). */
export const SRTCP_TRAILER = 4;
/** The AES-GCM tag (RFC 7714 §8.2: 16 octets). */
export const GCM_TAG = 16;
const GCM_IV = 12;

/** Keys and scratch of one protocol of a session. Keys never leave it. */
export class SrtpDirection {
  readonly tagLength: number;
  readonly #gcmAlgorithm: 'aes-128-gcm' | 'aes-256-gcm';
  /** AES-CM only. */
  readonly #keystream: AesCmKeystream | undefined;
  readonly #hmac: HmacSha1 | undefined;
  /** AES-GCM only. */
  readonly #gcmKey: Buffer;
  readonly #salt: Buffer;
  readonly #iv = Buffer.alloc(GCM_IV);

  /**
   * @param batch packets whose AES-CM keystream is made at once (see aes-cm-keystream.ts): more than 1 only where
   *   indices follow each other (SRTP)
   */
  constructor(params: SrtpSuiteParams, keys: SrtpSessionKeys, tagLength: number, batch: number) {
    this.tagLength = tagLength;
    this.#gcmAlgorithm = params.keyLength === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    const aead = params.aead;
    this.#keystream = aead ? undefined : new AesCmKeystream(keys.encryptionKey, keys.salt, batch);
    this.#hmac = aead ? undefined : new HmacSha1(keys.authKey);
    this.#gcmKey = aead ? Buffer.from(keys.encryptionKey) : Buffer.alloc(0);
    this.#salt = aead ? Buffer.from(keys.salt) : Buffer.alloc(0);
  }

  // ---- AES-CM + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2) ----------------------------------------------------------

  /** XORs the keystream of packet `index` of `ssrc` into `data[start, end)`. */
  xor(ssrc: number, index: number, data: Uint8Array, start: number, end: number): void {
    this.#keystream!.xor(ssrc, index, data, start, end);
  }

  /**
   * Whether the `tagLength` bytes at `tagAt` are the tag of `packet[0, authEnd)` ‖ ROC (no ROC when `roc` < 0,
   * as for SRTCP). Every byte is compared, whatever the first difference.
   */
  verifyTag(
    packet: Buffer,
    authEnd: number,
    roc: number,
    tagAt: number,
    tagLength = this.tagLength,
  ): boolean {
    const digest = this.#hmac!.compute(packet, authEnd, roc >= 0 ? roc >>> 0 : -1);
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= digest[i]! ^ packet[tagAt + i]!;
    return diff === 0;
  }

  /** Writes the tag of `out[0, authEnd)` ‖ ROC at `authEnd`. */
  writeTag(out: Buffer, authEnd: number, roc: number): void {
    const digest = this.#hmac!.compute(out, authEnd, roc >= 0 ? roc >>> 0 : -1);
    for (let i = 0; i < this.tagLength; i++) out[authEnd + i] = digest[i]!;
  }

  // ---- AES-GCM (RFC 7714) ----------------------------------------------------------------------------------

  /** RFC 7714 §8.1: IV = salt XOR (00 00 ‖ SSRC ‖ ROC ‖ SEQ), for the next {@link open} or {@link seal}. */
  rtpIv(ssrc: number, roc: number, seq: number): void {
    const iv = this.#iv;
    this.#salt.copy(iv, 0, 0, GCM_IV);
    xor32(iv, 2, ssrc);
    xor32(iv, 6, roc);
    iv[10]! ^= seq >>> 8;
    iv[11]! ^= seq & 0xff;
  }

  /** RFC 7714 §9.1: IV = salt XOR (00 00 ‖ SSRC ‖ 00 00 ‖ 0‖index). */
  rtcpIv(ssrc: number, index: number): void {
    const iv = this.#iv;
    this.#salt.copy(iv, 0, 0, GCM_IV);
    xor32(iv, 2, ssrc);
    xor32(iv, 8, index);
  }

  /**
   * AES-GCM open with the IV set last: AAD = packet[0, aadEnd) (+ the 4 bytes at `trailerAt` when ≥ 0), ciphertext
   * packet[ctStart, ctEnd), tag the 16 bytes at `tagAt`. Writes the plaintext back only once the tag verified.
   */
  open(
    packet: Buffer,
    ctStart: number,
    ctEnd: number,
    aadEnd: number,
    trailerAt: number,
    tagAt: number,
  ): boolean {
    const decipher = createDecipheriv(this.#gcmAlgorithm, this.#gcmKey, this.#iv, { authTagLength: GCM_TAG });
    decipher.setAAD(packet.subarray(0, aadEnd));
    if (trailerAt >= 0) decipher.setAAD(packet.subarray(trailerAt, trailerAt + SRTCP_TRAILER));
    const plain = decipher.update(packet.subarray(ctStart, ctEnd));
    decipher.setAuthTag(packet.subarray(tagAt, tagAt + GCM_TAG));
    try {
      decipher.final();
    } catch {
      return false;
    }
    plain.copy(packet, ctStart);
    return true;
  }

  /** AES-GCM seal with the IV set last: the ciphertext of `plain` and the tag over `aad`. */
  seal(aad: Buffer, plain: Buffer): { body: Buffer; tag: Buffer } {
    const cipher = createCipheriv(this.#gcmAlgorithm, this.#gcmKey, this.#iv);
    cipher.setAAD(aad);
    const body = cipher.update(plain);
    cipher.final();
    return { body, tag: cipher.getAuthTag() };
  }
}

function xor32(buf: Buffer, offset: number, value: number): void {
  buf[offset]! ^= value >>> 24;
  buf[offset + 1]! ^= (value >>> 16) & 0xff;
  buf[offset + 2]! ^= (value >>> 8) & 0xff;
  buf[offset + 3]! ^= value & 0xff;
}
