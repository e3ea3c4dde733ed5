/**
 * The output side of one recording inside a media worker: the wall-clock {@link RecordingTimeline} feeding one
 * multi-channel {@link WavWriter}, and a {@link RawFrameWriter} per G.729 stream.
 *
 * Layout (DESIGN.md §3): one channel per recorded stream in offer order, at the sample rate of the widest codec.
 * The layout is fixed by the first configuration that has recorded streams (the initial offer): a WAV cannot grow
 * channels mid-file, so a stream added later by a re-INVITE is received, counted and its DTMF kept, but has no
 * channel (the sidecar says `inWav: false`). A stream whose codec changes later is resampled to the fixed rate.
 *
 * Every two seconds the writer flushes what it has to the file (so a crash loses little) and times that flush:
 * the write latency the metrics report.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import {
  RecordingTimeline,
  type TimelineChannelStats,
  type TimelineFrame,
} from '../../recording/wav/recording-timeline.js';
import { WavWriter, type WavResult } from '../../recording/wav/wav-writer.js';
import { RawFrameWriter } from '../../recording/wav/raw-frame-writer.js';
import type { WavError } from '../../recording/wav/wav-error.js';
import type { MediaCodecName } from '../engine/engine-protocol.js';

/** Options of {@link RecordingWriter.create}. */
export interface RecordingWriterOptions {
  readonly recordingId: string;
  readonly directory: string;
  /** Wall-clock time (ms) of the call's start: sample 0 of the file. */
  readonly startMs: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly now: () => number;
  readonly onError: (err: WavError) => void;
  /** How long a lagging channel is waited for before silence is written in its place, ms; default 400. */
  readonly latencyMs?: number;
}

/** See the timeline options in the constructor. */
const DRIFT_TOLERANCE_MS = 20;
const RESYNC_MS = 1000;

/** Periodic flush interval; also how often the write latency is sampled. */
const FLUSH_INTERVAL_MS = 2000;

/** The recording rate a codec needs (G.722 decodes to 16 kHz although its RTP clock is 8 kHz). */
export function codecSampleRate(codec: MediaCodecName): number {
  switch (codec) {
    case 'G722':
      return 16000;
    case 'OPUS':
      return 48000;
    default:
      return 8000;
  }
}

/** Timeline + WAV (+ raw files) of one recording. */
export class RecordingWriter {
  readonly path: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly #timeline: RecordingTimeline;
  readonly #wav: WavWriter;
  readonly #directory: string;
  readonly #recordingId: string;
  readonly #onError: (err: WavError) => void;
  readonly #raw = new Map<number, RawFrameWriter>();
  readonly #latencies: number[] = [];
  #lastFlushAt: number;
  #flushing: Promise<void> | undefined;
  #finished: Promise<WavResult> | undefined;

  private constructor(options: RecordingWriterOptions, wav: WavWriter) {
    this.path = wav.path;
    this.channels = options.channels;
    this.sampleRate = options.sampleRate;
    this.#wav = wav;
    this.#directory = options.directory;
    this.#recordingId = options.recordingId;
    this.#onError = options.onError;
    this.#lastFlushAt = options.now();
    this.#timeline = new RecordingTimeline({
      channels: options.channels,
      sampleRate: options.sampleRate,
      startMs: options.startMs,
      sink: wav,
      blockMs: 100,
      latencyMs: options.latencyMs ?? 400,
      // Offsets below this are arrival jitter around the anchoring packet, not clock drift: correcting them would
      // cut or repeat a few ms of audio for nothing. 20 ms is also below what a listener hears between channels.
      driftToleranceMs: DRIFT_TOLERANCE_MS,
      // A worker that was not scheduled for a few hundred ms (a busy host) reads a burst of late packets; that is
      // not a sender that froze its RTP clock, so only a much larger persistent offset re-anchors. Holds announced
      // by re-INVITE re-anchor anyway (StreamReceiver), as do RTP timestamp jumps (jitter buffer).
      resyncMs: RESYNC_MS,
    });
  }

  /** Creates `<directory>/<recordingId>.wav.part`. */
  static async create(options: RecordingWriterOptions): Promise<RecordingWriter> {
    const wav = await WavWriter.create({
      path: join(options.directory, `${options.recordingId}.wav`),
      channels: options.channels,
      sampleRate: options.sampleRate,
      // Half a second per file write: 2 writes/s per recording keeps the thread pool and syscalls cheap at
      // hundreds of calls per worker (16 KB of buffer for an 8 kHz two-channel call).
      blockMs: 500,
      now: options.now,
      onError: options.onError,
    });
    return new RecordingWriter(options, wav);
  }

  /** The raw-frame writer of a G.729 stream, created on first use; undefined until it exists. */
  rawWriter(channel: number): RawFrameWriter | undefined {
    return this.#raw.get(channel);
  }

  /** Opens the raw-frame file of a G.729 stream (idempotent per channel). */
  async openRaw(channel: number, payloadType: number, clockRate: number): Promise<RawFrameWriter> {
    const existing = this.#raw.get(channel);
    if (existing) return existing;
    const writer = await RawFrameWriter.create({
      path: join(this.#directory, `${this.#recordingId}.ch${channel}.g729.raw`),
      encodingName: 'G729',
      payloadType,
      clockRate,
      onError: this.#onError,
    });
    this.#raw.set(channel, writer);
    return writer;
  }

  /** The timeline's counters of `channel` (anchoring, drift corrections, audio that came too late). */
  timelineStats(channel: number): TimelineChannelStats | undefined {
    return channel >= 0 && channel < this.channels ? this.#timeline.stats(channel) : undefined;
  }

  /** Whether `channel` has a place in the WAV. */
  hasChannel(channel: number): boolean {
    return channel >= 0 && channel < this.channels;
  }

  /** Places decoded audio of `channel` (ignored for channels outside the layout). */
  write(channel: number, pcm: Int16Array, count: number, info: TimelineFrame): void {
    if (channel >= 0 && channel < this.channels) this.#timeline.write(channel, pcm, count, info);
  }

  /** The next frame of `channel` is placed by its arrival time (SSRC change, jump, resume after hold). */
  discontinuity(channel: number): void {
    if (channel >= 0 && channel < this.channels) this.#timeline.discontinuity(channel);
  }

  /** Lets the timeline pad lagging channels and hand out blocks; flushes to the file every two seconds. */
  tick(now: number): void {
    this.#timeline.tick(now);
    if (
      this.#flushing === undefined &&
      this.#finished === undefined &&
      now - this.#lastFlushAt >= FLUSH_INTERVAL_MS
    ) {
      this.#lastFlushAt = now;
      const started = performance.now();
      this.#flushing = this.#wav.flush().then(
        () => {
          if (this.#latencies.length < 64) this.#latencies.push((performance.now() - started) / 1000);
          this.#flushing = undefined;
        },
        () => {
          // The failure reached onError already; later audio is discarded by the writer.
          this.#flushing = undefined;
        },
      );
    }
  }

  /** Takes the write latencies measured since the last call. */
  drainLatencies(into: number[]): void {
    for (const l of this.#latencies) into.push(l);
    this.#latencies.length = 0;
  }

  pause(now: number): void {
    this.#timeline.pause(now);
  }

  resume(now: number): void {
    this.#timeline.resume(now);
  }

  /** Writes everything up to `endMs`, renames the files into place and returns the WAV's figures. Idempotent. */
  finalize(endMs: number): Promise<WavResult> {
    this.#finished ??= (async () => {
      this.#timeline.close(endMs);
      if (this.#flushing) await this.#flushing;
      const raws = [...this.#raw.values()].map((r) => r.finalize());
      const result = await this.#wav.finalize();
      await Promise.all(raws);
      return result;
    })();
    return this.#finished;
  }

  /** Closes without finishing: the `.part` files are removed by the caller or left for repair. */
  async abort(): Promise<void> {
    await this.#wav.abort();
  }
}
