import { SipHeaders } from './headers.js';
import { getTag } from './name-addr.js';
import { reasonPhrase } from './reason-phrases.js';
import type { SipRequest, SipResponse } from './types.js';

/** Options for `createResponse`. */
export interface CreateResponseOptions {
  /** Added to To when the request's To has no tag (RFC 3261 §8.2.6.2). */
  toTag?: string;
  /** Extra headers, appended in order after the copied ones. */
  headers?: [string, string][];
  body?: Buffer;
  /** Content-Type of `body`. */
  contentType?: string;
}

/**
 * Builds a response to `request` per RFC 3261 §8.2.6: Via (all, in order), From, To, Call-ID and CSeq are
 * copied; the To tag is added if given and absent; a 100 copies Timestamp (§8.2.6.1).
 * Content-Length is filled by the serializer.
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  opts: CreateResponseOptions = {},
): SipResponse {
  const headers = new SipHeaders();
  for (const via of request.headers.getAll('Via')) headers.append('Via', via);
  const from = request.headers.get('From');
  if (from !== undefined) headers.append('From', from);
  const to = request.headers.get('To');
  if (to !== undefined) {
    headers.append(
      'To',
      opts.toTag !== undefined && getTag(to) === undefined ? `${to};tag=${opts.toTag}` : to,
    );
  }
  const callId = request.headers.get('Call-ID');
  if (callId !== undefined) headers.append('Call-ID', callId);
  const cseq = request.headers.get('CSeq');
  if (cseq !== undefined) headers.append('CSeq', cseq);
  if (status === 100) {
    const ts = request.headers.get('Timestamp');
    if (ts !== undefined) headers.append('Timestamp', ts);
  }
  for (const [name, value] of opts.headers ?? []) headers.append(name, value);
  const body = opts.body ?? Buffer.alloc(0);
  if (opts.contentType !== undefined && body.length > 0) headers.set('Content-Type', opts.contentType);
  return { type: 'response', status, reason: reason ?? reasonPhrase(status), headers, body };
}
