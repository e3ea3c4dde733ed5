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
 *
 * The WAV's `.part` file is created by the first decoded audio, not when the streams are configured: a call that
 * is refused, cancelled or never sends RTP costs no file operation until it ends, and then its file (silence of
 * the call's length, left as a hole) is written once. Silence before the first audio is only counted. So after a
 * crash, a call that had audio has its `.part` for the start-up repair; one that had none has nothing to repair.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import {
  RecordingTimeline,
  type TimelineChannelStats,
  type TimelineFrame,
  type TimelineSink,
} from '../../recording/wav/recording-timeline.js';
import { WavWriter, type WavResult } from '../../recording/wav/wav-writer.js';
import { RawFrameWriter } from '../../recording/wav/raw-frame-writer.js';
import { WavError } from '../../recording/wav/wav-error.js';
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
  /** The WAV's final path (`.part` appended while it is written). */
  readonly path: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly #options: RecordingWriterOptions;
  readonly #timeline: RecordingTimeline;
  readonly #raw = new Map<number, RawFrameWriter>();
  readonly #latencies: number[] = [];
  /** Where the timeline's interleaved blocks go, in order. */
  readonly #sink: TimelineSink = { write: (samples, frames) => this.#onBlock(samples, frames) };
  /** The WAV, once its file is open. */
  #wav: WavWriter | undefined;
  /** Opening the WAV's file, from the first audio on; undefined before. */
  #opening: Promise<WavWriter | undefined> | undefined;
  /** Silence the timeline handed out before the first audio: the file starts with it. */
  #silentFrames = 0;
  /** Blocks handed out while the file was being opened (a few ms of audio at most). */
  #held: Int16Array[] = [];
  #lastFlushAt: number;
  #flushing: Promise<void> | undefined;
  #finished: Promise<WavResult> | undefined;
  #aborted = false;

  private constructor(options: RecordingWriterOptions) {
    this.path = join(options.directory, `${options.recordingId}.wav`);
    this.channels = options.channels;
    this.sampleRate = options.sampleRate;
    this.#options = options;
    this.#lastFlushAt = options.now();
    this.#timeline = new RecordingTimeline({
      channels: options.channels,
      sampleRate: options.sampleRate,
      startMs: options.startMs,
      sink: this.#sink,
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

  /** A writer for `<directory>/<recordingId>.wav`; its `.part` file is created by the first audio. */
  static create(options: RecordingWriterOptions): RecordingWriter {
    return new RecordingWriter(options);
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
      path: join(this.#options.directory, `${this.#options.recordingId}.ch${channel}.g729.raw`),
      encodingName: 'G729',
      payloadType,
      clockRate,
      onError: this.#options.onError,
    });
    this.#raw.set(channel, writer);
    // Its audio never reaches the timeline, so the WAV beside the raw frames is created now (a crash then leaves
    // both for the start-up repair, as for a call with decoded audio). G.729 calls are rare.
    this.#opening ??= this.#openWav();
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
    if (channel < 0 || channel >= this.channels) return;
    this.#opening ??= this.#openWav();
    this.#timeline.write(channel, pcm, count, info);
  }

  #onBlock(samples: Int16Array, frames: number): void {
    if (this.#wav !== undefined) this.#wav.write(samples, frames);
    else if (this.#opening === undefined) this.#silentFrames += frames;
    else this.#held.push(samples.slice(0, frames * this.channels));
  }

  /** The next frame of `channel` is placed by its arrival time (SSRC change, jump, resume after hold). */
  discontinuity(channel: number): void {
    if (channel >= 0 && channel < this.channels) this.#timeline.discontinuity(channel);
  }

  /** Lets the timeline pad lagging channels and hand out blocks; flushes to the file every two seconds. */
  tick(now: number): void {
    this.#timeline.tick(now);
    const wav = this.#wav;
    if (
      wav !== undefined &&
      this.#flushing === undefined &&
      this.#finished === undefined &&
      now - this.#lastFlushAt >= FLUSH_INTERVAL_MS
    ) {
      this.#lastFlushAt = now;
      const started = performance.now();
      this.#flushing = wav.flush().then(
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
      // A call without audio gets its file now: silence of the call's length, written once.
      const wav = await (this.#opening ??= this.#openWav());
      if (this.#flushing) await this.#flushing;
      const raws = [...this.#raw.values()].map((r) => r.finalize());
      if (wav === undefined) throw new WavError('WAV_WRITE_FAILED', `cannot create ${this.path}.part`);
      const result = await wav.finalize();
      await Promise.all(raws);
      return result;
    })();
    return this.#finished;
  }

  /** Closes without finishing: the `.part` files are removed by the caller or left for repair. */
  async abort(): Promise<void> {
    this.#aborted = true;
    const wav = await this.#opening;
    await wav?.abort();
  }

  /** Creates the `.part` file; what the timeline hands out meanwhile is held and written after the silence. */
  async #openWav(): Promise<WavWriter | undefined> {
    const options = this.#options;
    let wav: WavWriter;
    try {
      wav = await WavWriter.create({
        path: this.path,
        channels: this.channels,
        sampleRate: this.sampleRate,
        // Half a second per file write: 2 writes/s per recording keeps the thread pool and syscalls cheap at
        // hundreds of calls per worker. The block comes from a pool shared by the worker's recordings.
        blockMs: 500,
        now: options.now,
        onError: options.onError,
        silentFrames: this.#silentFrames,
      });
    } catch (err) {
      this.#held = [];
      options.onError(err as WavError);
      return undefined;
    }
    for (const block of this.#held) wav.write(block, block.length / this.channels);
    this.#held = [];
    if (this.#aborted) {
      await wav.abort();
      return undefined;
    }
    this.#wav = wav;
    return wav;
  }
}
