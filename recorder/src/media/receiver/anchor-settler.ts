/**
 * Steadies where a stream's audio is anchored on the recording's wall clock.
 *
 * The timeline anchors a channel by the arrival time of its first frame (and again after a discontinuity). That
 * time is when the worker got to the packet, not when it arrived: on a busy machine one stream's first packet
 * may be read tens of ms after another's, and the channels would be that far apart for the whole call. So the
 * first few frames of each anchoring are held back (100 ms of audio), the least-delayed of them (smallest
 * arrival − RTP time) is taken as the true arrival of the segment, and the frames are handed on with arrival
 * times derived from it. After that, frames pass straight through with their real arrival times, for the
 * timeline's drift estimate. Frames wait at most {@link SETTLE_MAX_WAIT_MS}, so a stream that stops early still
 * gets written.
 */
import type { TimelineFrame } from '../../recording/wav/recording-timeline.js';
import type { RecordingWriter } from './recording-writer.js';

/** Frames looked at before anchoring. */
export const SETTLE_FRAMES = 5;
/** Longest a held frame waits. */
export const SETTLE_MAX_WAIT_MS = 200;

const EMPTY = new Int16Array(0);

/** A mutable {@link TimelineFrame}, reused for every frame. */
class FrameInfo implements TimelineFrame {
  rtpTimestamp = 0;
  clockRate = 8000;
  sampleRate = 8000;
  arrivalMs = 0;
}

/** Holds the first frames of each anchoring of one stream (see module comment). */
export class AnchorSettler {
  readonly #info = new FrameInfo();
  /** Per held frame: RTP timestamp, offset in #pcm, samples, arrival. */
  readonly #meta = new Float64Array(SETTLE_FRAMES * 4);
  #pcm: Int16Array = EMPTY;
  #held = 0;
  #fill = 0;
  #settled = false;
  #ts0 = 0;
  #clockRate = 8000;
  #sampleRate = 8000;
  #minOffset = Infinity;

  /** The next frame starts a new anchoring (start, discontinuity, resume, codec change). Release first. */
  restart(): void {
    this.#settled = false;
    this.#held = 0;
    this.#fill = 0;
    this.#minOffset = Infinity;
  }

  /** Writes a decoded frame to `writer`'s `channel`, or holds it while the anchoring settles. */
  write(
    writer: RecordingWriter,
    channel: number,
    pcm: Int16Array,
    n: number,
    rtpTimestamp: number,
    clockRate: number,
    sampleRate: number,
    arrivalMs: number,
  ): void {
    if (
      !this.#settled &&
      this.#held > 0 &&
      (clockRate !== this.#clockRate || sampleRate !== this.#sampleRate)
    ) {
      this.release(writer, channel);
    }
    if (this.#settled) {
      const info = this.#info;
      info.rtpTimestamp = rtpTimestamp;
      info.clockRate = clockRate;
      info.sampleRate = sampleRate;
      info.arrivalMs = arrivalMs;
      writer.write(channel, pcm, n, info);
      return;
    }
    if (this.#held === 0) {
      this.#ts0 = rtpTimestamp;
      this.#clockRate = clockRate;
      this.#sampleRate = sampleRate;
    }
    if (this.#pcm.length < this.#fill + n) {
      const grown = new Int16Array(Math.max(SETTLE_FRAMES * n, this.#fill + n));
      grown.set(this.#pcm.subarray(0, this.#fill));
      this.#pcm = grown;
    }
    this.#pcm.set(pcm.subarray(0, n), this.#fill);
    const m = this.#held * 4;
    this.#meta[m] = rtpTimestamp;
    this.#meta[m + 1] = this.#fill;
    this.#meta[m + 2] = n;
    this.#meta[m + 3] = arrivalMs;
    this.#fill += n;
    this.#held++;
    const offset = arrivalMs - this.#elapsedMs(rtpTimestamp);
    if (offset < this.#minOffset) this.#minOffset = offset;
    if (this.#held >= SETTLE_FRAMES) this.release(writer, channel);
  }

  /** Releases held frames that waited too long (the stream paused or stopped). */
  tick(now: number, writer: RecordingWriter, channel: number): void {
    if (this.#held > 0 && now - this.#meta[3]! >= SETTLE_MAX_WAIT_MS) this.release(writer, channel);
  }

  /** Hands every held frame on, anchored on the least-delayed one; later frames pass straight through. */
  release(writer: RecordingWriter, channel: number): void {
    const info = this.#info;
    info.clockRate = this.#clockRate;
    info.sampleRate = this.#sampleRate;
    for (let i = 0; i < this.#held; i++) {
      const m = i * 4;
      const at = this.#meta[m + 1]!;
      const n = this.#meta[m + 2]!;
      info.rtpTimestamp = this.#meta[m]!;
      info.arrivalMs = this.#minOffset + this.#elapsedMs(info.rtpTimestamp);
      writer.write(channel, this.#pcm.subarray(at, at + n), n, info);
    }
    if (this.#held > 0) this.#settled = true;
    this.#held = 0;
    this.#fill = 0;
    // Held audio is needed again only at the next anchoring; give the memory back meanwhile.
    this.#pcm = EMPTY;
  }

  #elapsedMs(rtpTimestamp: number): number {
    return (((rtpTimestamp - this.#ts0) | 0) * 1000) / this.#clockRate;
  }
}
