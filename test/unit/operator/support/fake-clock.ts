/**
 * A fake Clock for unit tests: time moves only when the test advances it, firing due timers in order.
 */
import type { Clock, TimerHandle } from '../../../../operator/src/runtime/clock.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/** The fake clock. */
export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  #timers: Timer[] = [];

  constructor(startMs = Date.UTC(2025, 0, 15, 10, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#next++, due: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle.id);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.due - b.due || a.id - b.id);
      const t = this.#timers[0];
      if (!t || t.due > target) break;
      this.#timers.shift();
      this.#now = t.due;
      t.fn();
    }
    this.#now = target;
  }
}
