/**
 * How many takeovers run at once (DESIGN.md §8). When a recorder dies, all of its calls arrive at a survivor
 * together; each takeover is a few store and media-worker round trips plus a few milliseconds of main-thread work.
 * Started all at once they interleave, so every call waits for nearly the whole burst, and store commands wait long
 * enough behind the busy main thread to time out (503). A window of takeovers in flight, in arrival order, lets each
 * one finish as soon as its own work is done while still overlapping enough round trips to keep the store and the
 * workers busy. Requests keep being received meanwhile: their transactions answer retransmissions (and the
 * INVITE's 100 Trying has gone out), so a waiting takeover costs the SRC nothing but its turn.
 */

/** A counting semaphore handing out its slots in request order. */
export class TakeoverWindow {
  readonly #size: number;
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('the window holds at least one takeover');
    this.#size = size;
  }

  /** Takeovers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` once a slot is free; the slot is given back however it ends. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next in line: #running stays the same.
      if (next) next();
      else this.#running--;
    }
  }
}
