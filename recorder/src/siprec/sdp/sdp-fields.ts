/**
 * Parsers for the individual SDP fields an offer is made of (RFC 4566 §5). Each returns undefined for a value it
 * cannot read; the caller decides whether that is a warning or an error.
 */

/** `c=<nettype> <addrtype> <address>[/ttl[/n]]` (RFC 4566 §5.7) → the address. */
export function parseConnection(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 3) return undefined;
  const [netType, addrType, raw] = fields as [string, string, string];
  if (netType.toUpperCase() !== 'IN') return undefined;
  const type = addrType.toUpperCase();
  if (type !== 'IP4' && type !== 'IP6') return undefined;
  // Multicast TTL / address count suffixes are never used by SRCs; the address alone is what we need.
  const address = raw.split('/')[0] ?? '';
  return address.length > 0 ? address : undefined;
}

/** True for the unspecified address, which RFC 3264 §8.4 (legacy form) uses to put a stream on hold. */
export function isUnspecifiedAddress(address: string): boolean {
  return address === '0.0.0.0' || (address.includes(':') && /^[0:]+$/.test(address));
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>` (RFC 4566 §5.2). */
export function parseOrigin(
  value: string,
): { username: string; sessionId: string; sessionVersion: string; address: string } | undefined {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [username, sessionId, sessionVersion, , , address] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { username, sessionId, sessionVersion, address };
}

/** The parts of an m= line (RFC 4566 §5.14): `<media> <port>[/<count>] <proto> <fmt> …`. */
export interface MediaLine {
  readonly kind: string;
  readonly port: number;
  readonly protocol: string;
  readonly formats: string[];
}

/** Parses an m= line; undefined when media, port, protocol or the format list is missing or malformed. */
export function parseMediaLine(value: string): MediaLine | undefined {
  const fields = value.trim().split(/\s+/);
  if (fields.length < 4) return undefined;
  const [kind, portField, protocol] = fields as [string, string, string];
  if (!/^[A-Za-z][A-Za-z0-9_.+-]*$/.test(kind)) return undefined;
  const portMatch = /^(\d{1,5})(?:\/\d{1,5})?$/.exec(portField);
  if (portMatch === null) return undefined;
  const port = Number(portMatch[1]);
  if (port > 65535) return undefined;
  if (!/^[A-Za-z0-9_.+/-]+$/.test(protocol)) return undefined;
  return { kind: kind.toLowerCase(), port, protocol, formats: fields.slice(3) };
}

/** True for the RTP-based protocols whose formats are RTP payload types (RFC 4566 §5.14, RFC 5764 §8). */
export function isRtpProtocol(protocol: string): boolean {
  return /(^|\/)RTP\//i.test(protocol);
}

/** `a=rtpmap:<pt> <name>/<clock>[/<channels>]` (RFC 4566 §6). */
export function parseRtpmap(
  value: string,
): { pt: number; name: string; clockRate: number; channels: number } | undefined {
  const match = /^(\d{1,3})\s+([^\s/]+)\/(\d{1,6})(?:\/(\d{1,2}))?$/.exec(value.trim());
  if (match === null) return undefined;
  const pt = Number(match[1]);
  const clockRate = Number(match[3]);
  const channels = match[4] === undefined ? 1 : Number(match[4]);
  if (pt > 127 || clockRate === 0 || channels === 0) return undefined;
  return { pt, name: (match[2] ?? '').toUpperCase(), clockRate, channels };
}

/** `a=fmtp:<pt> <parameters>` (RFC 4566 §6). Parameters are opaque here and echoed as offered. */
export function parseFmtp(value: string): { pt: number; params: string } | undefined {
  const match = /^(\d{1,3})(?:\s+(.*))?$/.exec(value.trim());
  if (match === null) return undefined;
  const pt = Number(match[1]);
  return pt > 127 ? undefined : { pt, params: (match[2] ?? '').trim() };
}

/** `a=crypto:<tag> <suite> <key-params> [<session-params>…]` (RFC 4568 §9.1), split but not yet validated. */
export function parseCryptoLine(
  value: string,
): { tag: number; suite: string; keyParams: string; sessionParams: string[] } | undefined {
  const match = /^(\d{1,9})\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(value.trim());
  if (match === null) return undefined;
  const rest = (match[4] ?? '').trim();
  return {
    tag: Number(match[1]),
    suite: match[2] ?? '',
    keyParams: match[3] ?? '',
    sessionParams: rest.length > 0 ? rest.split(/\s+/) : [],
  };
}

/** `a=ptime` / `a=maxptime` in milliseconds (RFC 4566 §6): a positive number, decimals allowed. */
export function parsePacketTime(value: string): number | undefined {
  const trimmed = value.trim();
  if (!/^\d{1,5}(?:\.\d{1,6})?$/.test(trimmed)) return undefined;
  const ms = Number(trimmed);
  return ms > 0 && ms <= 10000 ? ms : undefined;
}

/** `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605) → the port. */
export function parseRtcpPort(value: string): number | undefined {
  const match = /^(\d{1,5})(?:\s|$)/.exec(value.trim());
  if (match === null) return undefined;
  const port = Number(match[1]);
  return port > 0 && port <= 65535 ? port : undefined;
}
