/**
 * Plain per-protocol counters kept by the transports. The composition root reads them into prom-client
 * (collect callbacks), so the transports stay free of any metrics library.
 */
import type { SipProtocol } from './types.js';

/** Counters of one protocol. Monotonic except `connectionsActive`, which is a gauge. */
export interface ProtocolCounters {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Keep-alives received (CRLF-only datagrams, double-CRLF pings on streams). */
  keepAlivesIn: number;
  /** Stream messages whose framing failed (the connection was closed). */
  framingErrors: number;
  /** Framing errors answered with 400 before closing. */
  framingErrorResponses: number;
  /** Sends that were rejected (SIP_TRANSPORT_SEND_FAILED). */
  sendFailures: number;
  connectionsOpened: number;
  connectionsClosed: number;
  connectionsActive: number;
  /** Connections refused because of the connection cap. */
  connectionsRejected: number;
  /** Connections closed for being silent longer than the idle timeout. */
  connectionsIdleClosed: number;
  /** Connections closed because the peer did not read what we wrote (buffered-bytes cap). */
  connectionsOverflowClosed: number;
  /** TLS handshakes that failed (no or untrusted client certificate, wrong protocol version…). */
  handshakeFailures: number;
}

/** The counters of every protocol. */
export type TransportCounters = Record<SipProtocol, ProtocolCounters>;

/** A zeroed counters object. */
export function createTransportCounters(): TransportCounters {
  const zero = (): ProtocolCounters => ({
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    keepAlivesIn: 0,
    framingErrors: 0,
    framingErrorResponses: 0,
    sendFailures: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
    connectionsActive: 0,
    connectionsRejected: 0,
    connectionsIdleClosed: 0,
    connectionsOverflowClosed: 0,
    handshakeFailures: 0,
  });
  return { udp: zero(), tcp: zero(), tls: zero() };
}
