/**
 * Results and errors of the SRTP layer. Per-packet outcomes are negative numbers, not exceptions, so the receive
 * loop never unwinds; configuration problems throw {@link SrtpError} with a stable code and no key material.
 */

/** Negative results of `unprotectRtp` / `unprotectRtcp`. */
export const SrtpResult = {
  /** The authentication tag did not verify (forged, corrupted, or keyed differently). */
  AUTH_FAILED: -1,
  /** The packet index was already received (RFC 3711 §3.3.2). */
  REPLAYED: -2,
  /** Too short, not version 2, or a header running past the end. */
  MALFORMED: -3,
  /** The index lies behind the replay window (RFC 3711 §3.3.2): it cannot be checked, so it is dropped. */
  TOO_OLD: -4,
} as const;
export type SrtpResult = (typeof SrtpResult)[keyof typeof SrtpResult];

/** Stable codes of {@link SrtpError}. */
export type SrtpErrorCode =
  'SRTP_UNSUPPORTED_SUITE' | 'SRTP_BAD_KEY_LENGTH' | 'SRTP_BAD_OPTION' | 'SRTP_BAD_PACKET';

/** A configuration or API misuse error. Its message never contains key material. */
export class SrtpError extends Error {
  readonly code: SrtpErrorCode;

  constructor(code: SrtpErrorCode, message: string) {
    super(message);
    this.name = 'SrtpError';
    this.code = code;
  }
}
