import type { Clock, TimerHandle } from '../../../../recorder/src/sip/transaction/clock.js';

interface Scheduled {
  readonly id: number;
  readonly at: number;
  fn: () => void;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/**
 * A deterministic clock for the SIP state machines: time only moves when the test calls `tick`, and
 * timers fire in due-time order (ties in scheduling order), each seeing `now()` equal to its due time.
 * A binary heap with lazy cancellation keeps it fast with tens of thousands of pending timers.
 */
export class FakeClock implements Clock {
  #now = 0;
  #nextId = 1;
  readonly #heap: Scheduled[] = [];
  readonly #live = new Map<number, Scheduled>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: Scheduled = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#live.set(t.id, t);
    this.#push(t);
    return t.id;
  }

  clearTimeout(handle: TimerHandle): void {
    const t = this.#live.get(handle as number);
    if (!t) return;
    // Like a real clearTimeout, drop the callback now so it retains nothing until its slot is popped.
    t.fn = () => undefined;
    this.#live.delete(t.id);
  }

  /** Advances time by `ms`, firing every timer that falls due (including ones scheduled meanwhile). */
  tick(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.at > end) break;
      this.#pop();
      if (!this.#live.delete(top.id)) continue;
      this.#now = top.at;
      top.fn();
    }
    this.#now = end;
  }

  /** Number of pending (not cancelled) timers. */
  get pending(): number {
    return this.#live.size;
  }

  #push(t: Scheduled): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
