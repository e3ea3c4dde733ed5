import type { Clock } from '../transaction/clock.js';
import { TimerSlot, type SipTimerValues } from '../transaction/timers.js';

/** Callbacks of an `Invite2xxRetransmitter`. */
export interface Invite2xxDelegate {
  /** Pass the 2xx to the transport again. */
  retransmit(): void;
  /** 64·T1 passed without an ACK (§13.3.1.4: "the UAS … SHOULD terminate the dialog"). */
  onAckTimeout(): void;
  /** The retransmitter is finished (64·T1 after the 2xx); its entry can be forgotten. */
  onDone(): void;
}

/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): "the 2xx response is passed to the transport
 * with an interval that starts at T1 seconds and doubles for each retransmission until it reaches T2
 * seconds … Response retransmissions cease when an ACK request for the response is received. This is
 * independent of whatever transport protocols are used to send the response." After 64·T1 without ACK
 * the TU is told. The object stays alive until 64·T1 either way so retransmitted ACKs are absorbed.
 */
export class Invite2xxRetransmitter {
  readonly #timers: SipTimerValues;
  readonly #delegate: Invite2xxDelegate;
  readonly #retransmit: TimerSlot;
  readonly #lifetime: TimerSlot;
  #acked = false;
  #done = false;

  constructor(clock: Clock, timers: SipTimerValues, delegate: Invite2xxDelegate) {
    this.#timers = timers;
    this.#delegate = delegate;
    this.#retransmit = new TimerSlot(clock);
    this.#lifetime = new TimerSlot(clock);
  }

  /** Call right after the first 2xx was sent. */
  start(): void {
    this.#schedule(this.#timers.t1);
    this.#lifetime.start(64 * this.#timers.t1, () => {
      this.#retransmit.stop();
      this.#done = true;
      if (!this.#acked) this.#delegate.onAckTimeout();
      this.#delegate.onDone();
    });
  }

  /** An ACK matched. Returns true for the first one (to pass to the TU), false for retransmissions. */
  ack(): boolean {
    if (this.#acked || this.#done) return false;
    this.#acked = true;
    this.#retransmit.stop();
    return true;
  }

  /** Whether the ACK arrived. */
  get acked(): boolean {
    return this.#acked;
  }

  /** Stops everything without callbacks (core shutdown). */
  dispose(): void {
    this.#done = true;
    this.#retransmit.stop();
    this.#lifetime.stop();
  }

  #schedule(interval: number): void {
    this.#retransmit.start(interval, () => {
      if (this.#acked || this.#done) return;
      this.#delegate.retransmit();
      this.#schedule(Math.min(2 * interval, this.#timers.t2));
    });
  }
}
