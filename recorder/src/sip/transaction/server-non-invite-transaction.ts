import type { SipRequest, SipResponse } from '../message/types.js';
import type { Clock } from './clock.js';
import type { ServerTransactionUser, TransactionSender } from './delegates.js';
import { DEFAULT_TIMER_VALUES, startLazily, type SipTimerValues, type TimerSlot } from './timers.js';
import { WireResponse } from './wire-response.js';

/** States of RFC 3261 §17.2.2 Figure 8. */
export type ServerNonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/**
 * The non-INVITE server transaction (RFC 3261 §17.2.2).
 *
 * ```
 *   request → Trying --1xx--> Proceeding --final--> Completed --Timer J (64·T1 UDP, 0 reliable)--> Terminated
 *              \---------------final-------------------/
 *   retransmitted request: Trying absorbs it; Proceeding and Completed resend the last response.
 * ```
 */
export class ServerNonInviteTransaction {
  #state: ServerNonInviteState = 'trying';
  /** The provisional response, until the final one replaces it. */
  #lastResponse: SipResponse | undefined;
  /** The final response, kept on UDP through Timer J as its wire text only. */
  #finalResponse: WireResponse | undefined;
  readonly #sender: TransactionSender;
  readonly #user: ServerTransactionUser;
  readonly #clock: Clock;
  readonly #timers: SipTimerValues;
  #timerJ: TimerSlot | undefined;

  /** `_request` created the transaction; it is not retained (only its key, held by the core, matters). */
  constructor(
    _request: SipRequest,
    sender: TransactionSender,
    user: ServerTransactionUser,
    clock: Clock,
    timers: SipTimerValues = DEFAULT_TIMER_VALUES,
  ) {
    this.#sender = sender;
    this.#user = user;
    this.#clock = clock;
    this.#timers = timers;
  }

  get state(): ServerNonInviteState {
    return this.#state;
  }

  /** Whether a final response has been sent. */
  get isFinal(): boolean {
    return this.#state === 'completed' || this.#state === 'terminated';
  }

  /** A retransmission of the request (§17.2.2). */
  receiveRequest(_request: SipRequest): void {
    // "Once in the Trying state, any further request retransmissions are discarded." In Proceeding and
    // Completed the last response is passed to the transport again.
    if (this.#state === 'proceeding' && this.#lastResponse) this.#send(this.#lastResponse);
    else if (this.#state === 'completed' && this.#finalResponse) this.#send(this.#finalResponse.revive());
  }

  /** The TU's response. Returns false if the transaction already sent a final response. */
  respond(response: SipResponse): boolean {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return false;
    this.#send(response);
    if (response.status < 200) {
      this.#state = 'proceeding';
      this.#lastResponse = response;
      return true;
    }
    this.#state = 'completed';
    this.#lastResponse = undefined;
    // Timer J: 64·T1 on unreliable transports to absorb retransmissions, zero on reliable ones.
    if (this.#sender.reliable) {
      this.#terminate();
      return true;
    }
    this.#finalResponse = new WireResponse(response);
    this.#timerJ = startLazily(this.#timerJ, this.#clock, 64 * this.#timers.t1, () => this.#terminate());
    return true;
  }

  /** Stops all timers and forgets the transaction (core shutdown). */
  dispose(): void {
    this.#terminate();
  }

  #send(response: SipResponse): void {
    this.#sender.send(response).catch((err: unknown) => {
      if (this.#state === 'terminated') return;
      this.#terminate();
      this.#user.onTransportError?.(err instanceof Error ? err : new Error(String(err)));
    });
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timerJ?.stop();
    this.#finalResponse = undefined;
    this.#user.onTerminated();
  }
}
