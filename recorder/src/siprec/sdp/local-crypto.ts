/**
 * Our own SDES key for an answer. INTEROP §7 and RFC 4568 §7.1.2: the answerer sends its own key for the media it
 * sends and for its SRTCP; echoing the offerer's key would reuse a keystream (two-time pad) and some SRCs reject it.
 */
import { srtpSuite } from './crypto-attribute.js';
import { SdpError } from './errors.js';

/** A fresh master key‖salt for one stream. */
export interface LocalCrypto {
  readonly suite: string;
  /** Master key followed by master salt, the suite's length. Secret: never log it. */
  readonly keySalt: Buffer;
  /** `keySalt` in base64, the value after `inline:` in our `a=crypto` line. */
  readonly inline: string;
}

/**
 * Generates our key for a suite we support.
 * @param random cryptographically secure random bytes (`crypto.randomBytes` in production, a fake in tests)
 * @throws SdpError `SDP_CRYPTO_INVALID` for an unsupported suite or a random source returning the wrong length
 */
export function generateLocalCrypto(suite: string, random: (n: number) => Buffer): LocalCrypto {
  const info = srtpSuite(suite);
  if (info === undefined) throw new SdpError('SDP_CRYPTO_INVALID', `unsupported SRTP suite ${suite}`);
  const keySalt = random(info.keySaltLength);
  if (!Buffer.isBuffer(keySalt) || keySalt.length !== info.keySaltLength) {
    throw new SdpError('SDP_CRYPTO_INVALID', `random source did not return ${info.keySaltLength} bytes`);
  }
  return { suite, keySalt: Buffer.from(keySalt), inline: keySalt.toString('base64') };
}
