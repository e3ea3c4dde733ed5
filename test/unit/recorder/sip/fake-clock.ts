import type { Clock, TimerHandle } from '../../../../recorder/src/sip/transaction/clock.js';

interface Scheduled {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A deterministic clock for the SIP state machines: time only moves when the test calls `tick`, and
 * timers fire in due-time order (ties in scheduling order), each seeing `now()` equal to its due time.
 */
export class FakeClock implements Clock {
  #now = 0;
  #nextId = 1;
  #timers: Scheduled[] = [];

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: Scheduled = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(t);
    return t.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Advances time by `ms`, firing every timer that falls due (including ones scheduled meanwhile). */
  tick(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const t of this.#timers)
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#timers.length;
  }
}
