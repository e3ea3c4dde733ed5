import { splitOutside } from './split.js';

/**
 * Compact header forms (RFC 3261 §7.3.3 and the IANA SIP header registry) → lower-case full name.
 * Expanded on parse so the rest of the stack only ever sees full names.
 */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  f: 'from',
  t: 'to',
  v: 'via',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  u: 'allow-events',
  y: 'identity',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
};

/** Canonical spelling on output for the headers whose capitalisation is not simply Title-Case. */
const CANONICAL_NAMES: ReadonlyMap<string, string> = new Map(
  [
    'Accept',
    'Accept-Contact',
    'Accept-Encoding',
    'Accept-Language',
    'Alert-Info',
    'Allow',
    'Allow-Events',
    'Authentication-Info',
    'Authorization',
    'Call-ID',
    'Call-Info',
    'Contact',
    'Content-Disposition',
    'Content-Encoding',
    'Content-Language',
    'Content-Length',
    'Content-Type',
    'CSeq',
    'Date',
    'Error-Info',
    'Event',
    'Expires',
    'From',
    'Identity',
    'In-Reply-To',
    'Max-Forwards',
    'MIME-Version',
    'Min-Expires',
    'Min-SE',
    'Organization',
    'P-Asserted-Identity',
    'Priority',
    'Proxy-Authenticate',
    'Proxy-Authorization',
    'Proxy-Require',
    'Reason',
    'Record-Route',
    'Recv-Info',
    'Refer-To',
    'Referred-By',
    'Reject-Contact',
    'Replaces',
    'Reply-To',
    'Request-Disposition',
    'Require',
    'Retry-After',
    'Route',
    'RSeq',
    'RAck',
    'Server',
    'Session-Expires',
    'Subject',
    'Supported',
    'Timestamp',
    'To',
    'Unsupported',
    'User-Agent',
    'User-to-User',
    'Via',
    'Warning',
    'WWW-Authenticate',
  ].map((n) => [n.toLowerCase(), n]),
);

/**
 * Headers whose value is a comma-separated list (RFC 3261 §7.3.1: "multiple header field rows with the
 * same field-name MAY be present … if and only if the entire field-value … is defined as a comma-separated
 * list"). `getAll` splits these.
 */
const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'supported',
  'require',
  'allow',
  'accept',
  'proxy-require',
  'unsupported',
]);

/** Memo of recent name → key lookups (header names repeat endlessly); bounded so junk names cannot grow it. */
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 512;

/** The lower-case lookup key for a header name, with compact forms expanded. */
export function headerKey(name: string): string {
  const cached = KEY_CACHE.get(name);
  if (cached !== undefined) return cached;
  const lower = name.trim().toLowerCase();
  const key = COMPACT_FORMS[lower] ?? lower;
  if (KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(name, key);
  return key;
}

/**
 * The name to write on the wire: the canonical spelling for known headers, otherwise the name exactly as
 * the peer or the caller wrote it (vendor headers like `X-GenesysAgentID` keep their case).
 */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  return CANONICAL_NAMES.get(key) ?? (COMPACT_FORMS[name.trim().toLowerCase()] ? key : name.trim());
}

interface Entry {
  name: string;
  key: string;
  value: string;
}

/**
 * An ordered, case-insensitive SIP header collection. Order matters (Via, Route, Record-Route are
 * ordered lists, RFC 3261 §7.3.1), so entries are kept as written; compact names are expanded.
 */
export class SipHeaders {
  #entries: Entry[] = [];

  /** Builds a collection from `[name, value]` pairs, in order. */
  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** The first value of `name`, or undefined. An empty header (`Supported:`) yields ''. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const e of this.#entries) if (e.key === key) return e.value;
    return undefined;
  }

  /**
   * Every value of `name`, in order. For list headers (Via, Route, Record-Route, Contact, Supported,
   * Require, Allow, Accept, Proxy-Require, Unsupported) comma-separated values are split — outside quotes
   * and `<…>` — trimmed, and empty elements dropped (so `Supported:` yields no option tags).
   */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const isList = LIST_HEADERS.has(key);
    for (const e of this.#entries) {
      if (e.key !== key) continue;
      if (!isList) {
        out.push(e.value);
        continue;
      }
      // Most rows hold one element: no comma, nothing to split.
      if (!e.value.includes(',')) {
        const v = e.value.trim();
        if (v !== '') out.push(v);
        continue;
      }
      for (const part of splitOutside(e.value, ',')) {
        const v = part.trim();
        if (v !== '') out.push(v);
      }
    }
    return out;
  }

  /**
   * `getAll(name)[0]` without splitting the rest: the top Via is read by the parser, the transaction layer and
   * the core for every request, and a proxied request carries several.
   */
  first(name: string): string | undefined {
    const key = headerKey(name);
    const isList = LIST_HEADERS.has(key);
    for (const e of this.#entries) {
      if (e.key !== key) continue;
      if (!isList) return e.value;
      const parts = e.value.includes(',') ? splitOutside(e.value, ',') : [e.value];
      for (const part of parts) {
        const v = part.trim();
        if (v !== '') return v;
      }
    }
    return undefined;
  }

  /** Whether at least one header `name` exists (even with an empty value). */
  has(name: string): boolean {
    const key = headerKey(name);
    return this.#entries.some((e) => e.key === key);
  }

  /** Replaces every `name` header by one with `value`, at the position of the first one (or at the end). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const idx = this.#entries.findIndex((e) => e.key === key);
    const entry: Entry = { name: canonicalHeaderName(name), key, value };
    if (idx < 0) {
      this.#entries.push(entry);
      return this;
    }
    this.#entries[idx] = entry;
    this.#entries = this.#entries.filter((e, i) => i <= idx || e.key !== key);
    return this;
  }

  /**
   * Replaces every `name` header by one row per value, at the position of the first one (or at the end);
   * used to rewrite the top Via of a list while keeping the others and the header order.
   */
  setAll(name: string, values: readonly string[]): this {
    const key = headerKey(name);
    const idx = this.#entries.findIndex((e) => e.key === key);
    const rows: Entry[] = values.map((value) => ({ name: canonicalHeaderName(name), key, value }));
    if (idx < 0) {
      this.#entries.push(...rows);
      return this;
    }
    const kept = this.#entries.filter((e) => e.key !== key);
    const before = this.#entries.slice(0, idx).filter((e) => e.key !== key).length;
    kept.splice(before, 0, ...rows);
    this.#entries = kept;
    return this;
  }

  /** Adds a header after the existing ones. */
  append(name: string, value: string): this {
    this.#entries.push({ name: canonicalHeaderName(name), key: headerKey(name), value });
    return this;
  }

  /** Adds a header before all others (a new top Via, RFC 3261 §8.1.1.7). */
  prepend(name: string, value: string): this {
    this.#entries.unshift({ name: canonicalHeaderName(name), key: headerKey(name), value });
    return this;
  }

  /** Removes every `name` header; returns whether one existed. */
  delete(name: string): boolean {
    const key = headerKey(name);
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((e) => e.key !== key);
    return this.#entries.length !== before;
  }

  /** `[canonicalName, value]` pairs in wire order. */
  *entries(): IterableIterator<[string, string]> {
    for (const e of this.#entries) yield [e.name, e.value];
  }

  /** Number of header rows. */
  get size(): number {
    return this.#entries.length;
  }

  /** An independent copy. */
  clone(): SipHeaders {
    const copy = new SipHeaders();
    copy.#entries = this.#entries.map((e) => ({ ...e }));
    return copy;
  }
}
