import { BoundedMemo } from './bounded-memo.js';
import { SipHeaderError } from './header-error.js';
import { parseParams, splitOutside } from './split.js';

/** A parsed Via header value (RFC 3261 §20.42). */
export interface Via {
  /** Transport, upper case: 'UDP' | 'TCP' | 'TLS' | 'SCTP' | 'WS' | 'WSS' | … */
  readonly protocol: string;
  readonly host: string;
  readonly port?: number;
  /** Lower-case names → values; flags (`rport` without value, `alias`) map to ''. Shared: copy to change. */
  readonly params: ReadonlyMap<string, string>;
}

/** RFC 3261 §8.1.1.7: branches created by RFC 3261 elements start with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/**
 * Parses one Via value: `SIP/2.0/UDP host[:port];branch=…;received=…;rport[=n];alias`. Linear whitespace
 * around `/`, `:` and `;` is allowed (RFC 3261 §25.1 SLASH/COLON/SEMI). IPv6 references in brackets.
 * Throws `SipHeaderError` (SIP_HEADER_BAD_VIA) when the sent-protocol or sent-by is unusable, because
 * responses are routed by it (§18.2.2).
 */
export function parseVia(value: string): Via {
  return PARSED.get(value);
}

/**
 * The top Via of a request is read by the parser, the core (§18.2.1 stamping, §18.2.2 response target) and the
 * transaction layer (§17.2.3 matching): parsed once per value, the same frozen result is handed to each.
 */
const PARSED = new BoundedMemo(parseViaValue);

function parseViaValue(value: string): Via {
  const [first = '', ...rest] = splitOutside(value, ';');
  const m = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9.!%*_+`'~-]+)\s+(.+?)\s*$/i.exec(first);
  if (!m?.[1] || !m[2]) throw new SipHeaderError('SIP_HEADER_BAD_VIA', `bad Via "${value.slice(0, 64)}"`);
  const sentBy = m[2];
  let host: string;
  let portText: string | undefined;
  if (sentBy.startsWith('[')) {
    const end = sentBy.indexOf(']');
    if (end < 0) throw new SipHeaderError('SIP_HEADER_BAD_VIA', 'unterminated IPv6 reference in Via');
    host = sentBy.slice(0, end + 1);
    const after = sentBy.slice(end + 1).trim();
    if (after !== '') {
      if (!after.startsWith(':')) throw new SipHeaderError('SIP_HEADER_BAD_VIA', 'junk after Via host');
      portText = after.slice(1).trim();
    }
  } else {
    const colon = sentBy.indexOf(':');
    host = (colon < 0 ? sentBy : sentBy.slice(0, colon)).trim();
    if (colon >= 0) portText = sentBy.slice(colon + 1).trim();
  }
  if (!/^[A-Za-z0-9.\-_[\]:]+$/.test(host)) {
    throw new SipHeaderError('SIP_HEADER_BAD_VIA', `bad Via host "${host.slice(0, 64)}"`);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new SipHeaderError('SIP_HEADER_BAD_VIA', `bad Via port "${portText.slice(0, 16)}"`);
    }
    port = Number(portText);
  }
  const protocol = m[1].toUpperCase();
  const params = parseParams(rest);
  return Object.freeze(port === undefined ? { protocol, host, params } : { protocol, host, port, params });
}

/** Formats a Via value (the inverse of `parseVia`). */
export function formatVia(via: Via): string {
  let out = `SIP/2.0/${via.protocol} ${via.host}${via.port === undefined ? '' : `:${via.port}`}`;
  for (const [name, val] of via.params) out += val === '' ? `;${name}` : `;${name}=${val}`;
  return out;
}
