import { createResponse } from '../message/response.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ServerInviteTransaction } from '../transaction/server-invite-transaction.js';
import type { ServerNonInviteTransaction } from '../transaction/server-non-invite-transaction.js';
import type { MessageSource } from '../transport/types.js';
import type { IncomingRequest, RespondOptions } from './transaction-user.js';

/** What an `IncomingRequest` needs from the core. */
export interface IncomingRequestContext {
  /** Value of the `Server` header in our responses, if any. */
  readonly server?: string;
  /** A 2xx to INVITE was sent: start its retransmission until ACK (§13.3.1.4). */
  on2xxSent(incoming: ServerIncomingRequest, response: SipResponse): void;
  /** A final response was sent: the core may drop what it kept for CANCEL matching. */
  onFinal(incoming: ServerIncomingRequest): void;
  /** Logs a response the transaction refused (after the final one). */
  onLateResponse(incoming: ServerIncomingRequest, status: number): void;
}

/** The core's `IncomingRequest`: answers go through the request's server transaction. */
export class ServerIncomingRequest implements IncomingRequest {
  readonly request: SipRequest;
  readonly source: MessageSource;
  readonly localTag: string;
  readonly transaction: ServerInviteTransaction | ServerNonInviteTransaction;
  readonly #ctx: IncomingRequestContext;

  constructor(
    request: SipRequest,
    source: MessageSource,
    localTag: string,
    transaction: ServerInviteTransaction | ServerNonInviteTransaction,
    ctx: IncomingRequestContext,
  ) {
    this.request = request;
    this.source = source;
    this.localTag = localTag;
    this.transaction = transaction;
    this.#ctx = ctx;
  }

  get isFinal(): boolean {
    return this.transaction.isFinal;
  }

  respond(status: number, opts: RespondOptions = {}): void {
    if (!Number.isInteger(status) || status < 100 || status > 699) {
      throw new RangeError(`SIP status out of range: ${status}`);
    }
    if (this.isFinal) {
      this.#ctx.onLateResponse(this, status);
      return;
    }
    const headers = [...(opts.headers ?? [])];
    if (this.#ctx.server !== undefined && !headers.some(([n]) => n.toLowerCase() === 'server')) {
      headers.push(['Server', this.#ctx.server]);
    }
    // §8.2.6.2: every response but 100 carries our To tag; all responses to one request use the same.
    const response = createResponse(this.request, status, opts.reason, {
      ...(status === 100 ? {} : { toTag: opts.toTag ?? this.localTag }),
      headers,
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
    });
    if (!this.transaction.respond(response)) {
      this.#ctx.onLateResponse(this, status);
      return;
    }
    if (status < 200) return;
    if (this.request.method === 'INVITE' && status < 300) this.#ctx.on2xxSent(this, response);
    this.#ctx.onFinal(this);
  }
}
