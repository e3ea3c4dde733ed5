import type { SipHeaders } from './headers.js';

/**
 * Every parse error code, with the SIP status and reason phrase to answer with (RFC 3261 §21.4;
 * 505 per §8.2.2.x / §21.5.6). A registry so the codes stay stable and documented (STYLE.md).
 */
export const SIP_PARSE_ERRORS = {
  SIP_PARSE_EMPTY: { status: 400, reason: 'Empty Message', description: 'only CR/LF keep-alives' },
  SIP_PARSE_BAD_START_LINE: {
    status: 400,
    reason: 'Bad Request Line',
    description: 'the first line is neither a request line nor a status line',
  },
  SIP_PARSE_BAD_VERSION: { status: 505, reason: 'Version Not Supported', description: 'not SIP/2.0' },
  SIP_PARSE_BAD_HEADER: {
    status: 400,
    reason: 'Bad Header',
    description: 'a header line without a colon or with an invalid name',
  },
  SIP_PARSE_TOO_MANY_HEADERS: {
    status: 413,
    reason: 'Too Many Headers',
    description: 'more header rows than the configured maximum',
  },
  SIP_PARSE_HEADERS_TOO_LARGE: {
    status: 413,
    reason: 'Header Section Too Large',
    description: 'the header section exceeds the configured byte limit',
  },
  SIP_PARSE_NO_BODY_SEPARATOR: {
    status: 400,
    reason: 'Incomplete Header Section',
    description: 'no empty line ends the header section',
  },
  SIP_PARSE_CONTENT_LENGTH: {
    status: 400,
    reason: 'Bad Content-Length',
    description: 'Content-Length is negative, not a number, too large, or given twice with different values',
  },
  SIP_PARSE_BODY_TRUNCATED: {
    status: 400,
    reason: 'Bad Content-Length',
    description: 'the body is shorter than Content-Length (RFC 3261 §18.3)',
  },
  SIP_PARSE_MISSING_HEADER: {
    status: 400,
    reason: 'Missing Mandatory Header',
    description: 'Via, From, To, Call-ID or CSeq is absent (RFC 3261 §8.1.1)',
  },
  SIP_PARSE_BAD_CSEQ: {
    status: 400,
    reason: 'Bad CSeq',
    description: 'CSeq is not `number METHOD`, or its method differs from the request method',
  },
  SIP_PARSE_BAD_VIA: { status: 400, reason: 'Bad Via', description: 'the top Via cannot be parsed' },
} as const satisfies Record<string, { status: number; reason: string; description: string }>;

/** A stable parse error code. */
export type SipParseErrorCode = keyof typeof SIP_PARSE_ERRORS;

/** What could still be read from a message that failed to parse, so the core may answer it. */
export interface SipParsePartial {
  /** Set when the start line was a valid request line. */
  readonly method?: string;
  readonly uri?: string;
  /** True when the start line was a status line (never answered). */
  readonly isResponse?: boolean;
  /** Headers read before the error (possibly none). */
  readonly headers: SipHeaders;
}

/** Thrown by `parseSipMessage`. `status`/`reason` say how to answer, if the message can be answered. */
export class SipParseError extends Error {
  readonly code: SipParseErrorCode;
  readonly status: number;
  readonly reason: string;
  readonly partial: SipParsePartial;

  constructor(code: SipParseErrorCode, detail: string, partial: SipParsePartial) {
    super(`${SIP_PARSE_ERRORS[code].reason}: ${detail}`);
    this.name = 'SipParseError';
    this.code = code;
    this.status = SIP_PARSE_ERRORS[code].status;
    this.reason = SIP_PARSE_ERRORS[code].reason;
    this.partial = partial;
  }
}
