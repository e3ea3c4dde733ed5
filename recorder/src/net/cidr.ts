/**
 * Source-address filter for `ALLOWED_SOURCES` (DESIGN.md §9): a list of IPv4/IPv6 CIDR blocks and plain
 * addresses. The SIP core answers 403 to requests whose source is not in the list; this file only matches.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Thrown by {@link CidrList.parse} for an entry that is not an address or CIDR block. */
export class CidrParseError extends Error {
  /** Stable code for callers (the config loader reports it with the variable name). */
  readonly code = 'CIDR_INVALID';
  /** The offending entry, exactly as written. */
  readonly entry: string;

  constructor(entry: string, reason: string) {
    super(`invalid CIDR entry "${entry}": ${reason}`);
    this.name = 'CidrParseError';
    this.entry = entry;
  }
}

interface CidrBlock {
  /** Network bytes (4 for IPv4, 16 for IPv6), host bits already cleared. */
  readonly network: Uint8Array;
  readonly prefix: number;
  readonly text: string;
}

/** Longest text we look at for one entry; anything longer cannot be an address and is refused early. */
const MAX_ENTRY_LENGTH = 100;

/** An immutable list of address blocks; `contains()` tells whether an address falls in any of them. */
export class CidrList {
  readonly #v4: readonly CidrBlock[];
  readonly #v6: readonly CidrBlock[];

  private constructor(blocks: readonly CidrBlock[]) {
    this.#v4 = blocks.filter((b) => b.network.length === 4);
    this.#v6 = blocks.filter((b) => b.network.length === 16);
  }

  /**
   * Parses comma- and/or whitespace-separated entries such as `10.0.0.0/8, 192.0.2.7 2001:db8::/32`.
   * A plain address means the single host (/32 or /128). Host bits below the prefix are ignored
   * (`10.1.2.3/8` is `10.0.0.0/8`). An empty text gives an empty list.
   * @throws CidrParseError naming the first bad entry.
   */
  static parse(text: string): CidrList {
    const entries = text.split(/[\s,]+/).filter((e) => e.length > 0);
    return new CidrList(entries.map(parseEntry));
  }

  /** True when the list has no entries (callers treat that as "no filter"). */
  get isEmpty(): boolean {
    return this.#v4.length === 0 && this.#v6.length === 0;
  }

  /**
   * Whether `ip` is inside one of the blocks. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a
   * dual-stack socket reports for an IPv4 peer) match IPv4 blocks. A zone index (`fe80::1%eth0`) is
   * ignored. Anything that is not an IP address is never contained.
   */
  contains(ip: string): boolean {
    if (ip.length > MAX_ENTRY_LENGTH) return false;
    const bytes = parseAddress(stripZone(ip));
    if (bytes === undefined) return false;
    if (bytes.length === 4) return matchAny(this.#v4, bytes);
    if (matchAny(this.#v6, bytes)) return true;
    const mapped = ipv4FromMapped(bytes);
    return mapped !== undefined && matchAny(this.#v4, mapped);
  }

  /** The normalised entries, comma-separated (for logs). */
  toString(): string {
    return [...this.#v4, ...this.#v6].map((b) => b.text).join(', ');
  }
}

function parseEntry(entry: string): CidrBlock {
  if (entry.length > MAX_ENTRY_LENGTH) throw new CidrParseError(entry.slice(0, 40) + '…', 'too long');
  // A zone index names an interface of this host; it has no meaning in an allow-list.
  if (entry.includes('%')) throw new CidrParseError(entry, 'zone indexes (%…) are not allowed');
  const slash = entry.indexOf('/');
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  const bytes = parseAddress(addressText);
  if (bytes === undefined) throw new CidrParseError(entry, 'not an IPv4 or IPv6 address');
  const maxPrefix = bytes.length * 8;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const prefixText = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) throw new CidrParseError(entry, 'prefix length must be a number');
    prefix = Number(prefixText);
    if (prefix > maxPrefix) throw new CidrParseError(entry, `prefix length must be 0–${maxPrefix}`);
  }
  const network = mask(bytes, prefix);
  return { network, prefix, text: `${formatAddress(network)}/${prefix}` };
}

function stripZone(ip: string): string {
  const pct = ip.indexOf('%');
  return pct < 0 ? ip : ip.slice(0, pct);
}

/** Parses a textual address into 4 or 16 bytes, or undefined when it is not one. */
function parseAddress(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return parseIPv4(text);
  if (isIPv6(text)) return parseIPv6(text);
  return undefined;
}

function parseIPv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** RFC 4291 §2.2 text forms: `::` elision and an optional dotted-quad tail. Input already validated by isIPv6. */
function parseIPv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let groups: number[];
  const expand = (part: string): number[] => {
    if (part === '') return [];
    const result: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIPv4(g);
        result.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        result.push(parseInt(g, 16));
      }
    }
    return result;
  };
  const elided = text.indexOf('::');
  if (elided < 0) {
    groups = expand(text);
  } else {
    const head = expand(text.slice(0, elided));
    const tail = expand(text.slice(elided + 2));
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2) → the IPv4 bytes; undefined for any other IPv6 address. */
function ipv4FromMapped(bytes: Uint8Array): Uint8Array | undefined {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return undefined;
  return bytes.subarray(12, 16);
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (bytes[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function matchAny(blocks: readonly CidrBlock[], bytes: Uint8Array): boolean {
  for (const block of blocks) if (inBlock(block, bytes)) return true;
  return false;
}

function inBlock(block: CidrBlock, bytes: Uint8Array): boolean {
  const full = block.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== block.network[i]) return false;
  const rest = block.prefix & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full] ?? 0) & m) === block.network[full];
}

function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
