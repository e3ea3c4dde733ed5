import { parseCSeq } from '../message/cseq.js';
import { getTag } from '../message/name-addr.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { BRANCH_MAGIC_COOKIE, parseVia } from '../message/via.js';

/** The default port of a Via sent-by without one (RFC 3261 §18.2.2 / §19.1.2). */
function defaultPort(protocol: string): number {
  return protocol === 'TLS' ? 5061 : 5060;
}

/**
 * The key matching a request to its server transaction (RFC 3261 §17.2.3). `asMethod` overrides the
 * request's method: ACK is matched as INVITE, and a CANCEL is looked up as the INVITE it cancels.
 * Throws if the top Via cannot be parsed (the parser already rejects such messages).
 */
export function serverTransactionKey(request: SipRequest, asMethod?: string): string {
  const method = asMethod ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const via = parseVia(request.headers.first('Via') ?? '');
  const branch = via.params.get('branch') ?? '';
  if (branch.startsWith(BRANCH_MAGIC_COOKIE)) {
    // "the branch parameter in the request is equal to the one in the top Via header field of the request
    // that created the transaction, the sent-by value … is equal …, and the method of the request matches".
    return `${branch}|${via.host.toLowerCase()}:${via.port ?? defaultPort(via.protocol)}|${method}`;
  }
  // RFC 2543 fallback (§17.2.3): Request-URI, From tag, Call-ID, CSeq number and top Via identify the
  // transaction. The To tag is left out: the INVITE has none and its ACK carries ours.
  const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
  const fromTag = getTag(request.headers.get('From')) ?? '';
  const callId = request.headers.get('Call-ID') ?? '';
  const topVia = `${via.protocol} ${via.host.toLowerCase()}:${via.port ?? defaultPort(via.protocol)}`;
  return `2543|${request.uri}|${fromTag}|${callId}|${cseq.seq}|${method}|${topVia}|${branch}`;
}

/**
 * The key matching a response to its client transaction (RFC 3261 §17.1.3): the top Via branch and the
 * CSeq method. Returns undefined when the response carries no usable branch (it cannot be ours).
 */
export function clientTransactionKey(message: SipRequest | SipResponse): string | undefined {
  let branch: string | undefined;
  let method: string;
  try {
    branch = parseVia(message.headers.first('Via') ?? '').params.get('branch');
    method = parseCSeq(message.headers.get('CSeq') ?? '').method;
  } catch {
    return undefined;
  }
  if (!branch?.startsWith(BRANCH_MAGIC_COOKIE)) return undefined;
  return `${branch}|${method}`;
}
