import type { Clock, TimerHandle } from './clock.js';

/** RFC 3261 §17.1.1.1 / Table 4 base timer values, in milliseconds. */
export interface SipTimerValues {
  /** RTT estimate, default 500 ms. */
  readonly t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  readonly t2: number;
  /** Maximum time a message remains in the network, default 5 s. */
  readonly t4: number;
}

/** The RFC 3261 defaults: T1 = 500 ms, T2 = 4 s, T4 = 5 s. */
export const DEFAULT_TIMER_VALUES: SipTimerValues = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/**
 * One named timer of a transaction (A, B, E, …): at most one pending callback, cancelled on restart.
 * Transactions create their slots on first start (`startLazily`), not up front: most run only one or two of
 * their four timers, and at 1000 calls/s every slot lives through the 32 s Timer L/J windows.
 */
export class TimerSlot {
  readonly #clock: Clock;
  #handle: TimerHandle;
  #pending = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** (Re)starts the timer. */
  start(ms: number, fn: () => void): void {
    this.stop();
    this.#pending = true;
    this.#handle = this.#clock.setTimeout(() => {
      this.#pending = false;
      fn();
    }, ms);
  }

  /** Cancels the timer if it is pending. */
  stop(): void {
    if (this.#pending) {
      this.#clock.clearTimeout(this.#handle);
      this.#pending = false;
    }
  }

  /** Whether a callback is pending. */
  get running(): boolean {
    return this.#pending;
  }
}

/** Starts `slot`, creating it on `clock` first if the timer never ran; returns the slot to keep. */
export function startLazily(
  slot: TimerSlot | undefined,
  clock: Clock,
  ms: number,
  fn: () => void,
): TimerSlot {
  const started = slot ?? new TimerSlot(clock);
  started.start(ms, fn);
  return started;
}
