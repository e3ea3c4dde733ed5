/** Codes for header values that cannot be understood; all are answered with 400 (RFC 3261 §21.4.1). */
export type SipHeaderErrorCode = 'SIP_HEADER_BAD_VIA' | 'SIP_HEADER_BAD_CSEQ';

/** Thrown by the strict header helpers (`parseVia`, `parseCSeq`): these headers drive routing and matching. */
export class SipHeaderError extends Error {
  readonly code: SipHeaderErrorCode;
  readonly status = 400;

  constructor(code: SipHeaderErrorCode, message: string) {
    super(message);
    this.name = 'SipHeaderError';
    this.code = code;
  }
}
