/** Why a POLICY_FILE cannot be used: unreadable, or a document that does not validate (every problem listed). */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';

  constructor(
    /** `POLICY_FILE_UNREADABLE` (cannot be read) or `POLICY_FILE_INVALID` (read, but not a valid document). */
    readonly code: 'POLICY_FILE_UNREADABLE' | 'POLICY_FILE_INVALID',
    /** Each problem names the policy and the field, e.g. `policy "sales": match.headers[0].regex: …`. */
    readonly problems: readonly string[],
    readonly path: string,
  ) {
    super(`${path}: ${problems.join('; ')}`);
  }
}
