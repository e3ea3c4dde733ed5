/**
 * Error codes of the SDP layer (a registry in the fastify style: every code has one documented meaning).
 * Offer errors are protocol errors answered with 488 Not Acceptable Here (RFC 3261 §21.4.26, RFC 3264 §6);
 * answer errors are contract violations by the caller and never reach the wire.
 */

/** Every code an SDP error can carry, with what it means. */
export const SDP_ERROR_CODES = {
  SDP_TOO_LARGE: 'the SDP body exceeds the size limit',
  SDP_BINARY: 'the body contains control characters or NUL bytes, so it is not SDP text',
  SDP_NOT_SDP: 'no line of the body has the `<type>=<value>` form of RFC 4566 §5',
  SDP_NO_MEDIA: 'the SDP has no m= line, so there is nothing to record',
  SDP_TOO_MANY_MEDIA: 'the SDP has more m= lines than the limit',
  SDP_TOO_MANY_FORMATS: 'an m= line lists more formats than the limit',
  SDP_BAD_MEDIA_LINE:
    'an m= line cannot be parsed (media, port, protocol and at least one format are required)',
  SDP_ANSWER_INVALID: 'buildAnswer was given streams that would produce an answer no SRC accepts',
  SDP_CRYPTO_INVALID:
    'generateLocalCrypto was given an unsupported suite or a random source of the wrong length',
} as const;

/** A stable SDP error code. */
export type SdpErrorCode = keyof typeof SDP_ERROR_CODES;

/** SIP status for a rejected offer (RFC 3264 §6: the answerer cannot accept the offer). */
export const SDP_OFFER_REJECT_STATUS = 488;

/** Thrown for caller mistakes in building an answer or generating keys (never for peer input). */
export class SdpError extends Error {
  readonly code: SdpErrorCode;

  constructor(code: SdpErrorCode, message: string) {
    super(message);
    this.name = 'SdpError';
    this.code = code;
  }
}
