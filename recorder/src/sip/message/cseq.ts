import { SipHeaderError } from './header-error.js';

/** A parsed CSeq header (RFC 3261 §20.16): sequence number and method. */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** 2^31 - 1: RFC 3261 §8.1.1.5 requires the sequence number to be below 2^31. */
const MAX_SEQ = 0x7fffffff;

/**
 * Parses `CSeq: 4711 INVITE`. Throws `SipHeaderError` (SIP_HEADER_BAD_CSEQ) when the number is missing,
 * not decimal, or ≥ 2^31, or the method is not a token: CSeq drives transaction and dialog matching, so a
 * guess would be worse than a 400.
 */
export function parseCSeq(value: string): CSeq {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9.!%*_+`'~-]+)\s*$/.exec(value);
  if (!m?.[1] || !m[2]) throw new SipHeaderError('SIP_HEADER_BAD_CSEQ', `bad CSeq "${value.slice(0, 64)}"`);
  const seq = Number(m[1]);
  if (seq > MAX_SEQ) throw new SipHeaderError('SIP_HEADER_BAD_CSEQ', `CSeq number out of range: ${m[1]}`);
  return { seq, method: m[2].toUpperCase() };
}
