import type { Logger } from 'pino';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import type { Clock } from '../transaction/clock.js';
import type { ServerTransactionUser, TransactionSender } from '../transaction/delegates.js';
import { ServerInviteTransaction } from '../transaction/server-invite-transaction.js';
import { ServerNonInviteTransaction } from '../transaction/server-non-invite-transaction.js';
import type { SipTimerValues } from '../transaction/timers.js';
import type { MessageSource, SendTarget } from '../transport/types.js';
import type { IncomingRequestContext, ServerIncomingRequest } from './incoming-request.js';

export type ServerTx = ServerInviteTransaction | ServerNonInviteTransaction;

/** What the entries of one core share: the core's side of every server transaction, one object per core. */
export interface ServerEntryHost {
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: SipTimerValues;
  /** Value of the `Server` header in our responses, if any. */
  readonly server: string | undefined;
  sendMessage(message: SipMessage, target: SendTarget): Promise<void>;
  /** The transaction terminated: drop the entry from the core's tables. */
  forget(entry: ServerEntry): void;
  /** An ACK for our 2xx reached the INVITE transaction while Accepted (RFC 6026 §8.7). */
  onAck(ack: SipRequest, source: MessageSource): void;
  /** A 2xx to INVITE was sent: retransmit it until ACK (§13.3.1.4). */
  on2xxSent(incoming: ServerIncomingRequest, response: SipResponse, sender: TransactionSender): void;
}

/** Sends a transaction's messages to one destination (RFC 3261 §18.2.2: where responses go). */
export class TargetSender implements TransactionSender {
  readonly reliable: boolean;
  readonly #host: Pick<ServerEntryHost, 'sendMessage'>;
  readonly #target: SendTarget;

  constructor(host: Pick<ServerEntryHost, 'sendMessage'>, target: SendTarget) {
    this.reliable = target.protocol !== 'udp';
    this.#host = host;
    this.#target = target;
  }

  send(message: SipMessage): Promise<void> {
    return this.#host.sendMessage(message, this.#target);
  }
}

/**
 * A live server transaction as the core tracks it: its transaction user and the context of its
 * `IncomingRequest` in one object, instead of a literal with seven closures per transaction — at
 * 1000 calls/s two of these per call live through the 32 s Timer L/J windows. The request (via `incoming`)
 * is kept only until the final response, which a CANCEL needs; afterwards just the strings below remain.
 */
export class ServerEntry implements ServerTransactionUser, IncomingRequestContext {
  readonly #host: ServerEntryHost;
  /** The §17.2.3 key of the transaction in the core's table. */
  readonly key: string;
  /** The §8.2.2.2 identity of an out-of-dialog request (see the core's merge table), if any. */
  readonly merge: string | undefined;
  /** Our To tag in every response of this transaction (§8.2.6.2). */
  readonly localTag: string;
  /** For log lines only. */
  readonly #callId: string | undefined;
  readonly #source: MessageSource;
  readonly sender: TargetSender;
  readonly tx: ServerTx;
  incoming: ServerIncomingRequest | undefined;

  /** Creates the transaction for `request`, with this entry as its user. */
  constructor(
    host: ServerEntryHost,
    request: SipRequest,
    fields: {
      key: string;
      merge: string | undefined;
      localTag: string;
      callId: string | undefined;
      source: MessageSource;
      target: SendTarget;
    },
  ) {
    this.#host = host;
    this.key = fields.key;
    this.merge = fields.merge;
    this.localTag = fields.localTag;
    this.#callId = fields.callId;
    this.#source = fields.source;
    this.sender = new TargetSender(host, fields.target);
    this.tx =
      request.method === 'INVITE'
        ? new ServerInviteTransaction(request, this.sender, this, host.clock, host.timers)
        : new ServerNonInviteTransaction(request, this.sender, this, host.clock, host.timers);
  }

  get server(): string | undefined {
    return this.#host.server;
  }

  onTerminated(): void {
    this.#host.forget(this);
  }

  onTransportError(err: Error): void {
    this.#host.log.warn({ err, callId: this.#callId }, 'could not send a response');
  }

  onTimeout(): void {
    this.#host.log.debug({ callId: this.#callId }, 'no ACK for a final non-2xx');
  }

  onAck(ack: SipRequest): void {
    this.#host.onAck(ack, this.#source);
  }

  on2xxSent(incoming: ServerIncomingRequest, response: SipResponse): void {
    this.#host.on2xxSent(incoming, response, this.sender);
  }

  onFinal(): void {
    this.incoming = undefined;
  }

  onLateResponse(incoming: ServerIncomingRequest, status: number): void {
    this.#host.log.debug(
      { callId: incoming.request.headers.get('Call-ID'), status },
      'response after the final one ignored',
    );
  }
}
