/** An opaque handle for a scheduled callback. */
export type TimerHandle = unknown;

/**
 * Time as the SIP stack sees it. Injected everywhere a timer runs so tests drive every state machine with a
 * fake clock instead of waiting (STYLE.md: time is injectable).
 */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale (only differences matter). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. Timers are unref'd: SIP timers alone must not keep a process alive once its sockets are
 * closed.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
