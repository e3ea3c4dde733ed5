/** Stable error codes of the WAV/raw-frame writers and the crash repair. */
export type WavErrorCode =
  | 'WAV_BAD_HEADER'
  | 'WAV_BAD_OPTIONS'
  | 'WAV_WRITE_FAILED'
  | 'WAV_CLOSED'
  | 'WAV_NOT_A_PART_FILE'
  | 'WAV_TOO_LARGE';

/** An error of the recording writers, with a stable `code` and the underlying cause when there is one. */
export class WavError extends Error {
  readonly code: WavErrorCode;

  constructor(code: WavErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WavError';
    this.code = code;
  }
}
