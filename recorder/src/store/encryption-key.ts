/**
 * STORE_ENCRYPTION_KEY: 32 bytes (AES-256) given in base64. Wrapped so that logging the configuration, or an
 * object holding it, prints `[redacted]` instead of the key.
 */
import { inspect } from 'node:util';
import { StoreError } from './store-error.js';

const KEY_BYTES = 32;

/** An AES-256 key that refuses to be serialised or inspected. */
export class EncryptionKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /**
   * Parses the base64 text of STORE_ENCRYPTION_KEY (standard or URL-safe alphabet, padding optional).
   * @throws StoreError `STORE_BAD_KEY` when the text is not base64 or does not decode to exactly 32 bytes
   */
  static fromBase64(text: string): EncryptionKey {
    const t = text.trim();
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
      throw new StoreError('STORE_BAD_KEY', 'STORE_ENCRYPTION_KEY must be base64');
    }
    const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length !== KEY_BYTES) {
      throw new StoreError(
        'STORE_BAD_KEY',
        `STORE_ENCRYPTION_KEY must decode to ${KEY_BYTES} bytes (got ${bytes.length}); generate one with "openssl rand -base64 32"`,
      );
    }
    return new EncryptionKey(bytes);
  }

  /** The raw key, for the cipher only. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'EncryptionKey [redacted]';
  }
}
