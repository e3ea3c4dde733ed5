import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';

/**
 * What a transaction needs from the layer below (RFC 3261 §17: the transaction layer hands messages to the
 * transport layer). The core implements it per transaction, bound to the right destination.
 */
export interface TransactionSender {
  /** TCP/TLS: the timers that only exist to recover UDP loss are not run (§17.1.1.2, §17.1.2.2, §17.2.1). */
  readonly reliable: boolean;
  /** Sends one message; a rejected promise is a transport error (§17.1.4, §17.2.4). */
  send(message: SipMessage): Promise<void>;
}

/** Callbacks from a server transaction to the core. */
export interface ServerTransactionUser {
  /** The transaction reached Terminated and can be forgotten. */
  onTerminated(): void;
  /** A response could not be sent (§17.2.4). */
  onTransportError?(err: Error): void;
  /** Timer H fired: a non-2xx final response to INVITE was never ACKed (§17.2.1). */
  onTimeout?(): void;
  /** An ACK matched the INVITE transaction in the Accepted state (RFC 6026 §8.7): it acknowledges our 2xx. */
  onAck?(ack: SipRequest): void;
}

/** Callbacks from a client transaction to the one who sent the request. */
export interface ClientTransactionUser {
  onResponse(response: SipResponse): void;
  /** Timer B / Timer F fired (§17.1.1.2, §17.1.2.2): no final response in time (treat as 408). */
  onTimeout(): void;
  onTransportError(err: Error): void;
  /** The transaction reached Terminated and can be forgotten. */
  onTerminated?(): void;
}
