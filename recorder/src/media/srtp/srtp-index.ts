/**
 * Packet index estimation for SRTP receivers: the rollover counter (ROC) is never sent, so it is inferred from
 * the 16-bit sequence number and the highest index seen (RFC 3711 §3.3.1).
 */

/**
 * RFC 3711 §3.3.1 / Appendix A: the packet index i = 2^16 · v + SEQ, with v the ROC guessed from the highest
 * index received so far (`highest`, -1 for a new stream: then v = 0 and s_l = SEQ). Returns a negative number
 * when the guess is ROC − 1 with ROC already 0 (the packet predates the stream).
 */
export function estimateIndex(highest: number, seq: number): number {
  if (highest < 0) return seq;
  const roc = Math.floor(highest / 0x10000);
  const sl = highest % 0x10000;
  let v = roc;
  if (sl < 0x8000) {
    if (seq - sl > 0x8000) v = roc - 1;
  } else if (sl - 0x8000 > seq) {
    v = roc + 1;
  }
  return v < 0 ? -1 : v * 0x10000 + seq;
}
