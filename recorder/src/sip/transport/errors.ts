/**
 * Error codes of the transport layer (fastify-style registry: every code has one documented meaning).
 * Framing codes carry the SIP status a peer is answered with when answering is safe (RFC 3261 §21.4.1).
 */

/** Every code a transport error can carry, with what it means. */
export const TRANSPORT_ERROR_CODES = {
  SIP_TRANSPORT_SEND_FAILED:
    'a message could not be sent (socket closed, connect failed or timed out, too large)',
  SIP_TRANSPORT_START_FAILED: 'a listening socket could not be bound or the TLS material could not be loaded',
  SIP_FRAMING_HEADER_TOO_LARGE: 'a stream message header section exceeded the configured limit',
  SIP_FRAMING_CONTENT_LENGTH_MISSING:
    'a message on a stream transport had no Content-Length (RFC 3261 §18.3)',
  SIP_FRAMING_CONTENT_LENGTH_INVALID:
    'Content-Length was negative, non-numeric or given twice with different values',
  SIP_FRAMING_BODY_TOO_LARGE: 'Content-Length exceeded the configured body limit',
} as const;

/** A stable transport error code. */
export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

/** The error type of the transport layer; `status` is set for framing errors (the SIP answer, 400). */
export class SipTransportError extends Error {
  readonly code: TransportErrorCode;
  readonly status: number | undefined;

  constructor(code: TransportErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SipTransportError';
    this.code = code;
    this.status = options?.status;
  }
}

/** A stream framing failure. `headerSection` holds the complete header bytes when they were received. */
export class SipFramingError extends SipTransportError {
  readonly headerSection: Buffer | undefined;

  constructor(code: TransportErrorCode, message: string, headerSection?: Buffer) {
    super(code, message, { status: 400 });
    this.name = 'SipFramingError';
    this.headerSection = headerSection;
  }
}

/** Wraps any failure of a send into the contract's rejection (`SIP_TRANSPORT_SEND_FAILED`). */
export function sendFailed(message: string, cause?: unknown): SipTransportError {
  return new SipTransportError('SIP_TRANSPORT_SEND_FAILED', message, { cause });
}
