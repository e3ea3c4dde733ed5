/**
 * The spans of a recording during which no audio was taken, for the sidecar: `hold` when the SRC made every
 * recorded stream inactive (`a=inactive`, `c=0.0.0.0` — INTEROP §4, the way jambonz, mod_siprec, OpenSIPS and
 * BroadWorks pause), `pause` when the recorder was told to stop (HTTP API, a RecordingPolicy's DTMF rule). A
 * compliance reviewer needs them to tell a deliberate gap from lost audio; the WAV only shows silence.
 */
import type { SdpOffer } from '../sdp/types.js';

export type PauseReason = 'hold' | 'pause';

/** One span, epoch ms; `end` is null while it lasts. */
export interface PauseInterval {
  readonly reason: PauseReason;
  readonly start: number;
  end: number | null;
}

/** As the sidecar shows it (ISO times; a span still open when the call ended ends with the call). */
export interface SidecarPause {
  readonly reason: PauseReason;
  readonly start: string;
  readonly end: string | null;
}

/**
 * An SRC toggling hold in a loop must not grow the session (and its stored form) without bound: past this many
 * spans the two oldest closed ones of a reason become one span from the first's start to the second's end (the
 * sidecar then over-states a span rather than forgetting one).
 */
export const MAX_PAUSE_INTERVALS = 200;

export class PauseIntervals {
  readonly #spans: PauseInterval[] = [];

  /** Restores spans from the session store (failover); malformed entries were refused by the store's codec. */
  static from(spans: readonly PauseInterval[]): PauseIntervals {
    const intervals = new PauseIntervals();
    for (const s of spans.slice(-MAX_PAUSE_INTERVALS)) intervals.#spans.push({ ...s });
    return intervals;
  }

  /** Opens a span of `reason` at `now` when `active` and none is open, closes the open one when not. */
  set(reason: PauseReason, active: boolean, now: number): void {
    const open = this.#spans.find((s) => s.reason === reason && s.end === null);
    if (active && !open) {
      this.#spans.push({ reason, start: now, end: null });
      if (this.#spans.length > MAX_PAUSE_INTERVALS) this.#mergeOldest();
    } else if (!active && open) {
      open.end = Math.max(now, open.start);
    }
  }

  /** Whether a span of `reason` is open. */
  isOpen(reason: PauseReason): boolean {
    return this.#spans.some((s) => s.reason === reason && s.end === null);
  }

  toJSON(): PauseInterval[] {
    return this.#spans.map((s) => ({ ...s }));
  }

  /** The sidecar's `pauses[]`; spans still open end at `endedAt` once the call is over. */
  toSidecar(endedAt: number | undefined): SidecarPause[] {
    return this.#spans.map((s) => {
      const end = s.end ?? endedAt ?? null;
      return {
        reason: s.reason,
        start: new Date(s.start).toISOString(),
        end: end === null ? null : new Date(Math.max(end, s.start)).toISOString(),
      };
    });
  }

  /** Folds the two oldest closed spans of the same reason into one covering both. */
  #mergeOldest(): void {
    for (let i = 0; i < this.#spans.length; i++) {
      const a = this.#spans[i]!;
      if (a.end === null) continue;
      for (let j = i + 1; j < this.#spans.length; j++) {
        const b = this.#spans[j]!;
        if (b.reason !== a.reason || b.end === null) continue;
        this.#spans.splice(j, 1);
        a.end = Math.max(a.end, b.end);
        return;
      }
    }
  }
}

/**
 * Whether an offer puts the call on hold: every audio stream it offers (port ≠ 0) is `a=inactive` or on
 * `c=0.0.0.0`. Decided from the offer, not from our answer, because a RecordingPolicy's skip also answers
 * `inactive` and that is not the SRC holding.
 */
export function offerHolds(offer: SdpOffer): boolean {
  const audio = offer.media.filter((m) => m.kind === 'audio' && m.port !== 0);
  return audio.length > 0 && audio.every((m) => m.onHold || m.direction === 'inactive');
}
