/**
 * Bounds checked on a metadata document before any XML parser sees it. A recording metadata document is a few
 * KiB with a depth of five or six; anything much larger or deeper is an attack or garbage, and must cost us
 * bounded time and memory (billion laughs, external entities, 50 000 nested elements, multi-megabyte bodies).
 */
import type { MetadataErrorCode } from './types.js';

/** Largest document accepted, in bytes (UTF-8). */
export const MAX_METADATA_BYTES = 256 * 1024;
/** Most elements accepted (a 4-participant Webex conference has about 60). */
export const MAX_METADATA_ELEMENTS = 10_000;
/** Deepest element nesting accepted (RFC 7865 documents reach 6 with vendor extensions). */
export const MAX_METADATA_DEPTH = 32;

const BANG = 0x21;
const QUESTION = 0x3f;
const SLASH = 0x2f;

/** Why a document was refused by {@link guardXml}. */
export interface GuardFailure {
  code: MetadataErrorCode;
  error: string;
}

/**
 * Returns a failure when the document is too large, declares a DTD or entities (RFC 7865 metadata never does;
 * refusing them outright is the only safe answer to entity-expansion and XXE attacks), or nests or repeats
 * elements beyond the limits above. Linear in the input; allocates nothing per element.
 */
export function guardXml(raw: string): GuardFailure | undefined {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only a document near the limit needs its bytes counted.
  if (
    raw.length > MAX_METADATA_BYTES ||
    (raw.length * 3 > MAX_METADATA_BYTES && Buffer.byteLength(raw, 'utf8') > MAX_METADATA_BYTES)
  ) {
    return { code: 'METADATA_TOO_LARGE', error: `document larger than ${MAX_METADATA_BYTES} bytes` };
  }
  if (/<!\s*(?:DOCTYPE|ENTITY)/i.test(raw)) {
    return { code: 'METADATA_DTD_FORBIDDEN', error: 'DOCTYPE or ENTITY declarations are not accepted' };
  }
  let elements = 0;
  let depth = 0;
  let at = raw.indexOf('<');
  while (at >= 0 && at < raw.length - 1) {
    // Decided on the character after `<` first: most tags are elements, which then cost no string comparison.
    const next = raw.charCodeAt(at + 1);
    let resume: number;
    if (next === BANG && raw.startsWith('<!--', at)) {
      resume = endOf(raw, '-->', at);
    } else if (next === BANG && raw.startsWith('<![CDATA[', at)) {
      resume = endOf(raw, ']]>', at);
    } else if (next === QUESTION || next === BANG) {
      resume = endOf(raw, '>', at);
    } else if (next === SLASH) {
      depth = Math.max(0, depth - 1);
      resume = endOf(raw, '>', at);
    } else {
      const close = raw.indexOf('>', at);
      resume = close < 0 ? raw.length : close + 1;
      elements++;
      if (close < 0 || raw.charCodeAt(close - 1) !== SLASH) depth++;
      if (elements > MAX_METADATA_ELEMENTS) {
        return { code: 'METADATA_TOO_COMPLEX', error: `more than ${MAX_METADATA_ELEMENTS} elements` };
      }
      if (depth > MAX_METADATA_DEPTH) {
        return { code: 'METADATA_TOO_COMPLEX', error: `elements nested deeper than ${MAX_METADATA_DEPTH}` };
      }
    }
    at = raw.indexOf('<', resume);
  }
  return undefined;
}

function endOf(raw: string, terminator: string, from: number): number {
  const at = raw.indexOf(terminator, from);
  return at < 0 ? raw.length : at + terminator.length;
}
