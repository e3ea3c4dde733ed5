import { SipHeaders } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Clock } from './clock.js';
import type { ClientTransactionUser, TransactionSender } from './delegates.js';
import { DEFAULT_TIMER_VALUES, startLazily, type SipTimerValues, type TimerSlot } from './timers.js';

/** States of RFC 3261 §17.1.1 Figure 5, with the Accepted state of RFC 6026 §7.2. */
export type ClientInviteState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/**
 * The INVITE client transaction (RFC 3261 §17.1.1, as updated by RFC 6026).
 *
 * ```
 *   send INVITE → Calling  (Timer A resends on UDP, doubling; Timer B = 64·T1 → timeout)
 *      1xx → Proceeding
 *      2xx → Accepted (Timer M = 64·T1; 2xx retransmissions go to the TU, which ACKs them)
 *      300-699 → Completed: ACK sent here (§17.1.1.3), Timer D (32 s UDP, 0 reliable) → Terminated
 * ```
 */
export class ClientInviteTransaction {
  readonly request: SipRequest;
  #state: ClientInviteState = 'calling';
  #ack: SipRequest | undefined;
  readonly #sender: TransactionSender;
  readonly #user: ClientTransactionUser;
  readonly #timers: SipTimerValues;
  readonly #clock: Clock;
  // Created on first start: most transactions run only some of their timers.
  #timerA: TimerSlot | undefined;
  #timerB: TimerSlot | undefined;
  #timerD: TimerSlot | undefined;
  #timerM: TimerSlot | undefined;

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

  get state(): ClientInviteState {
    return this.#state;
  }

  /** Sends the INVITE and starts Timers A (UDP only) and B. */
  start(): void {
    this.#send(this.request);
    if (!this.#sender.reliable) this.#scheduleA(this.#timers.t1);
    this.#timerB = startLazily(this.#timerB, this.#clock, 64 * this.#timers.t1, () => {
      if (this.#state !== 'calling') return;
      this.#terminate();
      this.#user.onTimeout();
    });
  }

  /** A response whose top Via branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.#state) {
      case 'calling':
      case 'proceeding':
        this.#timerA?.stop();
        if (status < 200) {
          // §17.1.1.2: a provisional response stops retransmissions; Timer B only guards Calling.
          this.#state = 'proceeding';
          this.#timerB?.stop();
          this.#user.onResponse(response);
        } else if (status < 300) {
          this.#timerB?.stop();
          this.#state = 'accepted';
          this.#timerM = startLazily(this.#timerM, this.#clock, 64 * this.#timers.t1, () =>
            this.#terminate(),
          );
          this.#user.onResponse(response);
        } else {
          this.#timerB?.stop();
          this.#state = 'completed';
          this.#ack = this.#buildAck(response);
          this.#send(this.#ack);
          this.#user.onResponse(response);
          // Timer D: at least 32 s on UDP to answer response retransmissions with ACK; zero when reliable.
          if (this.#sender.reliable) this.#terminate();
          else
            this.#timerD = startLazily(this.#timerD, this.#clock, Math.max(32000, 64 * this.#timers.t1), () =>
              this.#terminate(),
            );
        }
        return;
      case 'completed':
        // §17.1.1.2: retransmissions of the final response are answered with the ACK, not passed up.
        if (status >= 300 && this.#ack) this.#send(this.#ack);
        return;
      case 'accepted':
        // RFC 6026 §7.2: retransmitted 2xx go to the TU, which re-sends its ACK.
        if (status >= 200 && status < 300) this.#user.onResponse(response);
        return;
      case 'terminated':
        return;
    }
  }

  /** Stops all timers and forgets the transaction. */
  dispose(): void {
    this.#terminate();
  }

  /**
   * §17.1.1.3: the ACK for a non-2xx final response — same Request-URI, Call-ID, From, CSeq number and
   * top Via as the INVITE, To from the response (it carries the UAS tag), Route headers of the INVITE.
   */
  #buildAck(response: SipResponse): SipRequest {
    const inv = this.request.headers;
    const headers = new SipHeaders();
    const topVia = inv.first('Via');
    if (topVia !== undefined) headers.append('Via', topVia);
    for (const route of inv.getAll('Route')) headers.append('Route', route);
    headers.append('Max-Forwards', inv.get('Max-Forwards') ?? '70');
    headers.append('From', inv.get('From') ?? '');
    headers.append('To', response.headers.get('To') ?? inv.get('To') ?? '');
    headers.append('Call-ID', inv.get('Call-ID') ?? '');
    const seq = (inv.get('CSeq') ?? '').trim().split(/\s+/)[0] ?? '1';
    headers.append('CSeq', `${seq} ACK`);
    return { type: 'request', method: 'ACK', uri: this.request.uri, headers, body: Buffer.alloc(0) };
  }

  #scheduleA(interval: number): void {
    this.#timerA = startLazily(this.#timerA, this.#clock, interval, () => {
      if (this.#state !== 'calling') return;
      this.#send(this.request);
      // §17.1.1.2: Timer A doubles each time (no T2 cap for INVITE requests); Timer B ends it.
      this.#scheduleA(2 * interval);
    });
  }

  #send(request: SipRequest): void {
    this.#sender.send(request).catch((err: unknown) => {
      if (this.#state === 'terminated') return;
      this.#terminate();
      this.#user.onTransportError(err instanceof Error ? err : new Error(String(err)));
    });
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timerA?.stop();
    this.#timerB?.stop();
    this.#timerD?.stop();
    this.#timerM?.stop();
    this.#user.onTerminated?.();
  }
}
