/**
 * The wall-clock timeline of one recording: places each channel's decoded audio at the right sample
 * position so that channels stay aligned and the file lasts as long as the call.
 *
 * A channel is anchored on the wall clock by the arrival time of its first packet (and again after any
 * discontinuity: SSRC change, timestamp jump, resume); after that its RTP timestamps place the audio, so
 * loss, DTX/CN and hold gaps become silence of exactly the right length. Sender clocks drift against ours
 * (a 0.1 % drift is 3.6 s per hour), so each channel keeps watching the offset between "where the RTP
 * timestamps put this frame" and "where the wall clock puts it": the minimum over a window (the
 * least-delayed packets) estimates the drift, and once it exceeds a tolerance the channel is shifted by
 * that many samples, preferably at a quiet frame (inserting silence or overwriting a few samples). A large
 * offset that persists (a sender that froze its RTP clock over a hold) re-anchors at once.
 *
 * Channels are buffered for `latencyMs` and handed to the sink (the WavWriter) interleaved, in blocks of
 * `blockMs`. A channel that lags behind the others by more than the latency (or has gone silent) is padded
 * with silence; audio that arrives after its position was written is dropped and counted.
 *
 * Driven by the caller: `write()` per decoded frame and `tick(now)` periodically; no timers of its own.
 */
import { Resampler } from '../../media/codecs/resampler.js';
import { Channel, OUTLIERS_TO_RESYNC, type TimelineChannelStats } from './timeline-channel.js';

/** Where interleaved blocks go; {@link WavWriter} implements it. */
export interface TimelineSink {
  /** `samples` is shared scratch, valid only during the call: copy what you keep. */
  write(samples: Int16Array, frames: number): void;
}

/** Options of {@link RecordingTimeline}. */
export interface RecordingTimelineOptions {
  /** Recorded streams, in offer order. */
  readonly channels: number;
  /** Recording sample rate (the widest codec's). */
  readonly sampleRate: number;
  /** Wall-clock time (ms) of the recording's first sample. */
  readonly startMs: number;
  readonly sink: TimelineSink;
  /** Block handed to the sink, ms; default 200. */
  readonly blockMs?: number;
  /** How long a lagging channel is waited for before it is padded with silence, ms; default 300. */
  readonly latencyMs?: number;
  /** Drift correction threshold, ms; default 5 (forced, even mid-speech, at 3×). */
  readonly driftToleranceMs?: number;
  /** Window of the drift estimator, ms; default 2000. */
  readonly driftWindowMs?: number;
  /** An offset beyond this (ms) for several consecutive frames re-anchors the channel; default 150. */
  readonly resyncMs?: number;
}

/** Timing of one decoded frame. */
export interface TimelineFrame {
  /** RTP timestamp of the frame's first sample. */
  readonly rtpTimestamp: number;
  /** RTP clock rate (8000 for G.722, whose audio is 16 kHz). */
  readonly clockRate: number;
  /** Sample rate of the PCM passed in; resampled to the recording rate when different. */
  readonly sampleRate: number;
  /** Wall-clock arrival time of the packet (ms). */
  readonly arrivalMs: number;
}

export type { TimelineChannelStats } from './timeline-channel.js';

const QUIET_PEAK = 1024;

/**
 * The interleaved block handed to sinks, shared by every timeline of the thread: sinks copy it during the call,
 * so one scratch serves hundreds of recordings instead of one block each.
 */
let interleaved = new Int16Array(0);

/** Aligns N channels on the wall clock and feeds a {@link TimelineSink} (see module comment). */
export class RecordingTimeline {
  readonly channels: number;
  readonly sampleRate: number;
  readonly startMs: number;
  readonly #sink: TimelineSink;
  readonly #chans: Channel[];
  readonly #block: number;
  readonly #latency: number;
  readonly #tolerance: number;
  readonly #windowMs: number;
  readonly #resync: number;
  readonly #capacity: number;
  /** Absolute position of the first sample not yet handed to the sink. */
  #flushed = 0;
  #paused = false;
  #closed = false;

  constructor(options: RecordingTimelineOptions) {
    if (!Number.isInteger(options.channels) || options.channels < 1)
      throw new RangeError('channels must be ≥ 1');
    if (!Number.isInteger(options.sampleRate) || options.sampleRate < 1000)
      throw new RangeError('bad sample rate');
    this.channels = options.channels;
    this.sampleRate = options.sampleRate;
    this.startMs = options.startMs;
    this.#sink = options.sink;
    const perMs = options.sampleRate / 1000;
    this.#block = Math.max(1, Math.round((options.blockMs ?? 200) * perMs));
    this.#latency = Math.round((options.latencyMs ?? 300) * perMs);
    this.#tolerance = (options.driftToleranceMs ?? 5) * perMs;
    this.#windowMs = options.driftWindowMs ?? 2000;
    this.#resync = (options.resyncMs ?? 150) * perMs;
    this.#capacity = this.#latency + 2 * this.#block;
    this.#chans = Array.from({ length: options.channels }, () => new Channel());
  }

  /** Counters of channel `index`. */
  stats(index: number): TimelineChannelStats {
    return this.#channel(index).stats;
  }

  /** Frames handed to the sink so far. */
  get framesFlushed(): number {
    return this.#flushed;
  }

  /** The next frame of `channel` is placed by its arrival time (after an SSRC change, jump or codec change). */
  discontinuity(channel: number): void {
    const ch = this.#channel(channel);
    ch.anchored = false;
    ch.resampler?.reset();
  }

  /** Places `count` samples (mono, `info.sampleRate`) of `channel` on the timeline. */
  write(channel: number, pcm: Int16Array, count: number, info: TimelineFrame): void {
    const ch = this.#channel(channel);
    if (this.#closed) return;
    if (this.#paused) {
      ch.stats.pausedFrames++;
      return;
    }
    let samples = pcm;
    let n = Math.min(count, pcm.length);
    let delay = 0;
    if (info.sampleRate !== this.sampleRate) {
      if (ch.resampler?.inputRate !== info.sampleRate) {
        ch.resampler = new Resampler(info.sampleRate, this.sampleRate);
        ch.anchored = false;
      }
      const r = ch.resampler;
      if (ch.scratch.length < r.maxOutput(n)) ch.scratch = new Int16Array(r.maxOutput(n) * 2);
      n = r.process(pcm, ch.scratch, n);
      samples = ch.scratch;
      delay = (r.delay * this.sampleRate) / r.inputRate;
    } else if (ch.resampler) {
      ch.resampler = undefined;
      ch.anchored = false;
    }
    const wallPos = ((info.arrivalMs - this.startMs) * this.sampleRate) / 1000;
    if (ch.clockRate !== info.clockRate) ch.anchored = false;
    if (!ch.anchored) {
      this.#releasePending(ch);
      this.#placeAt(ch, this.#anchor(ch, wallPos, info), info.rtpTimestamp, samples, n, delay);
    } else if (Math.abs(wallPos - this.#predict(ch, info.rtpTimestamp)) > this.#resync) {
      // Far off the wall clock: a network stall (the next frames come back in line) or a sender that froze
      // its RTP clock over a hold (they stay off). Hold the frames back until it is clear which.
      this.#stash(ch, samples, n, info.rtpTimestamp, wallPos, delay);
      if (ch.pendCount >= OUTLIERS_TO_RESYNC) {
        const base = this.#anchor(ch, ch.pendMeta[3]!, info);
        ch.lastTs = ch.pendMeta[0]!;
        ch.lastPos = base;
        this.#releasePending(ch);
      }
    } else {
      this.#releasePending(ch);
      const pos = this.#predict(ch, info.rtpTimestamp);
      const shift = this.#driftCorrection(ch, wallPos - pos, samples, n, info.arrivalMs);
      this.#placeAt(ch, pos + shift, info.rtpTimestamp, samples, n, delay);
    }
    ch.stats.framesWritten++;
    this.#flushReady(-Infinity);
  }

  /**
   * Hands out every block that is complete on all channels, and pads channels lagging more than the
   * latency behind the wall clock `now`. Call every few tens of ms.
   */
  tick(now: number): void {
    if (this.#closed) return;
    const wallPos = Math.floor(((now - this.startMs) * this.sampleRate) / 1000);
    this.#flushReady(wallPos - this.#latency);
  }

  /** Stops taking audio; the paused span becomes silence. */
  pause(now: number): void {
    this.tick(now);
    this.#paused = true;
  }

  /** Takes audio again; every channel re-anchors on its next frame's arrival time. */
  resume(now: number): void {
    this.#paused = false;
    for (const ch of this.#chans) {
      ch.anchored = false;
      ch.resampler?.reset();
    }
    this.tick(now);
  }

  /**
   * Writes everything up to the call's end `endMs` (padding every channel with silence, cutting audio
   * beyond it) and returns the recording's length in frames. Idempotent; later writes are ignored.
   */
  close(endMs: number): number {
    if (this.#closed) return this.#flushed;
    for (const ch of this.#chans) this.#releasePending(ch);
    const endPos = Math.max(this.#flushed, Math.round(((endMs - this.startMs) * this.sampleRate) / 1000));
    while (this.#flushed < endPos) this.#flushBlock(Math.min(this.#block, endPos - this.#flushed));
    this.#closed = true;
    return this.#flushed;
  }

  #channel(index: number): Channel {
    const ch = this.#chans[index];
    if (!ch) throw new RangeError(`no channel ${index}`);
    return ch;
  }

  /** Position the RTP timestamp gives, continuing from the channel's last frame. */
  #predict(ch: Channel, ts: number): number {
    return ch.lastPos + (((ts - ch.lastTs) | 0) * this.sampleRate) / ch.clockRate;
  }

  #placeAt(ch: Channel, pos: number, ts: number, samples: Int16Array, n: number, delay: number): void {
    ch.lastTs = ts >>> 0;
    ch.lastPos = pos;
    this.#place(ch, Math.round(pos - delay), samples, n);
  }

  #stash(ch: Channel, samples: Int16Array, n: number, ts: number, wallPos: number, delay: number): void {
    const at =
      ch.pendCount === 0
        ? 0
        : ch.pendMeta[(ch.pendCount - 1) * 5 + 1]! + ch.pendMeta[(ch.pendCount - 1) * 5 + 2]!;
    if (ch.pendBuf.length < at + n) {
      const grown = new Int16Array((at + n) * 2);
      grown.set(ch.pendBuf.subarray(0, at));
      ch.pendBuf = grown;
    }
    ch.pendBuf.set(samples.subarray(0, n), at);
    const m = ch.pendCount * 5;
    ch.pendMeta[m] = ts >>> 0;
    ch.pendMeta[m + 1] = at;
    ch.pendMeta[m + 2] = n;
    ch.pendMeta[m + 3] = wallPos;
    ch.pendMeta[m + 4] = delay;
    ch.pendCount++;
  }

  /** Places held-back frames by their timestamps, continuing from the channel's last frame. */
  #releasePending(ch: Channel): void {
    for (let i = 0; i < ch.pendCount; i++) {
      const m = i * 5;
      const ts = ch.pendMeta[m]!;
      const at = ch.pendMeta[m + 1]!;
      const n = ch.pendMeta[m + 2]!;
      this.#placeAt(ch, this.#predict(ch, ts), ts, ch.pendBuf.subarray(at, at + n), n, ch.pendMeta[m + 4]!);
    }
    ch.pendCount = 0;
  }

  #anchor(ch: Channel, wallPos: number, info: TimelineFrame): number {
    if (ch.clockRate !== 0) ch.stats.reanchors++;
    ch.anchored = true;
    ch.clockRate = info.clockRate;
    ch.windowStart = info.arrivalMs;
    ch.windowMin = Infinity;
    ch.pending = 0;
    return wallPos;
  }

  /** Returns the shift (samples) to apply to this frame's position, if a drift correction is due. */
  #driftCorrection(ch: Channel, offset: number, samples: Int16Array, n: number, arrivalMs: number): number {
    if (offset < ch.windowMin) ch.windowMin = offset;
    if (arrivalMs - ch.windowStart >= this.#windowMs) {
      ch.pending = Math.abs(ch.windowMin) > this.#tolerance ? Math.round(ch.windowMin) : 0;
      ch.windowStart = arrivalMs;
      ch.windowMin = Infinity;
    }
    if (ch.pending === 0) return 0;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const v = samples[i]!;
      if (v > peak) peak = v;
      else if (-v > peak) peak = -v;
    }
    if (peak > QUIET_PEAK && Math.abs(ch.pending) < 3 * this.#tolerance) return 0;
    const shift = ch.pending;
    ch.pending = 0;
    // Offsets measured in this window predate the shift; start the next estimate afresh.
    ch.windowMin = Infinity;
    ch.windowStart = arrivalMs;
    if (shift > 0) ch.stats.driftSamplesInserted += shift;
    else ch.stats.driftSamplesDropped -= shift;
    return shift;
  }

  #place(ch: Channel, start: number, samples: Int16Array, count: number): void {
    let s = start;
    let src = 0;
    let n = count;
    if (s < this.#flushed) {
      const skip = Math.min(n, this.#flushed - s);
      ch.stats.lateSamplesDropped += skip;
      src += skip;
      n -= skip;
      s = this.#flushed;
    }
    if (n <= 0) return;
    // Too far ahead of what was written: the other channels are lagging beyond any latency; pad them.
    const overflow = s + n - (this.#flushed + this.#capacity);
    if (overflow > 0) this.#flushUpTo(this.#flushed + overflow);
    const at = s - this.#flushed;
    if (ch.buf.length < at + n) this.#grow(ch, at + n);
    // A plain loop: a subarray view per frame would be garbage at every packet of every stream.
    const buf = ch.buf;
    for (let i = 0; i < n; i++) buf[at + i] = samples[src + i]!;
    if (s + n > ch.end) ch.end = s + n;
  }

  /** Flushes whole blocks up to where every channel has audio, or at least up to `atLeast`. */
  #flushReady(atLeast: number): void {
    let ready = Infinity;
    const chans = this.#chans;
    for (let c = 0; c < chans.length; c++) if (chans[c]!.end < ready) ready = chans[c]!.end;
    const target = Math.max(ready, atLeast);
    if (target - this.#flushed < this.#block) return;
    while (target - this.#flushed >= this.#block) this.#flushBlock(this.#block);
    // A channel that grew while it waited for the others (call start, a peer in DTX) needs two blocks again
    // once they caught up: give the rest back rather than hold the latency's worth for the whole call.
    const small = 2 * this.#block;
    for (const ch of this.#chans) {
      if (ch.buf.length > small && ch.end - this.#flushed <= this.#block) ch.buf = ch.buf.slice(0, small);
    }
  }

  #flushUpTo(target: number): void {
    while (this.#flushed < target) this.#flushBlock(Math.min(this.#block, target - this.#flushed));
  }

  /** Doubles the channel's buffer (at least to `needed`), keeping it within the capacity. */
  #grow(ch: Channel, needed: number): void {
    const size = Math.min(this.#capacity, Math.max(needed, 2 * ch.buf.length, 2 * this.#block));
    const grown = new Int16Array(size);
    grown.set(ch.buf);
    ch.buf = grown;
  }

  #flushBlock(frames: number): void {
    const nch = this.channels;
    if (interleaved.length < frames * nch) interleaved = new Int16Array(frames * nch);
    const out = interleaved;
    for (let c = 0; c < nch; c++) {
      const ch = this.#chans[c]!;
      const buf = ch.buf;
      const have = Math.max(0, Math.min(frames, buf.length, ch.end - this.#flushed));
      let i = 0;
      let o = c;
      for (; i < have; i++, o += nch) out[o] = buf[i]!;
      for (; i < frames; i++, o += nch) out[o] = 0;
    }
    this.#sink.write(out, frames);
    for (const ch of this.#chans) {
      // Beyond `end` the buffer is all silence, so only the audio written past this block moves, and only the
      // places it leaves are cleared: not the whole buffer, at every block of every recording.
      const buf = ch.buf;
      const live = Math.min(ch.end - this.#flushed, buf.length);
      if (live > frames) {
        buf.copyWithin(0, frames, live);
        buf.fill(0, live - frames, live);
      } else if (live > 0) {
        buf.fill(0, 0, live);
      }
    }
    this.#flushed += frames;
    for (const ch of this.#chans) if (ch.end < this.#flushed) ch.end = this.#flushed;
  }
}
