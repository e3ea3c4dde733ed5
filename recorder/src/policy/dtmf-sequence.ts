/**
 * The recent DTMF digits of each stream of a call, for pause triggers (`pauseOn: "*1"`). Digits are kept per stream
 * (RFC 7866 forks each participant's media separately, so one party's sequence arrives on one stream and is never
 * interleaved with the other's), a pause of more than {@link INTER_DIGIT_MS} between digits starts a new sequence,
 * and non-digit events (flash, other RFC 4733 codes) break one. Digits are never logged: they may be card numbers.
 */

/** A gap this long between two digits starts a new sequence. */
export const INTER_DIGIT_MS = 5000;
/** Longest sequence kept (a trigger sequence has at most 64 digits, CRD `pauseOn`). */
const MAX_DIGITS = 64;
/** Streams tracked per call at most (a call has 2, Oracle 4). */
const MAX_STREAMS = 16;

/** Per-stream digit buffers of one call. */
export class DtmfSequence {
  readonly #streams = new Map<string, { digits: string; lastAt: number }>();

  /**
   * Adds one event and returns the stream's recent digits, ending with this one ('' for a non-digit event).
   * @param stream the stream's label (or channel) — whatever tells the streams apart
   * @param atMs when the event started (wall clock, ms)
   */
  push(stream: string, digit: string, atMs: number): string {
    let entry = this.#streams.get(stream);
    if (!entry) {
      if (this.#streams.size >= MAX_STREAMS) return '';
      entry = { digits: '', lastAt: atMs };
      this.#streams.set(stream, entry);
    }
    if (!/^[0-9A-D*#]$/.test(digit)) {
      entry.digits = '';
      return '';
    }
    if (atMs - entry.lastAt > INTER_DIGIT_MS) entry.digits = '';
    entry.lastAt = atMs;
    entry.digits = (entry.digits + digit).slice(-MAX_DIGITS);
    return entry.digits;
  }

  /** Forgets a stream's digits (a sequence was used: its digits must not count toward the next one). */
  clear(stream: string): void {
    const entry = this.#streams.get(stream);
    if (entry) entry.digits = '';
  }
}
