/**
 * A memo of a pure string function for the SIP message path: one message's Via, From and To values are read by
 * the parser, the transaction layer, the core and the dialog layer — four to eight times each per call — and
 * every read used to parse them again. Bounded: when full it starts over, so junk values from a peer cost at most
 * `capacity` entries. Only for functions whose results are immutable (strings, frozen objects).
 */
export class BoundedMemo<T> {
  readonly #compute: (key: string) => T;
  readonly #capacity: number;
  readonly #maxKeyLength: number;
  readonly #entries = new Map<string, T>();

  /**
   * @param capacity entries kept before the memo starts over
   * @param maxKeyLength longer keys are computed every time, never kept (bounds the memory to about
   *   capacity × maxKeyLength)
   */
  constructor(compute: (key: string) => T, capacity = 256, maxKeyLength = 1024) {
    this.#compute = compute;
    this.#capacity = capacity;
    this.#maxKeyLength = maxKeyLength;
  }

  /** `compute(key)`, from the memo when it was computed recently. A throw is passed on and not remembered. */
  get(key: string): T {
    const hit = this.#entries.get(key);
    if (hit !== undefined || this.#entries.has(key)) return hit as T;
    const value = this.#compute(key);
    if (key.length <= this.#maxKeyLength) {
      if (this.#entries.size >= this.#capacity) this.#entries.clear();
      this.#entries.set(key, value);
    }
    return value;
  }
}
