/**
 * The per-channel state of a {@link RecordingTimeline}: its buffer of samples not yet handed to the sink, its
 * anchoring on the wall clock, the drift estimator, frames held back while a large offset is unconfirmed, and
 * its counters.
 */
import type { Resampler } from '../../media/codecs/resampler.js';

/** Per-channel counters. */
export interface TimelineChannelStats {
  framesWritten: number;
  /** Samples that arrived after their position had been written. */
  lateSamplesDropped: number;
  driftSamplesInserted: number;
  driftSamplesDropped: number;
  reanchors: number;
  /** Frames discarded because the recording was paused. */
  pausedFrames: number;
}

/** Frames held back before a persistent large offset re-anchors a channel. */
export const OUTLIERS_TO_RESYNC = 5;

const EMPTY = new Int16Array(0);

/** One channel of a timeline. */
export class Channel {
  /**
   * Samples from the first position not yet flushed on. Grows on demand up to the timeline's capacity: a stream
   * that keeps up needs about two blocks, and one that never sends needs nothing. Beyond its length, silence.
   */
  buf: Int16Array = EMPTY;
  /** Absolute position just past the last sample written. */
  end = 0;
  anchored = false;
  clockRate = 0;
  lastTs = 0;
  lastPos = 0;
  windowStart = 0;
  windowMin = Infinity;
  pending = 0;
  /** Frames held back while an offset beyond `resyncMs` is unconfirmed: samples, and (ts, at, n, wallPos, delay). */
  pendBuf = new Int16Array(0);
  readonly pendMeta = new Float64Array(OUTLIERS_TO_RESYNC * 5);
  pendCount = 0;
  resampler: Resampler | undefined;
  scratch = new Int16Array(0);
  readonly stats: TimelineChannelStats = {
    framesWritten: 0,
    lateSamplesDropped: 0,
    driftSamplesInserted: 0,
    driftSamplesDropped: 0,
    reanchors: 0,
    pausedFrames: 0,
  };
}
