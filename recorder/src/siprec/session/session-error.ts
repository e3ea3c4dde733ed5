/** An error that ends a request with a SIP status (and, for INVITEs, no session). */
export class SessionError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}
