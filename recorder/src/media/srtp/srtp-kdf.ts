/**
 * SRTP key derivation (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3) and key derivation rate 0: one set of
 * session keys per master key. AES-GCM suites use the same KDF (RFC 7714 §11) with a 96-bit master salt.
 *
 * ```
 * key_id = label ‖ r            (r = index DIV kdr = 0 for kdr 0, 48 bits)
 * x      = key_id XOR master_salt        (key_id right-aligned under a 112-bit salt → label at byte 7)
 * out    = AES-CM(master_key, IV = x · 2^16) keystream, first n bytes
 * ```
 * For the 12-byte GCM salt libsrtp (and GStreamer's srtpenc on top of it) places the salt left-aligned in the
 * 16-byte counter block and still XORs the label into byte 7 — PEERS.md notes this is what interoperates, and
 * the GStreamer integration test checks it.
 */

import { createCipheriv } from 'node:crypto';
import type { SrtpSuiteParams } from './srtp-suite.js';

/** KDF labels (RFC 3711 §4.3.1 and §4.3.2). */
export const SrtpLabel = {
  RTP_ENCRYPTION: 0x00,
  RTP_AUTH: 0x01,
  RTP_SALT: 0x02,
  RTCP_ENCRYPTION: 0x03,
  RTCP_AUTH: 0x04,
  RTCP_SALT: 0x05,
} as const;

/** Session keys of one direction of one protocol (RTP or RTCP). */
export interface SrtpSessionKeys {
  readonly encryptionKey: Buffer;
  readonly salt: Buffer;
  /** Empty for AEAD suites. */
  readonly authKey: Buffer;
}

/** `length` bytes of the AES-CM PRF for `label`, keyed by the master key (16 or 32 bytes). */
export function srtpKdf(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(masterSalt.length, 14));
  iv[7]! ^= label;
  const cipher = createCipheriv(masterKey.length === 32 ? 'aes-256-ctr' : 'aes-128-ctr', masterKey, iv);
  const out = cipher.update(Buffer.alloc(length));
  cipher.final();
  iv.fill(0);
  return out;
}

/** Derives the RTP and RTCP session keys of `suite` from master key ‖ master salt. */
export function deriveSrtpSessionKeys(
  params: SrtpSuiteParams,
  masterKey: Buffer,
  masterSalt: Buffer,
): { readonly rtp: SrtpSessionKeys; readonly rtcp: SrtpSessionKeys } {
  const derive = (enc: number, auth: number, salt: number): SrtpSessionKeys => ({
    encryptionKey: srtpKdf(masterKey, masterSalt, enc, params.keyLength),
    salt: srtpKdf(masterKey, masterSalt, salt, params.saltLength),
    authKey:
      params.authKeyLength > 0 ? srtpKdf(masterKey, masterSalt, auth, params.authKeyLength) : Buffer.alloc(0),
  });
  return {
    rtp: derive(SrtpLabel.RTP_ENCRYPTION, SrtpLabel.RTP_AUTH, SrtpLabel.RTP_SALT),
    rtcp: derive(SrtpLabel.RTCP_ENCRYPTION, SrtpLabel.RTCP_AUTH, SrtpLabel.RTCP_SALT),
  };
}
