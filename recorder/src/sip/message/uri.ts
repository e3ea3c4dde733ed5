import { formatParams, parseParams } from './split.js';

/** A parsed SIP/SIPS/TEL URI (RFC 3261 §19.1, RFC 3966 loosely). */
export interface SipUri {
  /** Lower case: 'sip' | 'sips' | 'tel' | … ; '' if the string had no scheme. */
  readonly scheme: string;
  readonly user?: string;
  readonly password?: string;
  /** Host as written; IPv6 references keep their brackets (`[2001:db8::1]`). '' for `tel:`. */
  readonly host: string;
  readonly port?: number;
  /** URI parameters, lower-case names (`transport`, `user`, `lr`, `+sip.src`, …); flags map to ''. */
  readonly params: Map<string, string>;
  /** URI headers (`?name=value&…`), names as written. */
  readonly headers: Map<string, string>;
}

/**
 * Parses a URI leniently: real SRCs put junk in URIs (`;+sip.src` inside the URI — Avaya SBCE; a Request-URI
 * without user; trailing whitespace). Never throws; a string without a scheme is read as a bare
 * `host[:port][;params]` with scheme ''.
 *
 * ```
 * sip:user:password@host:port;uri-parameters?headers     (RFC 3261 §19.1.1)
 * ```
 */
export function parseUri(input: string): SipUri {
  let s = input.trim();
  let scheme = '';
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  // `host:5060` would look like a scheme; only accept a scheme that is not followed by digits only.
  if (schemeMatch?.[1] && !/^\d+(?:[;?]|$)/.test(s.slice(schemeMatch[0].length))) {
    scheme = schemeMatch[1].toLowerCase();
    s = s.slice(schemeMatch[0].length);
  }

  const headers = new Map<string, string>();
  const q = s.indexOf('?');
  if (q >= 0) {
    for (const pair of s.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      headers.set(eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? '' : pair.slice(eq + 1));
    }
    s = s.slice(0, q);
  }

  if (scheme === 'tel') {
    const [number = '', ...paramParts] = s.split(';');
    return { scheme, user: number, host: '', params: parseParams(paramParts), headers };
  }

  let user: string | undefined;
  let password: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    const userinfo = s.slice(0, at);
    s = s.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) password = userinfo.slice(colon + 1);
  }

  let host: string;
  let rest: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    host = end < 0 ? s : s.slice(0, end + 1);
    rest = end < 0 ? '' : s.slice(end + 1);
  } else {
    const stop = s.search(/[:;]/);
    host = stop < 0 ? s : s.slice(0, stop);
    rest = stop < 0 ? '' : s.slice(stop);
  }

  let port: number | undefined;
  if (rest.startsWith(':')) {
    const semi = rest.indexOf(';');
    const portText = (semi < 0 ? rest.slice(1) : rest.slice(1, semi)).trim();
    // A junk port is ignored rather than failing the whole URI.
    if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
    rest = semi < 0 ? '' : rest.slice(semi);
  }
  const params = parseParams(rest.split(';'));

  const uri: SipUri = { scheme, host: host.trim(), params, headers };
  return {
    ...uri,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** Formats a URI (the inverse of `parseUri`). */
export function formatUri(uri: SipUri): string {
  let out = uri.scheme === '' ? '' : `${uri.scheme}:`;
  if (uri.scheme === 'tel') out += uri.user ?? '';
  else {
    if (uri.user !== undefined) out += `${uri.user}${uri.password !== undefined ? `:${uri.password}` : ''}@`;
    out += uri.host;
    if (uri.port !== undefined) out += `:${uri.port}`;
  }
  out += formatParams(uri.params);
  if (uri.headers.size > 0) {
    out += '?' + [...uri.headers].map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  }
  return out;
}
