/**
 * Which offered SDES line we take for an SRTP stream (RFC 4568 §7.1.2): the first line, in the offerer's order of
 * preference, whose suite we support, whose keys decode to the suite's length, and whose session parameters we can
 * honour. MKIs and unusual key lifetimes are accepted and reported so the media layer can act on them.
 */
import { parseCryptoAttribute, type ParsedCrypto } from './crypto-attribute.js';
import type { OfferedMedia } from './types.js';

/** The accepted crypto line, what about it deserves a log line, and why earlier lines were passed over. */
export interface ChosenCrypto extends ParsedCrypto {
  /** Noteworthy but accepted: MKI in use, several keys, a key lifetime other than 2^31 or 2^48 … */
  readonly notes: readonly string[];
  /** One reason per offered line that was not taken, e.g. `tag 1: unsupported crypto suite "F8_128_HMAC_SHA1_80"`. */
  readonly skipped: readonly string[];
  /**
   * Session parameters our answer must carry (RFC 4568 §6.3.2/§6.3.3): UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP and
   * UNAUTHENTICATED_SRTP describe the stream in both directions, so an answer accepting them repeats them.
   */
  readonly answerSessionParams: readonly string[];
}

/** Lifetimes SRCs use by default (RFC 4568 examples, libsrtp); anything else is worth a note. */
const USUAL_LIFETIMES: ReadonlySet<number> = new Set([2 ** 31, 2 ** 48]);

/**
 * Picks the crypto line for an SRTP m-line.
 * @returns the chosen line, or null when no offered line is usable (answer 488 or reject the stream, INTEROP §7)
 */
export function chooseCrypto(media: OfferedMedia): ChosenCrypto | null {
  const skipped: string[] = [];
  for (const offered of media.crypto) {
    const parsed = parseCryptoAttribute(offered);
    if (!parsed.ok) {
      skipped.push(`tag ${offered.tag}: ${parsed.error}`);
      continue;
    }
    const crypto = parsed.crypto;
    // RFC 3711 §4.3.1 re-keying every 2^kdr packets: our SRTP contexts derive session keys once.
    if (crypto.sessionParams.kdr !== undefined) {
      skipped.push(`tag ${offered.tag}: key derivation rate KDR=${crypto.sessionParams.kdr} not supported`);
      continue;
    }
    const notes: string[] = [];
    if (crypto.keys.length > 1) notes.push(`${crypto.keys.length} master keys offered, selected by MKI`);
    for (const [i, key] of crypto.keys.entries()) {
      if (key.mki !== undefined) notes.push(`key ${i}: MKI ${key.mki.value} in ${key.mki.length} byte(s)`);
      if (key.lifetime !== undefined && !USUAL_LIFETIMES.has(key.lifetime)) {
        notes.push(`key ${i}: lifetime ${key.lifetime} packets; the SRC must re-key before it runs out`);
      }
    }
    const { unencryptedSrtp, unencryptedSrtcp, unauthenticatedSrtp, ignored } = crypto.sessionParams;
    const answerSessionParams: string[] = [];
    if (unencryptedSrtp) answerSessionParams.push('UNENCRYPTED_SRTP');
    if (unencryptedSrtcp) answerSessionParams.push('UNENCRYPTED_SRTCP');
    if (unauthenticatedSrtp) answerSessionParams.push('UNAUTHENTICATED_SRTP');
    if (answerSessionParams.length > 0) notes.push(`session parameters ${answerSessionParams.join(' ')}`);
    if (ignored.length > 0) notes.push(`optional session parameters ignored: ${ignored.join(' ')}`);
    return { ...crypto, notes, skipped, answerSessionParams };
  }
  return null;
}
