/** Stable codes for session-store failures (README "Session store" lists what each means to an operator). */
export type StoreErrorCode =
  /** Redis is unreachable: a read or lease operation could not be answered (writes are queued instead). */
  | 'STORE_UNAVAILABLE'
  /** A stored document failed validation (corrupted, foreign or written by an incompatible version). */
  | 'STORE_BAD_DOCUMENT'
  /** A document handed to `save` breaks a bound (too large, too many streams…) and was not stored. */
  | 'STORE_DOCUMENT_TOO_LARGE'
  /** SRTP keys could not be decrypted: STORE_ENCRYPTION_KEY differs from the one they were written with. */
  | 'STORE_DECRYPT_FAILED'
  /** SRTP keys are encrypted in the store but this recorder has no STORE_ENCRYPTION_KEY. */
  | 'STORE_KEY_MISSING'
  /** STORE_ENCRYPTION_KEY is not 32 bytes of base64. */
  | 'STORE_BAD_KEY'
  /** The store was closed. */
  | 'STORE_CLOSED';

/** An error of the session store. Messages never contain key material. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
