/**
 * A lenient, bounded multipart/mixed splitter (RFC 2046 §5.1.1) for SIPREC bodies.
 *
 *   [preamble CRLF]
 *   --boundary [transport-padding] CRLF
 *   part-headers CRLF
 *   CRLF
 *   part-body
 *   CRLF --boundary [transport-padding] CRLF      (next part)
 *   ...
 *   CRLF --boundary-- [transport-padding] [CRLF epilogue]
 *
 * Real SRCs bend every rule of that grammar (INTEROP.md §2): whitespace preambles, padding after the delimiter,
 * no closing delimiter, whole parts in the epilogue, LF-only lines, part headers without a space after the colon,
 * per-part Content-Length. We only ever split on a line that is exactly the declared delimiter (plus padding),
 * so `--something-else` lines inside a part stay content.
 */
import { mediaTypeOf, parseContentType } from './content-type.js';
import { SiprecBodyError } from './errors.js';
import type { BodyPart, MultipartResult } from './types.js';

/** Largest body we take apart (a 4-stream INVITE with rich metadata is under 10 KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Most parts we accept: SDP, metadata and a few signalling parts. */
export const MAX_PARTS = 16;
/** RFC 2046 §5.1.1 allows 70 characters; we accept a little more but nothing absurd. */
const MAX_BOUNDARY_LENGTH = 256;
const MAX_PART_HEADER_LINES = 32;
const MAX_PART_HEADER_BYTES = 8192;

/** RFC 3261 §7.3.3 compact forms that may appear on part headers too. */
const COMPACT_NAMES: Record<string, string> = { c: 'content-type', l: 'content-length' };
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:(.*)$/;

interface Delimiter {
  /** Offset of the first `-` of the delimiter line. */
  lineStart: number;
  /** Offset just after the delimiter line's line break. */
  next: number;
  closing: boolean;
}

/**
 * Splits a multipart body on `boundary`. Throws {@link SiprecBodyError} for a body over 1 MiB, a bad boundary, a
 * boundary that never appears, or more than {@link MAX_PARTS} parts; every other deviation becomes a warning.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartResult {
  if (body.length > MAX_BODY_BYTES) {
    throw new SiprecBodyError('BODY_TOO_LARGE', `body of ${body.length} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  if (boundary.length === 0 || boundary.length > MAX_BOUNDARY_LENGTH || /[\r\n]/.test(boundary)) {
    throw new SiprecBodyError('MULTIPART_BAD_BOUNDARY', `unusable boundary of ${boundary.length} characters`);
  }
  const warnings: string[] = [];
  if (boundary.length > 70) warnings.push(`boundary longer than the 70 characters of RFC 2046`);

  // latin1 maps every byte to one UTF-16 unit, so string offsets are byte offsets into `body`.
  const text = body.toString('latin1');
  const delimiters = findDelimiters(text, `--${boundary}`);
  const first = delimiters[0];
  if (first === undefined) {
    throw new SiprecBodyError(
      'MULTIPART_BOUNDARY_NOT_FOUND',
      `boundary "${boundary}" does not occur in the body`,
    );
  }
  if (text.slice(0, first.lineStart).trim() !== '') warnings.push('non-blank preamble ignored');

  const parts: BodyPart[] = [];
  for (let i = 0; i < delimiters.length; i++) {
    const open = delimiters[i]!;
    if (open.closing) {
      if (text.slice(open.next).trim() !== '') warnings.push('content after the closing delimiter ignored');
      break;
    }
    const following = delimiters[i + 1];
    if (following === undefined) warnings.push('missing closing delimiter');
    const end = following === undefined ? text.length : lineBreakBefore(text, following.lineStart, open.next);
    if (text.slice(open.next, end).trim() === '') {
      warnings.push(`empty part #${i + 1} skipped`);
      continue;
    }
    parts.push(parsePart(text, body, open.next, end, parts.length + 1, warnings));
  }
  return { parts, warnings };
}

/** Every line that is exactly the delimiter, stopping at the closing one; bounded by {@link MAX_PARTS}. */
function findDelimiters(text: string, delimiter: string): Delimiter[] {
  const found: Delimiter[] = [];
  let opening = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf(delimiter, from);
    if (at < 0) return found;
    from = at + 1;
    if (at !== 0 && text[at - 1] !== '\n') continue;
    const match = matchDelimiterTail(text, at + delimiter.length);
    if (match === undefined) continue;
    found.push({ lineStart: at, ...match });
    if (match.closing) return found;
    opening++;
    if (opening > MAX_PARTS) {
      throw new SiprecBodyError('MULTIPART_TOO_MANY_PARTS', `more than ${MAX_PARTS} body parts`);
    }
    from = match.next;
  }
}

/** After `--boundary`: optional `--`, transport padding (RFC 2046 §5.1.1), then end of line or of body. */
function matchDelimiterTail(text: string, pos: number): { next: number; closing: boolean } | undefined {
  let p = pos;
  const closing = text.startsWith('--', p);
  if (closing) p += 2;
  while (p < text.length && (text[p] === ' ' || text[p] === '\t')) p++;
  if (p >= text.length) return { next: p, closing };
  if (text[p] === '\n') return { next: p + 1, closing };
  if (text[p] === '\r' && (p + 1 >= text.length || text[p + 1] === '\n')) return { next: p + 2, closing };
  return undefined;
}

/** The CRLF (or LF) before a delimiter line belongs to the delimiter, not to the part. */
function lineBreakBefore(text: string, lineStart: number, floor: number): number {
  let end = lineStart;
  if (end > floor && text[end - 1] === '\n') end--;
  if (end > floor && text[end - 1] === '\r') end--;
  return end;
}

function parsePart(
  text: string,
  body: Buffer,
  start: number,
  end: number,
  index: number,
  warnings: string[],
): BodyPart {
  const headers = new Map<string, string>();
  let lastName: string | undefined;
  let lines = 0;
  let p = start;
  let bodyStart = end;
  while (p < end) {
    const eol = text.indexOf('\n', p);
    const lineEnd = eol < 0 || eol >= end ? end : eol;
    const next = lineEnd < end ? lineEnd + 1 : end;
    const line = text.slice(p, text[lineEnd - 1] === '\r' && lineEnd > p ? lineEnd - 1 : lineEnd);
    if (line === '') {
      bodyStart = next;
      break;
    }
    if (++lines > MAX_PART_HEADER_LINES || p - start > MAX_PART_HEADER_BYTES) {
      throw new SiprecBodyError(
        'MULTIPART_PART_HEADERS_TOO_LARGE',
        `part #${index} header section too large`,
      );
    }
    const folded = (line.startsWith(' ') || line.startsWith('\t')) && lastName !== undefined;
    const match = folded ? null : HEADER_LINE.exec(line);
    if (folded && lastName !== undefined) {
      headers.set(lastName, `${headers.get(lastName) ?? ''} ${line.trim()}`.trim());
    } else if (match) {
      const raw = match[1]!.toLowerCase();
      const name = COMPACT_NAMES[raw] ?? raw;
      if (headers.has(name)) warnings.push(`part #${index}: repeated ${name} header ignored`);
      else headers.set(name, match[2]!.trim());
      lastName = name;
    } else {
      // Content where a header or the blank line should be: the part has no (complete) header section.
      warnings.push(`part #${index}: header section not terminated by a blank line`);
      bodyStart = p;
      break;
    }
    p = next;
  }

  let content = body.subarray(bodyStart, end);
  const declared = headers.get('content-length');
  if (declared !== undefined) content = applyPartLength(content, declared, index, warnings);

  const part: BodyPart = { headers, contentType: mediaTypeOf(headers.get('content-type')), body: content };
  const disposition = headers.get('content-disposition');
  if (disposition !== undefined) part.disposition = parseContentType(disposition);
  return part;
}

/**
 * A per-part Content-Length (BroadWorks, drachtio #6) is honoured only when it agrees with the delimiters:
 * equal to what we found, or shorter with only whitespace after it. Captures copied from logs carry stale values.
 */
function applyPartLength(content: Buffer, declared: string, index: number, warnings: string[]): Buffer {
  const n = /^\d{1,9}$/.test(declared) ? Number(declared) : NaN;
  if (n === content.length) return content;
  if (n < content.length && content.subarray(n).toString('latin1').trim() === '')
    return content.subarray(0, n);
  warnings.push(
    `part #${index}: Content-Length ${declared} disagrees with the ${content.length} bytes found; ignored`,
  );
  return content;
}
