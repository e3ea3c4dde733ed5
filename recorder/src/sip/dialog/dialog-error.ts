/** Stable codes for dialog construction and restore failures. */
export type DialogErrorCode =
  'SIP_DIALOG_NO_REMOTE_TAG' | 'SIP_DIALOG_BAD_REQUEST' | 'SIP_DIALOG_BAD_SNAPSHOT';

/** Thrown when a dialog cannot be created from a request or restored from a snapshot. */
export class DialogError extends Error {
  readonly code: DialogErrorCode;

  constructor(code: DialogErrorCode, message: string) {
    super(message);
    this.name = 'DialogError';
    this.code = code;
  }
}
