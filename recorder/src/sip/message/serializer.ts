import { headerKey } from './headers.js';
import type { SipMessage } from './types.js';

/**
 * Serializes a message for the wire (RFC 3261 §7): CRLF line endings, canonical header names, and a
 * Content-Length computed from the body — always present, since it is mandatory on streams (§18.3) and
 * harmless on datagrams; any Content-Length the caller set is replaced.
 */
export function serializeSipMessage(msg: SipMessage): Buffer {
  let head =
    msg.type === 'request'
      ? `${msg.method} ${msg.uri} SIP/2.0\r\n`
      : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  for (const [name, value] of msg.headers.entries()) {
    if (headerKey(name) === 'content-length') continue;
    // Header values must not smuggle line breaks (header injection through TU-supplied values).
    head += `${name}: ${LINE_BREAK.test(value) ? value.replace(LINE_BREAKS, ' ') : value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  // One buffer for head and body: no intermediate head buffer and no second copy of it.
  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headBytes);
  return out;
}

const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /[\r\n]+/g;
