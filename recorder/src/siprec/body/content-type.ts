/**
 * Content-Type and Content-Disposition values: a lower-case type followed by `;name=value` parameters
 * (RFC 3261 §20.13/§20.11, RFC 2045 §5.1). SRCs write them every way the grammar allows and a few it does not:
 * `;boundary=X` with and without spaces, quoted and unquoted values, upper-case names.
 */
import { SiprecBodyError } from './errors.js';

/** A header value that carries a type and parameters. */
export interface ParsedContentType {
  /** Lower-case, trimmed type (`multipart/mixed`, `recording-session`…); `''` when absent. */
  type: string;
  /** Parameters by lower-case name; values unquoted, case preserved (boundaries are case-sensitive). */
  params: Map<string, string>;
}

/** Longest value we look at; real ones are well under 200 characters. */
const MAX_VALUE_LENGTH = 4096;
/** Most parameters we accept on one value. */
const MAX_PARAMS = 32;

/**
 * Parses a Content-Type (or Content-Disposition) header value. Never fails on odd spacing or quoting; throws a
 * {@link SiprecBodyError} (`BODY_HEADER_INVALID`, 400) only for values too long or too parameter-heavy to be real.
 */
export function parseContentType(value: string): ParsedContentType {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new SiprecBodyError('BODY_HEADER_INVALID', `header value of ${value.length} characters`);
  }
  const segments = splitParams(value);
  const type = (segments.shift() ?? '').trim().toLowerCase();
  if (segments.length > MAX_PARAMS) {
    throw new SiprecBodyError('BODY_HEADER_INVALID', `header value with ${segments.length} parameters`);
  }
  const params = new Map<string, string>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    const name = (eq < 0 ? segment : segment.slice(0, eq)).trim().toLowerCase();
    if (name === '' || params.has(name)) continue;
    params.set(name, eq < 0 ? '' : unquote(segment.slice(eq + 1).trim()));
  }
  return { type, params };
}

/** Splits on `;` outside quoted strings (a quoted boundary may legally contain `;`). */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted && ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1]!;
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

/** Removes the quotes of a quoted-string and its backslash escapes (RFC 3261 §25.1). */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

/** The media type of a Content-Type value without its parameters, lower-case; `''` for none. */
export function mediaTypeOf(value: string | undefined): string {
  if (value === undefined) return '';
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}
