/**
 * Encryption at rest of SRTP master keys (DESIGN.md §4): AES-256-GCM, a fresh 96-bit IV per value (NIST SP 800-38D
 * §8.2.2, random IVs are safe far beyond the number of keys a recorder writes), and the value's place in the store
 * (recording id, m-line, which key) as additional authenticated data, so a key copied into another session or
 * stream fails to open instead of decrypting someone else's media.
 *
 * Wire form: `enc1:<base64(iv ‖ tag ‖ ciphertext)>` when a key is configured, `b64:<base64>` when not.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './encryption-key.js';
import { StoreError } from './store-error.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = 'enc1:';
const PLAIN = 'b64:';
/** Default bound: the longest SRTP master key‖salt is 46 bytes (AES-256); anything far larger is not a key. */
const MAX_SEALED_CHARS = 512;

/** Seals and opens secret values with an optional key. */
export class SecretBox {
  readonly #key: EncryptionKey | undefined;
  readonly #random: (n: number) => Buffer;

  constructor(key: EncryptionKey | undefined, random: (n: number) => Buffer = randomBytes) {
    this.#key = key;
    this.#random = random;
  }

  get encrypting(): boolean {
    return this.#key !== undefined;
  }

  /** Encodes `secret` for storage; `context` must be given again to open it. */
  seal(secret: Buffer, context: string): string {
    if (this.#key === undefined) return PLAIN + secret.toString('base64');
    const iv = this.#random(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key.bytes(), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(secret), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /**
   * Decodes a stored value.
   * @throws StoreError `STORE_KEY_MISSING` (sealed but no key), `STORE_DECRYPT_FAILED` (wrong key, or the value
   *   was moved from another context), `STORE_BAD_DOCUMENT` (not a value we wrote)
   */
  open(stored: string, context: string, maxChars: number = MAX_SEALED_CHARS): Buffer {
    if (stored.length > maxChars)
      throw new StoreError('STORE_BAD_DOCUMENT', `secret value of ${context} is too long`);
    if (stored.startsWith(PLAIN)) return Buffer.from(stored.slice(PLAIN.length), 'base64');
    if (!stored.startsWith(SEALED))
      throw new StoreError('STORE_BAD_DOCUMENT', `secret value of ${context} has an unknown encoding`);
    if (this.#key === undefined) {
      throw new StoreError(
        'STORE_KEY_MISSING',
        `SRTP keys of ${context} are encrypted in the store but STORE_ENCRYPTION_KEY is not set`,
      );
    }
    const raw = Buffer.from(stored.slice(SEALED.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES)
      throw new StoreError('STORE_BAD_DOCUMENT', `secret value of ${context} is truncated`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key.bytes(), raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (err) {
      throw new StoreError(
        'STORE_DECRYPT_FAILED',
        `SRTP keys of ${context} cannot be decrypted: STORE_ENCRYPTION_KEY differs from the key they were written with`,
        { cause: err },
      );
    }
  }
}
