import type { SipHeaders } from './headers.js';

/** A SIP request (RFC 3261 §7.1): start line `METHOD Request-URI SIP/2.0`, headers, body. */
export interface SipRequest {
  type: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

/** A SIP response (RFC 3261 §7.2): status line `SIP/2.0 code reason`, headers, body. */
export interface SipResponse {
  type: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

/** Either kind of SIP message. */
export type SipMessage = SipRequest | SipResponse;
