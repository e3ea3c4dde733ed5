/**
 * Errors raised while taking apart a SIPREC request body. Each carries a stable `code` and the SIP status the
 * request should be answered with (RFC 3261 §21.4), so the caller never has to guess.
 */

/** Stable codes of {@link SiprecBodyError}, with the SIP status each one maps to. */
export const BODY_ERROR_STATUS = {
  /** Body larger than the 1 MiB we accept for a SIPREC request (RFC 3261 §21.4.11, 413). */
  BODY_TOO_LARGE: 413,
  /** A Content-Type / Content-Disposition value too long or with too many parameters to be genuine. */
  BODY_HEADER_INVALID: 400,
  /** `multipart/*` without a `boundary` parameter (RFC 2046 §5.1.1 makes it mandatory). */
  MULTIPART_NO_BOUNDARY: 400,
  /** The boundary parameter is empty or absurdly long. */
  MULTIPART_BAD_BOUNDARY: 400,
  /** The declared boundary never appears at the start of a line of the body. */
  MULTIPART_BOUNDARY_NOT_FOUND: 400,
  /** More body parts than any SRC sends (SDP, metadata, and a signalling part or two). */
  MULTIPART_TOO_MANY_PARTS: 400,
  /** A body part whose header section is too large to be genuine. */
  MULTIPART_PART_HEADERS_TOO_LARGE: 400,
  /** Neither SDP, nor multipart, nor recording metadata (RFC 3261 §21.4.13: answer 415 with `Accept`). */
  UNSUPPORTED_BODY_TYPE: 415,
} as const;

/** The stable code of a body error. */
export type BodyErrorCode = keyof typeof BODY_ERROR_STATUS;

/** A body the SIPREC layer cannot use; `status` is the SIP response code to answer with. */
export class SiprecBodyError extends Error {
  readonly code: BodyErrorCode;
  readonly status: number;

  constructor(code: BodyErrorCode, message: string) {
    super(message);
    this.name = 'SiprecBodyError';
    this.code = code;
    this.status = BODY_ERROR_STATUS[code];
  }
}
