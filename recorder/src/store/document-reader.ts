/** Typed, bounded field access on untrusted JSON read from the shared store; every failure is `STORE_BAD_DOCUMENT`. */
import { STORE_LIMITS } from './stored-session.js';
import { StoreError } from './store-error.js';

export class Reader {
  readonly #o: Record<string, unknown>;
  readonly #where: string;

  constructor(value: unknown, where: string) {
    this.#where = where;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail('not an object');
    this.#o = value as Record<string, unknown>;
  }

  fail(why: string): never {
    throw new StoreError('STORE_BAD_DOCUMENT', `${this.#where}: ${why}`);
  }

  keys(): string[] {
    return Object.keys(this.#o);
  }

  raw(key: string): unknown {
    return this.#o[key];
  }

  str(key: string, max: number = STORE_LIMITS.maxString): string {
    const v = this.#o[key];
    if (typeof v !== 'string' || v.length > max)
      this.fail(`${key} must be a string of at most ${max} characters`);
    return v;
  }

  /** Base64 text of at most `maxBytes` bytes once decoded (SRTP key‖salt). */
  base64(key: string, maxBytes: number): string {
    const v = this.str(key, Math.ceil(maxBytes / 3) * 4);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) this.fail(`${key} must be base64`);
    return v;
  }

  int(key: string): number {
    const v = this.#o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      this.fail(`${key} must be a non-negative integer`);
    return v;
  }

  bool(key: string): boolean {
    const v = this.#o[key];
    if (typeof v !== 'boolean') this.fail(`${key} must be a boolean`);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.#o[key];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
      this.fail(`${key} must be one of ${values.join(', ')}`);
    return v as T;
  }

  obj(key: string): Reader {
    return new Reader(this.#o[key], `${this.#where} ${key}`);
  }

  /** `read()` when the field is present and not null, else null. */
  nullable<T>(key: string, read: () => T): T | null {
    const v = this.#o[key];
    return v === null || v === undefined ? null : read();
  }

  /** `read()` when the field is present, else undefined. */
  optional<T>(key: string, read: () => T): T | undefined {
    return this.#o[key] === undefined ? undefined : read();
  }

  strings(key: string, maxItems: number): string[] {
    const v = this.#o[key];
    if (!Array.isArray(v) || v.length > maxItems) this.fail(`${key} must be a list of at most ${maxItems}`);
    return (v as unknown[]).map((x) => {
      if (typeof x !== 'string' || x.length > STORE_LIMITS.maxString)
        this.fail(`${key} entry must be a string`);
      return x;
    });
  }

  /** A list of objects (the value is passed in, so lists from other parts can be read with this context). */
  list(value: unknown, name: string, maxItems: number): Reader[] {
    if (!Array.isArray(value) || value.length > maxItems)
      this.fail(`${name} must be a list of at most ${maxItems}`);
    return (value as unknown[]).map((x, i) => new Reader(x, `${this.#where} ${name}[${i}]`));
  }
}
