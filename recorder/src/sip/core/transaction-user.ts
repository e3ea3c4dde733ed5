import type { SipRequest, SipResponse } from '../message/types.js';
import type { MessageSource } from '../transport/types.js';

/** Options for answering an incoming request. */
export interface RespondOptions {
  reason?: string;
  /** Overrides the To tag the core chose for this request (`IncomingRequest.localTag`). */
  toTag?: string;
  /** Extra headers, in order. */
  headers?: [string, string][];
  body?: Buffer;
  contentType?: string;
}

/** A request handed to the transaction user, with the means to answer it through its server transaction. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: MessageSource;
  /**
   * Sends a provisional or final response. A final 2xx to INVITE is retransmitted by the core (T1 doubling
   * to T2) until the matching ACK arrives (RFC 3261 §13.3.1.4). Calls after the final response are ignored
   * (e.g. the TU answers 200 to an INVITE that a CANCEL already ended with 487).
   */
  respond(status: number, opts?: RespondOptions): void;
  /** Whether a final response was sent. */
  readonly isFinal: boolean;
  /**
   * The To tag used in responses (RFC 3261 §8.2.6.2): the request's own To tag for in-dialog requests,
   * otherwise one the core generated. Use it as the dialog's local tag.
   */
  readonly localTag: string;
}

/** The SIPREC application, as seen by the SIP core (RFC 3261 §8.2 "transaction user"). */
export interface SipTransactionUser {
  /** A new request — not a retransmission, not CANCEL, not ACK. */
  onRequest(incoming: IncomingRequest): void;
  /** An ACK for a 2xx (§13.3.1.4), once per 2xx; retransmitted ACKs are absorbed. */
  onAck(request: SipRequest, source: MessageSource): void;
  /** An INVITE was CANCELled: the core already sent 200 to the CANCEL and 487 to the INVITE (§9.2). */
  onCancel(incoming: IncomingRequest): void;
  /** A 2xx to INVITE was not ACKed within 64·T1 (§13.3.1.4: the TU should end the session with BYE). */
  onAckTimeout?(incoming: IncomingRequest): void;
}

/** Callbacks for a request the TU sends through `SipCore.sendRequest`. */
export interface ClientRequestHandlers {
  onResponse(res: SipResponse): void;
  /** No final response in 64·T1 (Timer B / F): treat as 408. */
  onTimeout(): void;
  onTransportError(err: Error): void;
}

/** The TU's handle on a client transaction. */
export interface ClientTransactionHandle {
  /** The Via branch the core gave the request (a CANCEL for it must reuse it, §9.1). */
  readonly branch: string;
  /** The request as sent (Via filled in). */
  readonly request: SipRequest;
  /** Stops the transaction's timers; no more callbacks follow. */
  dispose(): void;
}
