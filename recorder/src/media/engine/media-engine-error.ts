/**
 * Errors of the media engine, with a stable code and the SIP status a request handler answers with when the
 * error ends a negotiation (503: no capacity, the SRC should try another SRS; 500: our fault).
 */

/** Stable codes of {@link MediaEngineError}. */
export type MediaEngineErrorCode =
  | 'MEDIA_PORTS_EXHAUSTED'
  | 'MEDIA_UNKNOWN_RECORDING'
  | 'MEDIA_UNKNOWN_STREAM'
  | 'MEDIA_BAD_CONFIG'
  | 'MEDIA_WORKER_FAILED'
  | 'MEDIA_CLOSED'
  | 'MEDIA_WRITE_FAILED';

const STATUS: Readonly<Record<MediaEngineErrorCode, number>> = {
  MEDIA_PORTS_EXHAUSTED: 503,
  MEDIA_UNKNOWN_RECORDING: 500,
  MEDIA_UNKNOWN_STREAM: 500,
  MEDIA_BAD_CONFIG: 488,
  MEDIA_WORKER_FAILED: 503,
  MEDIA_CLOSED: 503,
  MEDIA_WRITE_FAILED: 500,
};

/** An engine failure; `status` is the SIP status to answer a request it ends with. */
export class MediaEngineError extends Error {
  readonly code: MediaEngineErrorCode;
  readonly status: number;

  constructor(code: MediaEngineErrorCode, message: string) {
    super(message);
    this.name = 'MediaEngineError';
    this.code = code;
    this.status = STATUS[code];
  }

  /** Rebuilds an error that crossed the worker boundary as `{ code, message }`. */
  static from(error: { readonly code: string; readonly message: string }): MediaEngineError {
    const code = Object.hasOwn(STATUS, error.code)
      ? (error.code as MediaEngineErrorCode)
      : 'MEDIA_WORKER_FAILED';
    return new MediaEngineError(code, error.message);
  }
}
