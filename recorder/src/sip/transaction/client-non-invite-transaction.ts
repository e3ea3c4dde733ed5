import type { SipRequest, SipResponse } from '../message/types.js';
import type { Clock } from './clock.js';
import type { ClientTransactionUser, TransactionSender } from './delegates.js';
import { DEFAULT_TIMER_VALUES, startLazily, type SipTimerValues, type TimerSlot } from './timers.js';

/** States of RFC 3261 §17.1.2 Figure 6. */
export type ClientNonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/**
 * The non-INVITE client transaction (RFC 3261 §17.1.2).
 *
 * ```
 *   send → Trying   Timer E (UDP): resend at T1, 2·T1, … capped at T2;  Timer F = 64·T1 → timeout
 *     1xx → Proceeding   (Timer E keeps resending every T2)
 *     final → Completed  Timer K (T4 UDP, 0 reliable) absorbs retransmitted responses → Terminated
 * ```
 */
export class ClientNonInviteTransaction {
  readonly request: SipRequest;
  #state: ClientNonInviteState = 'trying';
  readonly #sender: TransactionSender;
  readonly #user: ClientTransactionUser;
  readonly #timers: SipTimerValues;
  readonly #clock: Clock;
  // Created on first start: most transactions run only some of their timers.
  #timerE: TimerSlot | undefined;
  #timerF: TimerSlot | undefined;
  #timerK: TimerSlot | undefined;

  constructor(
    request: SipRequest,
    sender: TransactionSender,
    user: ClientTransactionUser,
    clock: Clock,
    timers: SipTimerValues = DEFAULT_TIMER_VALUES,
  ) {
    this.request = request;
    this.#sender = sender;
    this.#user = user;
    this.#timers = timers;
    this.#clock = clock;
  }

  get state(): ClientNonInviteState {
    return this.#state;
  }

  /** Sends the request and starts Timers E (UDP only) and F. */
  start(): void {
    this.#send();
    if (!this.#sender.reliable) this.#scheduleE(this.#timers.t1);
    this.#timerF = startLazily(this.#timerF, this.#clock, 64 * this.#timers.t1, () => {
      if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
      this.#terminate();
      this.#user.onTimeout();
    });
  }

  /** A response whose top Via branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return; // Completed absorbs them.
    if (response.status < 200) {
      this.#state = 'proceeding';
      this.#user.onResponse(response);
      return;
    }
    this.#state = 'completed';
    this.#timerE?.stop();
    this.#timerF?.stop();
    this.#user.onResponse(response);
    if (this.#sender.reliable) this.#terminate();
    else this.#timerK = startLazily(this.#timerK, this.#clock, this.#timers.t4, () => this.#terminate());
  }

  /** Stops all timers and forgets the transaction. */
  dispose(): void {
    this.#terminate();
  }

  #scheduleE(interval: number): void {
    this.#timerE = startLazily(this.#timerE, this.#clock, interval, () => {
      if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
      this.#send();
      // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
      this.#scheduleE(
        this.#state === 'proceeding' ? this.#timers.t2 : Math.min(2 * interval, this.#timers.t2),
      );
    });
  }

  #send(): void {
    this.#sender.send(this.request).catch((err: unknown) => {
      if (this.#state === 'terminated') return;
      this.#terminate();
      this.#user.onTransportError(err instanceof Error ? err : new Error(String(err)));
    });
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timerE?.stop();
    this.#timerF?.stop();
    this.#timerK?.stop();
    this.#user.onTerminated?.();
  }
}
