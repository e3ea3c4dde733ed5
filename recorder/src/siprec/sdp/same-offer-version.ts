/**
 * Session refreshes (RFC 3264 §8, RFC 4028): an SRC that re-sends its offer with the same `o=` line — same session
 * id and the same version — changed nothing, and must get our previous answer back unchanged, version included
 * (INTEROP §5 last bullet). A changed version is a new offer that gets a full new answer.
 */
import type { SdpOffer } from './types.js';

/**
 * True when `next` repeats `previous` (RFC 4566 §5.2: the `o=` username, session id and address identify the
 * session; the version changes with every modification). Offers without a usable `o=` never count as repeats, so
 * they are always answered afresh.
 */
export function sameOfferVersion(previous: SdpOffer, next: SdpOffer): boolean {
  const a = previous.origin;
  const b = next.origin;
  if (a.sessionId === '' || a.sessionVersion === '') return false;
  return (
    a.sessionId === b.sessionId &&
    a.sessionVersion === b.sessionVersion &&
    a.username === b.username &&
    a.address === b.address
  );
}
