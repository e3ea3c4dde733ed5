import { pino, type Logger } from 'pino';
import { parseCSeq } from '../message/cseq.js';
import { getTag } from '../message/name-addr.js';
import { SipParseError } from '../message/parse-error.js';
import { parseSipMessage } from '../message/parser.js';
import { cryptoRandom, newBranch, newTag, type RandomSource } from '../message/random.js';
import { createResponse } from '../message/response.js';
import { serializeSipMessage } from '../message/serializer.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { BRANCH_MAGIC_COOKIE, parseVia } from '../message/via.js';
import { ClientInviteTransaction } from '../transaction/client-invite-transaction.js';
import { ClientNonInviteTransaction } from '../transaction/client-non-invite-transaction.js';
import { systemClock, type Clock } from '../transaction/clock.js';
import type { TransactionSender } from '../transaction/delegates.js';
import { ServerInviteTransaction } from '../transaction/server-invite-transaction.js';
import { DEFAULT_TIMER_VALUES, type SipTimerValues } from '../transaction/timers.js';
import { clientTransactionKey, serverTransactionKey } from '../transaction/transaction-key.js';
import type { MessageSource, SendTarget, SipProtocol, SipTransportLayer } from '../transport/types.js';
import { ServerIncomingRequest } from './incoming-request.js';
import { ownCopy } from '../message/own-copy.js';
import { ServerEntry, TargetSender, type ServerEntryHost } from './server-entry.js';
import { Invite2xxRetransmitter } from './invite-2xx-retransmitter.js';
import type {
  ClientRequestHandlers,
  ClientTransactionHandle,
  SipTransactionUser,
} from './transaction-user.js';
import { responseTarget, stampTopVia } from './via-stamp.js';

/** Construction options of `SipCore`. */
export interface SipCoreOptions {
  transport: SipTransportLayer;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  /** Host written in the Via sent-by of requests we send. */
  viaHost: string;
  /** Port for the Via sent-by: one for all protocols, or per protocol. */
  viaPort: number | Partial<Record<SipProtocol, number>>;
  /** `User-Agent` of our requests and `Server` of our responses. */
  userAgent?: string;
  /** Called for every message that failed to parse (metrics); answered or not. */
  onParseError?: (err: SipParseError, source: MessageSource) => void;
  /** Override T1/T2/T4 (tests, or tuned deployments). */
  timers?: Partial<SipTimerValues>;
  /** Parser limits (defaults: 256 headers, 64 KiB header section). */
  maxHeaders?: number;
  maxHeaderBytes?: number;
  /** Observes every message received and sent (metrics by method and status). */
  onMessage?: (direction: 'in' | 'out', message: SipMessage) => void;
}

type ClientTx = ClientInviteTransaction | ClientNonInviteTransaction;

/** A 2xx waiting for its ACK (forgotten as soon as the ACK arrives, or after 64·T1). */
interface AckWait {
  readonly retransmitter: Invite2xxRetransmitter;
  incoming: ServerIncomingRequest | undefined;
  response: SipResponse | undefined;
}

/**
 * The SIP user-agent core: transport ↔ parser ↔ transactions ↔ transaction user (RFC 3261 §8, §17, §18).
 * `receive()` never throws; everything a peer sends is either answered, absorbed, or dropped and logged.
 */
export class SipCore {
  readonly #transport: SipTransportLayer;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #log: Logger;
  readonly #viaHost: string;
  readonly #viaPort: number | Partial<Record<SipProtocol, number>>;
  readonly #userAgent: string | undefined;
  readonly #onParseError: SipCoreOptions['onParseError'];
  readonly #onMessage: SipCoreOptions['onMessage'];
  readonly #timers: SipTimerValues;
  readonly #maxHeaders: number | undefined;
  readonly #maxHeaderBytes: number | undefined;
  readonly #user: SipTransactionUser;
  readonly #server = new Map<string, ServerEntry>();
  /** §8.2.2.2 merged-request detection: From tag + Call-ID + CSeq of out-of-dialog requests → their key. */
  readonly #merge = new Map<string, string>();
  readonly #client = new Map<string, ClientTx>();
  readonly #ackWaits = new Map<string, AckWait>();
  /** The core's side of every server transaction (shared, so an entry carries no closures of its own). */
  readonly #entryHost: ServerEntryHost;
  #closed = false;

  constructor(opts: SipCoreOptions, user: SipTransactionUser) {
    this.#transport = opts.transport;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? cryptoRandom;
    this.#log = opts.logger ?? pino({ enabled: false });
    this.#viaHost = opts.viaHost;
    this.#viaPort = opts.viaPort;
    this.#userAgent = opts.userAgent;
    this.#onParseError = opts.onParseError;
    this.#onMessage = opts.onMessage;
    this.#timers = { ...DEFAULT_TIMER_VALUES, ...opts.timers };
    this.#maxHeaders = opts.maxHeaders;
    this.#maxHeaderBytes = opts.maxHeaderBytes;
    this.#user = user;
    this.#entryHost = {
      log: this.#log,
      clock: this.#clock,
      timers: this.#timers,
      server: this.#userAgent,
      sendMessage: (message, target) => this.#sendMessage(message, target),
      forget: (entry) => this.#forgetServerEntry(entry),
      onAck: (ack, source) => this.#onAck(ack, source),
      on2xxSent: (incoming, response, sender) => this.#start2xxRetransmission(incoming, response, sender),
    };
  }

  /** Number of live server transactions, client transactions and 2xx awaiting ACK (for tests/metrics). */
  get stats(): { serverTransactions: number; clientTransactions: number; pendingAcks: number } {
    return {
      serverTransactions: this.#server.size,
      clientTransactions: this.#client.size,
      pendingAcks: this.#ackWaits.size,
    };
  }

  /** Entry point for the transports: one whole message. Never throws. */
  receive(data: Buffer, source: MessageSource): void {
    if (this.#closed) return;
    try {
      this.#receive(data, source);
    } catch (err) {
      this.#log.error(
        { err, remote: `${source.remoteAddress}:${source.remotePort}` },
        'SIP message handling failed',
      );
    }
  }

  /**
   * Sends a request through a new client transaction (§17.1), or statelessly for ACK (§17.1.1.3: an ACK for
   * a 2xx is its own transaction-less request). Fills in the Via (our sent-by for `target.protocol`,
   * `rport`, a branch — the existing one is kept if it carries the magic cookie, as a CANCEL must) and
   * Max-Forwards / User-Agent when absent.
   */
  sendRequest(
    request: SipRequest,
    target: SendTarget,
    handlers: ClientRequestHandlers,
  ): ClientTransactionHandle {
    const branch = this.#prepareRequest(request, target.protocol);
    const sender = new TargetSender(this.#entryHost, target);
    const dispose = { dispose: (): void => undefined };
    if (this.#closed || request.method === 'ACK') {
      if (!this.#closed)
        sender
          .send(request)
          .catch((err: unknown) => this.#safe(() => handlers.onTransportError(asError(err))));
      return { branch, request, ...dispose };
    }
    const key = `${branch}|${request.method}`;
    const user = {
      onResponse: (res: SipResponse) => this.#safe(() => handlers.onResponse(res)),
      onTimeout: () => this.#safe(() => handlers.onTimeout()),
      onTransportError: (err: Error) => this.#safe(() => handlers.onTransportError(err)),
      onTerminated: () => {
        if (this.#client.get(key) === tx) this.#client.delete(key);
      },
    };
    const tx: ClientTx =
      request.method === 'INVITE'
        ? new ClientInviteTransaction(request, sender, user, this.#clock, this.#timers)
        : new ClientNonInviteTransaction(request, sender, user, this.#clock, this.#timers);
    this.#client.set(key, tx);
    tx.start();
    return { branch, request, dispose: () => tx.dispose() };
  }

  /** Stops every transaction and timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { tx } of [...this.#server.values()]) tx.dispose();
    for (const tx of [...this.#client.values()]) tx.dispose();
    for (const w of this.#ackWaits.values()) w.retransmitter.dispose();
    this.#server.clear();
    this.#client.clear();
    this.#ackWaits.clear();
    this.#merge.clear();
  }

  #receive(data: Buffer, source: MessageSource): void {
    // CRLF keep-alives (RFC 5626 §3.5.1 over UDP; double CRLF pings) are not messages.
    if (data.every((b) => b === 0x0d || b === 0x0a)) return;
    let msg: SipMessage;
    try {
      msg = parseSipMessage(data, {
        stream: source.protocol !== 'udp',
        ...(this.#maxHeaders !== undefined ? { maxHeaders: this.#maxHeaders } : {}),
        ...(this.#maxHeaderBytes !== undefined ? { maxHeaderBytes: this.#maxHeaderBytes } : {}),
      });
    } catch (err) {
      if (err instanceof SipParseError) this.#onUnparseable(err, source);
      else throw err;
      return;
    }
    this.#onMessage?.('in', msg);
    if (msg.type === 'request') this.#onRequest(msg, source);
    else this.#onResponse(msg);
  }

  /** §21.4.1 / §8.2: answer a malformed request with its 4xx/5xx when it can be routed back, else drop. */
  #onUnparseable(err: SipParseError, source: MessageSource): void {
    this.#safe(() => this.#onParseError?.(err, source));
    const p = err.partial;
    const h = p.headers;
    const readable = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].every((n) => (h.get(n) ?? '') !== '');
    let viaOk = false;
    try {
      parseVia(h.first('Via') ?? '');
      viaOk = true;
    } catch {
      // Unroutable: nothing to answer to.
    }
    this.#log.debug(
      { code: err.code, remote: `${source.remoteAddress}:${source.remotePort}`, answered: readable && viaOk },
      'unparseable SIP message',
    );
    // Never answer responses or ACKs (§17.2.1: no response to ACK).
    if (p.method === undefined || p.method === 'ACK' || !readable || !viaOk) return;
    const request: SipRequest = {
      type: 'request',
      method: p.method,
      uri: p.uri ?? '',
      headers: h,
      body: Buffer.alloc(0),
    };
    stampTopVia(request, source);
    const response = createResponse(request, err.status, err.reason, { toTag: newTag(this.#random) });
    if (this.#userAgent !== undefined) response.headers.append('Server', this.#userAgent);
    this.#sendMessage(response, responseTarget(request, source)).catch((e: unknown) =>
      this.#log.debug({ err: e }, 'could not send the answer to an unparseable request'),
    );
  }

  #onRequest(request: SipRequest, source: MessageSource): void {
    stampTopVia(request, source);
    const lookupKey = serverTransactionKey(request);
    const existing = this.#server.get(lookupKey);
    if (existing) {
      // §17.2.3: a retransmission, or the ACK of a non-2xx final response: the transaction absorbs it.
      existing.tx.receiveRequest(request);
      return;
    }
    if (request.method === 'ACK') {
      this.#onAck(request, source);
      return;
    }
    // A new transaction: its key stays in the tables through Timer L/J, so it gets its own characters.
    const key = ownCopy(lookupKey);
    if (request.method === 'CANCEL') {
      this.#onCancel(request, source, key);
      return;
    }
    // §8.2.2.2: a request without To tag that matches an ongoing transaction by From tag, Call-ID and CSeq
    // but not by branch arrived twice by different paths (a forking proxy): answer 482 Loop Detected.
    const merge = mergeKey(request);
    const mergedWith = merge === undefined ? undefined : this.#merge.get(merge);
    if (mergedWith !== undefined && mergedWith !== key && this.#server.has(mergedWith)) {
      this.#createServerTransaction(request, source, key, merge).respond(482);
      return;
    }
    const incoming = this.#createServerTransaction(request, source, key, merge);
    if (merge !== undefined) this.#merge.set(merge, key);
    this.#safe(
      () => this.#user.onRequest(incoming),
      () => {
        // A TU failure must not leave the peer retransmitting into silence.
        if (!incoming.isFinal) incoming.respond(500);
      },
    );
  }

  /**
   * RFC 3261 §9.2: a CANCEL gets its own non-INVITE server transaction; if it matches an INVITE server
   * transaction it is answered 200 (with the To tag of the INVITE's responses) and, if no final response
   * was sent yet, the INVITE is answered 487; otherwise 481.
   */
  #onCancel(cancel: SipRequest, source: MessageSource, key: string): void {
    const found = this.#server.get(serverTransactionKey(cancel, 'INVITE'));
    const invite = found?.tx instanceof ServerInviteTransaction ? found : undefined;
    const incoming = this.#createServerTransaction(cancel, source, key, mergeKey(cancel), invite?.localTag);
    if (!invite) {
      incoming.respond(481);
      return;
    }
    incoming.respond(200);
    const pending = invite.incoming;
    // Already answered: "the CANCEL request has no effect on the processing of the original request".
    if (!pending || pending.isFinal) return;
    pending.respond(487);
    this.#safe(() => this.#user.onCancel(pending));
  }

  /** An ACK for a 2xx (§13.3.1.4): stops the retransmission; the first one goes to the TU. */
  #onAck(ack: SipRequest, source: MessageSource): void {
    const wait = this.#ackWaits.get(ackKey(ack));
    if (!wait) {
      this.#log.debug({ callId: ack.headers.get('Call-ID') }, 'ACK matches nothing; dropped');
      return;
    }
    if (!wait.retransmitter.ack()) return;
    // Nothing is left to do for this 2xx: a retransmitted ACK will match nothing and be dropped, which is
    // what absorbing it means — so the entry goes now rather than after 64·T1.
    wait.retransmitter.dispose();
    wait.incoming = undefined;
    wait.response = undefined;
    this.#ackWaits.delete(ackKey(ack));
    this.#safe(() => this.#user.onAck(ack, source));
  }

  /** `merge` is the request's §8.2.2.2 identity (see mergeKey), worked out once by the caller. */
  #createServerTransaction(
    request: SipRequest,
    source: MessageSource,
    key: string,
    merge: string | undefined,
    toTag?: string,
  ): ServerIncomingRequest {
    const callId = request.headers.get('Call-ID');
    const requestToTag = getTag(request.headers.get('To'));
    // The entry outlives the request by Timer L/J: it keeps its own copies of the strings, not slices of it.
    const entry = new ServerEntry(this.#entryHost, request, {
      key,
      merge,
      localTag: toTag ?? (requestToTag === undefined ? newTag(this.#random) : ownCopy(requestToTag)),
      callId: callId === undefined ? undefined : ownCopy(callId),
      source,
      target: responseTarget(request, source),
    });
    const incoming = new ServerIncomingRequest(request, source, entry.localTag, entry.tx, entry);
    entry.incoming = incoming;
    if (entry.tx.state !== 'terminated') this.#server.set(key, entry);
    return incoming;
  }

  #forgetServerEntry(entry: ServerEntry): void {
    if (this.#server.get(entry.key) !== entry) return;
    this.#server.delete(entry.key);
    if (entry.merge !== undefined && this.#merge.get(entry.merge) === entry.key)
      this.#merge.delete(entry.merge);
  }

  #start2xxRetransmission(
    incoming: ServerIncomingRequest,
    response: SipResponse,
    sender: TransactionSender,
  ): void {
    const callId = incoming.request.headers.get('Call-ID') ?? '';
    const key = `${callId}|${seqOf(incoming.request)}|${getTag(response.headers.get('To')) ?? ''}`;
    this.#ackWaits.get(key)?.retransmitter.dispose();
    const retransmitter = new Invite2xxRetransmitter(this.#clock, this.#timers, {
      retransmit: () => {
        if (!wait.response) return;
        sender
          .send(wait.response)
          .catch((err: unknown) => this.#log.debug({ err }, '2xx retransmission failed'));
      },
      onAckTimeout: () => {
        const inc = wait.incoming;
        wait.incoming = undefined;
        wait.response = undefined;
        this.#log.info({ callId }, '2xx to INVITE never ACKed');
        if (inc) this.#safe(() => this.#user.onAckTimeout?.(inc));
      },
      onDone: () => {
        if (this.#ackWaits.get(key) === wait) this.#ackWaits.delete(key);
      },
    });
    const wait: AckWait = { retransmitter, incoming, response };
    this.#ackWaits.set(key, wait);
    retransmitter.start();
  }

  #onResponse(response: SipResponse): void {
    const key = clientTransactionKey(response);
    const tx = key === undefined ? undefined : this.#client.get(key);
    // §18.1.2: a response matching no client transaction is discarded.
    if (!tx) {
      this.#log.debug(
        { status: response.status, callId: response.headers.get('Call-ID') },
        'stray response dropped',
      );
      return;
    }
    tx.receiveResponse(response);
  }

  /** Fills Via, Max-Forwards and User-Agent of an outgoing request; returns its branch. */
  #prepareRequest(request: SipRequest, protocol: SipProtocol): string {
    const h = request.headers;
    let branch: string | undefined;
    try {
      const b = parseVia(h.first('Via') ?? '').params.get('branch');
      if (b?.startsWith(BRANCH_MAGIC_COOKIE)) branch = b;
    } catch {
      branch = undefined;
    }
    branch ??= newBranch(this.#random);
    const port = typeof this.#viaPort === 'number' ? this.#viaPort : this.#viaPort[protocol];
    const sentBy = port === undefined ? this.#viaHost : `${this.#viaHost}:${port}`;
    // §8.1.1.7 / RFC 3581 §3: one Via (we are the UAC), with rport so answers come back through NATs.
    h.setAll('Via', [`SIP/2.0/${protocol.toUpperCase()} ${sentBy};branch=${branch};rport`]);
    if (!h.has('Max-Forwards')) h.set('Max-Forwards', '70');
    if (this.#userAgent !== undefined && !h.has('User-Agent')) h.set('User-Agent', this.#userAgent);
    return branch;
  }

  #sendMessage(msg: SipMessage, target: SendTarget): Promise<void> {
    try {
      this.#onMessage?.('out', msg);
      return this.#transport.send(serializeSipMessage(msg), target);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  /** Runs TU code; a throw is logged (and `onThrow` run) instead of unwinding into the transport. */
  #safe(fn: () => void, onThrow?: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'SIP transaction user threw');
      if (onThrow) {
        try {
          onThrow();
        } catch (err2) {
          this.#log.error({ err: err2 }, 'SIP error handling threw');
        }
      }
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function seqOf(request: SipRequest): number {
  try {
    return parseCSeq(request.headers.get('CSeq') ?? '').seq;
  } catch {
    return -1;
  }
}

/** The §8.2.2.2 identity of an out-of-dialog request, or undefined for in-dialog ones (they have a To tag). */
function mergeKey(request: SipRequest): string | undefined {
  const h = request.headers;
  if (getTag(h.get('To')) !== undefined) return undefined;
  // Kept in the merge table while the transaction lives: its own characters (see ownCopy).
  return ownCopy(`${getTag(h.get('From')) ?? ''}|${h.get('Call-ID') ?? ''}|${h.get('CSeq') ?? ''}`);
}

/** An ACK for a 2xx matches the INVITE by Call-ID, CSeq number and our To tag (§13.3.1.4, §17.1.1.3). */
function ackKey(ack: SipRequest): string {
  return `${ack.headers.get('Call-ID') ?? ''}|${seqOf(ack)}|${getTag(ack.headers.get('To')) ?? ''}`;
}
