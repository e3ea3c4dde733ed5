/**
 * The SDES crypto suites the recorder accepts (RFC 4568 §6.2, RFC 7714 §14.1) and the transform parameters each
 * implies. The master key and salt arrive concatenated, as in the `inline:` key-params of an `a=crypto` line.
 */

/** Crypto suite names as they appear in SDP `a=crypto` lines. */
export type SrtpSuite =
  'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | 'AEAD_AES_128_GCM' | 'AEAD_AES_256_GCM';

/** Transform parameters of a suite. */
export interface SrtpSuiteParams {
  readonly suite: SrtpSuite;
  /** AES-GCM (RFC 7714) rather than AES-CM + HMAC-SHA1 (RFC 3711). */
  readonly aead: boolean;
  /** Master and session encryption key length in bytes. */
  readonly keyLength: number;
  /** Master and session salt length in bytes (14 for AES-CM, 12 for AES-GCM). */
  readonly saltLength: number;
  /** HMAC-SHA1 session key length (RFC 3711 §4.2.1: 160 bits); 0 for AEAD. */
  readonly authKeyLength: number;
  /** Authentication tag length of SRTP packets. */
  readonly rtpTagLength: number;
  /** Authentication tag length of SRTCP packets: 80 bits even for the _32 suite (RFC 4568 §6.2.2). */
  readonly rtcpTagLength: number;
}

const SUITES: Readonly<Record<SrtpSuite, SrtpSuiteParams>> = {
  AES_CM_128_HMAC_SHA1_80: {
    suite: 'AES_CM_128_HMAC_SHA1_80',
    aead: false,
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  AES_CM_128_HMAC_SHA1_32: {
    suite: 'AES_CM_128_HMAC_SHA1_32',
    aead: false,
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
  // RFC 7714 §12: 16-octet tag, 96-bit salt.
  AEAD_AES_128_GCM: {
    suite: 'AEAD_AES_128_GCM',
    aead: true,
    keyLength: 16,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
  AEAD_AES_256_GCM: {
    suite: 'AEAD_AES_256_GCM',
    aead: true,
    keyLength: 32,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
};

/** Parameters of `suite`, or undefined for a suite we do not implement (the answer then refuses the stream). */
export function srtpSuiteParams(suite: string): SrtpSuiteParams | undefined {
  return Object.hasOwn(SUITES, suite) ? SUITES[suite as SrtpSuite] : undefined;
}
