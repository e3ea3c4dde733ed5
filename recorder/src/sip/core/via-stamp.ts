import type { SipRequest } from '../message/types.js';
import { formatVia, parseVia } from '../message/via.js';
import type { MessageSource, SendTarget } from '../transport/types.js';

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Records where a request really came from in its top Via, before anything else looks at it:
 * RFC 3261 §18.2.1 — add `received` when sent-by is a name or a different address; RFC 3581 §4 — fill an
 * empty `rport` with the source port (and then always add `received`). Mutates `request.headers`.
 */
export function stampTopVia(request: SipRequest, source: MessageSource): void {
  const vias = request.headers.getAll('Via');
  const top = vias[0];
  if (top === undefined) return;
  const via = parseVia(top);
  const params = new Map(via.params);
  const wantsRport = params.has('rport');
  if (wantsRport) params.set('rport', String(source.remotePort));
  if (wantsRport || bare(via.host).toLowerCase() !== source.remoteAddress.toLowerCase()) {
    params.set('received', source.remoteAddress);
  }
  request.headers.setAll('Via', [formatVia({ ...via, params }), ...vias.slice(1)]);
}

/**
 * Where the responses to a request go (RFC 3261 §18.2.2, RFC 3581 §4), computed from its stamped top Via:
 * on streams, the connection the request came on (a new one to received/sent-by port if it is gone); on
 * UDP, the source address and port when `rport` was asked for, else `received` and the sent-by port.
 */
export function responseTarget(request: SipRequest, source: MessageSource): SendTarget {
  let via;
  try {
    via = parseVia(request.headers.first('Via') ?? '');
  } catch {
    // No usable Via (a parse-error answer): the packet's source is all we know.
    const t: SendTarget = {
      protocol: source.protocol,
      address: source.remoteAddress,
      port: source.remotePort,
    };
    return source.connectionId !== undefined ? { ...t, connectionId: source.connectionId } : t;
  }
  const defaultPort = source.protocol === 'tls' ? 5061 : 5060;
  const address = via.params.get('received') || bare(via.host);
  if (source.protocol !== 'udp') {
    const t: SendTarget = { protocol: source.protocol, address, port: via.port ?? defaultPort };
    return source.connectionId !== undefined ? { ...t, connectionId: source.connectionId } : t;
  }
  const rport = via.params.get('rport');
  if (rport !== undefined && /^\d+$/.test(rport)) {
    return { protocol: 'udp', address: source.remoteAddress, port: Number(rport) };
  }
  return { protocol: 'udp', address, port: via.port ?? defaultPort };
}
