import { parseCSeq } from './cseq.js';
import { SipHeaders } from './headers.js';
import { SipParseError, type SipParseErrorCode, type SipParsePartial } from './parse-error.js';
import type { SipMessage } from './types.js';
import { parseVia } from './via.js';

/** Limits and framing mode for `parseSipMessage`. */
export interface ParseOptions {
  /** Maximum header rows (after unfolding). Default 256. */
  maxHeaders?: number;
  /** Maximum bytes of the header section, start line included. Default 64 KiB. */
  maxHeaderBytes?: number;
  /**
   * True when the message came framed by a stream transport (TCP/TLS): a missing Content-Length then means
   * an empty body (RFC 3261 §18.3 makes it mandatory there). False (default): a datagram, where a missing
   * Content-Length means "the rest of the datagram".
   */
  stream?: boolean;
}

const DEFAULT_MAX_HEADERS = 256;
const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** No SIP body we accept comes near this; a larger Content-Length is nonsense, not a short read. */
const MAX_CONTENT_LENGTH = 16 * 1024 * 1024;

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+)[ \t]+(\S+)[ \t]+([A-Za-z]+\/\d+\.\d+)[ \t]*$/;
const STATUS_LINE = /^([A-Za-z]+\/\d+\.\d+)[ \t]+(\d{3})(?:[ \t]+(.*))?$/;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Parses one SIP message (RFC 3261 §7) from `data`.
 *
 * ```
 * [CRLF…]                          keep-alives before the message are skipped (RFC 5626 §3.5.1)
 * start-line CRLF                  request line or status line
 * *( header CRLF )                 `Name : value`, any whitespace around the colon, folded lines
 * CRLF                             (bare LF accepted everywhere — seen in captures)
 * [ body ]                         Content-Length bytes (§18.3)
 * ```
 *
 * Linear in the input and bounded by the options: no input makes it slow or crash. Throws
 * `SipParseError` with a stable code, the status to answer with, and what could be read.
 */
export function parseSipMessage(data: Buffer, opts: ParseOptions = {}): SipMessage {
  const maxHeaders = opts.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;

  let pos = 0;
  while (pos < data.length && (data[pos] === CR || data[pos] === LF)) pos++;
  const start = pos;
  // Every line search is confined to the allowed header section, so a huge header costs one bounded scan.
  const limit = Math.min(data.length, start + maxHeaderBytes);
  const window = data.subarray(0, limit);

  const rows: [string, string][] = [];
  let method: string | undefined;
  let uri: string | undefined;
  let isResponse = false;
  const partial = (): SipParsePartial => ({
    headers: new SipHeaders(rows),
    ...(method !== undefined ? { method, uri: uri ?? '' } : {}),
    ...(isResponse ? { isResponse } : {}),
  });
  const fail = (code: SipParseErrorCode, detail: string): never => {
    throw new SipParseError(code, detail, partial());
  };

  if (start >= data.length) fail('SIP_PARSE_EMPTY', 'no start line');

  // Find the empty line that ends the header section with byte scans only, confined to the allowed size,
  // so a huge or endless header costs one bounded pass and no string work.
  let scan = start;
  let sectionEnd = -1;
  let bodyStart = data.length;
  while (scan < limit) {
    const lf = window.indexOf(LF, scan);
    if (lf < 0) break;
    if (scan > start && (lf === scan || (lf === scan + 1 && data[scan] === CR))) {
      sectionEnd = scan;
      bodyStart = lf + 1;
      break;
    }
    scan = lf + 1;
  }
  const ended = sectionEnd >= 0;
  if (!ended && limit < data.length && scan === start) {
    return fail('SIP_PARSE_HEADERS_TOO_LARGE', 'start line exceeds the header limit');
  }
  // Decode the header section once; LF never occurs inside a UTF-8 sequence, so splitting after is safe.
  // Without an empty line, a datagram's unterminated last line still counts (it is reported below).
  const textEnd = ended ? sectionEnd : limit < data.length ? scan : data.length;
  const lines = data.toString('utf8', start, textEnd).split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let lineIndex = 0;
  /** The next line without its CR, or undefined after the last one. */
  const readLine = (): string | undefined => {
    const line = lines[lineIndex++];
    if (line === undefined) return undefined;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };

  const startLine = readLine() ?? '';
  let version: string;
  let status = 0;
  let reason = '';
  const req = REQUEST_LINE.exec(startLine);
  if (req?.[1] && req[2] && req[3]) {
    method = req[1].toUpperCase();
    uri = req[2];
    version = req[3];
  } else {
    const res = STATUS_LINE.exec(startLine);
    if (!res?.[1] || !res[2]) return fail('SIP_PARSE_BAD_START_LINE', JSON.stringify(startLine.slice(0, 80)));
    isResponse = true;
    version = res[1];
    status = Number(res[2]);
    reason = res[3] ?? '';
    if (status < 100 || status > 699) return fail('SIP_PARSE_BAD_START_LINE', `status code ${status}`);
  }
  // §8.2.2.x: a version we do not speak is answered 505 — after reading the headers the answer needs.
  const badVersion = version.toUpperCase() !== 'SIP/2.0';

  for (;;) {
    const line = readLine();
    if (line === undefined) break;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header value.
      const last = rows[rows.length - 1];
      if (!last) return fail('SIP_PARSE_BAD_HEADER', 'continuation line before any header');
      if (line.includes('\r')) return fail('SIP_PARSE_BAD_HEADER', 'bare CR in a continuation line');
      last[1] = last[1] === '' ? line.trim() : `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) return fail('SIP_PARSE_BAD_HEADER', `no colon in ${JSON.stringify(line.slice(0, 40))}`);
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name))
      return fail('SIP_PARSE_BAD_HEADER', `bad header name ${JSON.stringify(name.slice(0, 40))}`);
    if (rows.length >= maxHeaders)
      return fail('SIP_PARSE_TOO_MANY_HEADERS', `more than ${maxHeaders} headers`);
    const value = line.slice(colon + 1).trim();
    // A bare CR inside a line is not SIP (RFC 3261 §25.1) and could not be written back faithfully.
    if (value.includes('\r')) return fail('SIP_PARSE_BAD_HEADER', `bare CR in ${name}`);
    rows.push([name, value]);
  }
  if (!ended) {
    if (limit < data.length)
      return fail('SIP_PARSE_HEADERS_TOO_LARGE', `header section over ${maxHeaderBytes} bytes`);
    // A datagram that ends right after the last header line simply has no body.
    if (data[data.length - 1] !== LF)
      return fail('SIP_PARSE_NO_BODY_SEPARATOR', 'message ends inside a header');
  }

  if (badVersion) fail('SIP_PARSE_BAD_VERSION', version);
  const headers = new SipHeaders(rows);
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const value = headers.get(name);
    if (value === undefined || value === '') fail('SIP_PARSE_MISSING_HEADER', name);
  }
  let cseqMethod: string;
  try {
    cseqMethod = parseCSeq(headers.get('CSeq') ?? '').method;
  } catch (err) {
    return fail('SIP_PARSE_BAD_CSEQ', (err as Error).message);
  }
  if (method !== undefined && cseqMethod !== method)
    fail('SIP_PARSE_BAD_CSEQ', `CSeq method ${cseqMethod} ≠ ${method}`);
  try {
    parseVia(headers.first('Via') ?? '');
  } catch (err) {
    return fail('SIP_PARSE_BAD_VIA', (err as Error).message);
  }

  const available = data.length - bodyStart;
  let bodyLength = opts.stream ? 0 : available;
  const lengths = headers.getAll('Content-Length');
  if (lengths.length > 0) {
    let declared: number | undefined;
    for (const raw of lengths) {
      const text = raw.trim();
      if (!/^\d{1,10}$/.test(text)) return fail('SIP_PARSE_CONTENT_LENGTH', JSON.stringify(raw.slice(0, 20)));
      const n = Number(text);
      if (declared !== undefined && n !== declared)
        return fail('SIP_PARSE_CONTENT_LENGTH', 'conflicting values');
      declared = n;
    }
    const n = declared ?? 0;
    if (n > MAX_CONTENT_LENGTH) return fail('SIP_PARSE_CONTENT_LENGTH', `${n} exceeds ${MAX_CONTENT_LENGTH}`);
    // RFC 3261 §18.3: a datagram body shorter than Content-Length is an error (400); longer is truncated.
    if (n > available) return fail('SIP_PARSE_BODY_TRUNCATED', `Content-Length ${n}, body ${available}`);
    bodyLength = n;
  }
  // A body that is a slice of a larger (stream or pooled) receive buffer is copied so the message does not pin
  // it; a datagram's own buffer (node allocates one per datagram) is shared, which saves a copy of every body.
  const slice = data.subarray(bodyStart, bodyStart + bodyLength);
  const body = data.buffer.byteLength <= data.length ? slice : Buffer.from(slice);

  if (method !== undefined) return { type: 'request', method, uri: uri ?? '', headers, body };
  return { type: 'response', status, reason, headers, body };
}
