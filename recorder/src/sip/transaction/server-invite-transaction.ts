import { createResponse } from '../message/response.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Clock } from './clock.js';
import type { ServerTransactionUser, TransactionSender } from './delegates.js';
import { DEFAULT_TIMER_VALUES, startLazily, type SipTimerValues, type TimerSlot } from './timers.js';
import { WireResponse } from './wire-response.js';

/** States of RFC 3261 §17.2.1 Figure 7, with the Accepted state of RFC 6026 §7.1. */
export type ServerInviteState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/**
 * The INVITE server transaction (RFC 3261 §17.2.1, as updated by RFC 6026).
 *
 * ```
 *            INVITE → send 100 Trying
 *                 |
 *            Proceeding --1xx--> (resend on INVITE retransmission)
 *           /           \
 *     2xx  /             \ 300-699, Timer G (UDP) resends it, Timer H gives up
 *    Accepted           Completed --ACK--> Confirmed --Timer I--> Terminated
 *    Timer L → Terminated
 * ```
 */
export class ServerInviteTransaction {
  #state: ServerInviteState = 'proceeding';
  /** The last provisional response (100 Trying until the TU sends another), until a final one. */
  #lastResponse: SipResponse | undefined;
  /** A 300-699 final response, kept through Completed as its wire text only. */
  #finalResponse: WireResponse | undefined;
  readonly #sender: TransactionSender;
  readonly #user: ServerTransactionUser;
  readonly #clock: Clock;
  readonly #timers: SipTimerValues;
  // Created on first start: an answered call only ever runs Timer L.
  #timerG: TimerSlot | undefined;
  #timerH: TimerSlot | undefined;
  #timerI: TimerSlot | undefined;
  #timerL: TimerSlot | undefined;

  constructor(
    request: SipRequest,
    sender: TransactionSender,
    user: ServerTransactionUser,
    clock: Clock,
    timers: SipTimerValues = DEFAULT_TIMER_VALUES,
  ) {
    this.#sender = sender;
    this.#user = user;
    this.#clock = clock;
    this.#timers = timers;
    // The request itself is not kept: after the final response only its key matters, and an INVITE with a
    // multipart body is several KiB that would otherwise live on for Timer L (32 s) per call.
    // §17.2.1: a 100 Trying is due within 200 ms unless the TU answers sooner; we send it at once because
    // SRCs run short INVITE timers (INTEROP.md §10) and the SIPREC TU may take a while to allocate media.
    this.#lastResponse = createResponse(request, 100);
    this.#send(this.#lastResponse);
  }

  get state(): ServerInviteState {
    return this.#state;
  }

  /** The last response sent (100 Trying until the TU answers); released once Accepted or Terminated. */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse ?? this.#finalResponse?.revive();
  }

  /** Whether a final response has been sent. */
  get isFinal(): boolean {
    return this.#state !== 'proceeding';
  }

  /** A request that matched this transaction (§17.2.3): a retransmitted INVITE or an ACK. */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'INVITE') {
      // §17.2.1: "If a request retransmission is received while in the Proceeding state, the most recent
      // provisional response … MUST be passed to the transport layer for retransmission." Same in Completed
      // for the final response. RFC 6026 §7.1: absorbed in Accepted (the TU retransmits the 2xx itself).
      if (this.#state === 'proceeding' && this.#lastResponse) this.#send(this.#lastResponse);
      else if (this.#state === 'completed' && this.#finalResponse) this.#send(this.#finalResponse.revive());
      return;
    }
    if (request.method !== 'ACK') return;
    if (this.#state === 'completed') {
      // §17.2.1: ACK in Completed → Confirmed; Timer I absorbs further ACKs (T4 on UDP, zero on reliable).
      this.#state = 'confirmed';
      this.#timerG?.stop();
      this.#timerH?.stop();
      this.#finalResponse = undefined; // Confirmed never sends it again.
      if (this.#sender.reliable) this.#terminate();
      else this.#timerI = startLazily(this.#timerI, this.#clock, this.#timers.t4, () => this.#terminate());
    } else if (this.#state === 'accepted') {
      // RFC 6026 §8.7: an ACK matching the transaction in Accepted is passed to the TU.
      this.#user.onAck?.(request);
    }
  }

  /** The TU's response. Returns false (and sends nothing) if the transaction can no longer send it. */
  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.#state === 'accepted') {
      // RFC 6026 §8.5: in Accepted, 2xx retransmissions from the TU are passed to the transport.
      if (status < 200 || status >= 300) return false;
      this.#send(response);
      return true;
    }
    if (this.#state !== 'proceeding') return false;
    this.#send(response);
    if (status < 200) {
      this.#lastResponse = response;
      return true;
    }
    this.#lastResponse = undefined;
    if (status < 300) {
      // RFC 6026 §7.1: 2xx → Accepted; Timer L (64·T1) keeps absorbing INVITE retransmissions and lets
      // ACKs through until the 2xx has surely been acknowledged or abandoned. Accepted never resends the
      // 2xx itself (the TU does), so nothing of it is kept.
      this.#state = 'accepted';
      this.#timerL = startLazily(this.#timerL, this.#clock, 64 * this.#timers.t1, () => this.#terminate());
      return true;
    }
    // §17.2.1: 300-699 → Completed; Timer G retransmits (UDP only), Timer H bounds the wait for ACK.
    this.#state = 'completed';
    this.#finalResponse = new WireResponse(response);
    if (!this.#sender.reliable) this.#scheduleG(this.#timers.t1);
    this.#timerH = startLazily(this.#timerH, this.#clock, 64 * this.#timers.t1, () => {
      this.#terminate();
      this.#user.onTimeout?.();
    });
    return true;
  }

  /** Stops all timers and forgets the transaction (core shutdown). */
  dispose(): void {
    this.#terminate();
  }

  #scheduleG(interval: number): void {
    this.#timerG = startLazily(this.#timerG, this.#clock, interval, () => {
      if (this.#state !== 'completed' || !this.#finalResponse) return;
      this.#send(this.#finalResponse.revive());
      // §17.2.1: "the value of Timer G is doubled, unless that value exceeds T2, in which case it is set to T2".
      this.#scheduleG(Math.min(2 * interval, this.#timers.t2));
    });
  }

  #send(response: SipResponse): void {
    this.#sender.send(response).catch((err: unknown) => {
      if (this.#state === 'terminated') return;
      // §17.2.4: a transport failure terminates the transaction and is reported to the TU.
      this.#terminate();
      this.#user.onTransportError?.(err instanceof Error ? err : new Error(String(err)));
    });
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timerG?.stop();
    this.#timerH?.stop();
    this.#timerI?.stop();
    this.#timerL?.stop();
    this.#lastResponse = undefined;
    this.#finalResponse = undefined;
    this.#user.onTerminated();
  }
}
