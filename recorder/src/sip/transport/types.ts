/**
 * The contract between the SIP transports (UDP, TCP, TLS) and the SIP core above them.
 * Transports move whole messages as bytes; parsing and everything after it belongs to the core.
 */

/** Transport protocols a SIP message can travel on (RFC 3261 §18). */
export type SipProtocol = 'udp' | 'tcp' | 'tls';

/** Where an inbound message came from, and through which of our sockets. */
export interface MessageSource {
  readonly protocol: SipProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /**
   * Stream transports only: the connection the message arrived on. Responses must go back on it
   * (RFC 3261 §18.2.2), and requests to the same peer may reuse it (Via `alias`, RFC 5923).
   */
  readonly connectionId?: string;
}

/** Where an outbound message should go. */
export interface SendTarget {
  readonly protocol: SipProtocol;
  readonly address: string;
  readonly port: number;
  /** Prefer this existing connection (stream transports); a new one is opened if it is gone. */
  readonly connectionId?: string;
}

/** Called by a transport for each complete message it received (framing already done). */
export type MessageSink = (data: Buffer, source: MessageSource) => void;

/** What the SIP core needs from the transport layer. */
export interface SipTransportLayer {
  /**
   * Sends one serialized message. Never throws for network conditions: failures are reported through the
   * returned promise (rejected with an Error whose `code` is `SIP_TRANSPORT_SEND_FAILED`), so a caller that
   * does not care may ignore it safely.
   */
  send(data: Buffer, target: SendTarget): Promise<void>;
}
