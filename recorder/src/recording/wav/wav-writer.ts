/**
 * Incremental multi-channel 16-bit PCM WAV writer for one recording.
 *
 * Audio goes to `<final>.part` (e.g. `rec.wav.part`) through one file handle in batched blocks (default
 * 250 ms), copied out of the caller's buffers so the hot path never waits. The header is patched every few
 * seconds, so a recorder killed mid-call leaves a file that is valid up to the last patch and that
 * {@link repairWav} completes. `finalize()` writes the exact sizes, syncs, and publishes the file under the final
 * name, never over an existing file.
 *
 * A block is gathered in 100 ms chunks from a pool shared by every writer of the thread and written with one
 * `writev`; the chunks go back to the pool once written. So a recording holds what it has gathered since its last
 * write (a quarter of a second on average with 500 ms blocks), not a whole block all the time. Silence known before the file exists (`silentFrames`: a
 * call whose first audio comes late, or none at all) is never written: it is left as a hole in the file, which
 * reads as zeros, and the file is sized exactly at the end.
 */
import { publishSegment } from '../assembly/publish-segment.js';
import { OrderedFile } from './ordered-file.js';
import { WavError } from './wav-error.js';
import { WAV_HEADER_BYTES, WAV_MAX_DATA_BYTES, buildWavHeader } from './wav-format.js';

/** Options of {@link WavWriter.create}. */
export interface WavWriterOptions {
  /** Final path, ending in `.wav`; audio is written to `${path}.part` until `finalize()`. */
  readonly path: string;
  /** One per recorded stream, in offer order. */
  readonly channels: number;
  readonly sampleRate: number;
  /** Audio per file write, ms (100–500 is sensible); default 250. */
  readonly blockMs?: number;
  /** How often the header sizes are brought up to date, ms; default 2000. */
  readonly headerIntervalMs?: number;
  /** Wall clock (ms), injectable for tests; default Date.now. */
  readonly now?: () => number;
  /** Called once with the first write failure; later audio is discarded. */
  readonly onError?: (err: WavError) => void;
  /** Frames of silence the recording starts with, before the first `write()`; default 0. */
  readonly silentFrames?: number;
}

/** Free chunks by size, shared by the writers of this thread (a media worker runs one event loop). */
const chunkPool = new Map<number, Chunk[]>();
/** Free bytes kept per chunk size (320 chunks of an 8 kHz stereo recording): the writes in flight of a worker. */
const POOL_BYTES = 1024 * 1024;
/** Audio per chunk, ms. */
const CHUNK_MS = 100;

/** Pooled audio memory, with its views as samples (to fill) and as bytes (to write) made once, not per use. */
class Chunk {
  readonly samples: Int16Array;
  readonly bytes: Buffer;
  constructor(byteLength: number) {
    this.samples = new Int16Array(byteLength / 2);
    this.bytes = Buffer.from(this.samples.buffer);
  }
}

function takeChunk(bytes: number): Chunk {
  return chunkPool.get(bytes)?.pop() ?? new Chunk(bytes);
}

function giveChunk(chunk: Chunk): void {
  const bytes = chunk.bytes.length;
  let free = chunkPool.get(bytes);
  if (free === undefined) {
    free = [];
    chunkPool.set(bytes, free);
  }
  if ((free.length + 1) * bytes <= POOL_BYTES) free.push(chunk);
}

const NO_SAMPLES = new Int16Array(0);

/** What a finished recording looks like. */
export interface WavResult {
  readonly path: string;
  readonly frames: number;
  readonly dataBytes: number;
  readonly durationMs: number;
}

/** Writer for one WAV recording (see module comment). */
export class WavWriter {
  readonly path: string;
  readonly partPath: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly #file: OrderedFile;
  readonly #now: () => number;
  readonly #headerInterval: number;
  readonly #blockBytes: number;
  readonly #chunkBytes: number;
  readonly #header = Buffer.alloc(WAV_HEADER_BYTES);
  /** Full chunks not yet written, in order. */
  #gathered: Chunk[] = [];
  #gatheredBytes = 0;
  /** The chunk being filled; none between a full (or submitted) chunk and the next write. */
  #chunk: Chunk | undefined;
  #chunkView: Int16Array = NO_SAMPLES;
  #chunkFill = 0;
  /** Bytes of audio handed to the file (queued or written). */
  #queuedBytes = 0;
  /** Bytes of audio known to be written (what a header patch may claim). */
  #writtenBytes = 0;
  #lastHeaderAt: number;
  #finalized: Promise<WavResult> | undefined;
  #full = false;

  private constructor(options: WavWriterOptions, file: OrderedFile) {
    this.path = options.path;
    this.partPath = file.path;
    this.channels = options.channels;
    this.sampleRate = options.sampleRate;
    this.#file = file;
    this.#now = options.now ?? Date.now;
    this.#headerInterval = options.headerIntervalMs ?? 2000;
    const frames = Math.max(1, Math.round(((options.blockMs ?? 250) * options.sampleRate) / 1000));
    this.#blockBytes = frames * options.channels * 2;
    const chunkFrames = Math.max(1, Math.round((CHUNK_MS * options.sampleRate) / 1000));
    this.#chunkBytes = Math.min(this.#blockBytes, chunkFrames * options.channels * 2);
    const silentBytes = Math.max(0, Math.floor(options.silentFrames ?? 0)) * options.channels * 2;
    this.#queuedBytes = Math.min(
      silentBytes,
      WAV_MAX_DATA_BYTES - (WAV_MAX_DATA_BYTES % (options.channels * 2)),
    );
    this.#writtenBytes = this.#queuedBytes;
    this.#lastHeaderAt = this.#now();
  }

  /** Creates `${path}.part` with a header claiming no audio yet. */
  static async create(options: WavWriterOptions): Promise<WavWriter> {
    const { channels, sampleRate } = options;
    if (!Number.isInteger(channels) || channels < 1 || channels > 64) {
      throw new WavError('WAV_BAD_OPTIONS', `channels must be 1–64, not ${channels}`);
    }
    if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 192000) {
      throw new WavError('WAV_BAD_OPTIONS', `sample rate ${sampleRate} is out of range`);
    }
    const file = await OrderedFile.create(`${options.path}.part`, options.onError);
    const writer = new WavWriter(options, file);
    file.write(buildWavHeader(channels, sampleRate, 0), WAV_HEADER_BYTES, 0);
    return writer;
  }

  /** Frames (samples per channel) accepted so far. */
  get frames(): number {
    return (this.#queuedBytes + this.#gatheredBytes + this.#chunkFill * 2) / (this.channels * 2);
  }

  /** The first write failure, if any. */
  get error(): WavError | undefined {
    return this.#file.error;
  }

  /**
   * Appends `frames` interleaved frames from `samples` (length ≥ frames × channels). Synchronous: the data
   * is copied and written later in blocks. Ignored after a failure or `finalize()`.
   */
  write(samples: Int16Array, frames: number): void {
    if (this.#finalized || this.#file.error || this.#full) return;
    let remaining = Math.min(frames * this.channels, samples.length - (samples.length % this.channels));
    let src = 0;
    while (remaining > 0) {
      if (this.#chunk === undefined) {
        this.#chunk = takeChunk(this.#chunkBytes);
        this.#chunkView = this.#chunk.samples;
      }
      const room = this.#chunkView.length - this.#chunkFill;
      const n = Math.min(room, remaining);
      this.#chunkView.set(samples.subarray(src, src + n), this.#chunkFill);
      this.#chunkFill += n;
      src += n;
      remaining -= n;
      if (this.#chunkFill === this.#chunkView.length) {
        this.#gathered.push(this.#chunk);
        this.#gatheredBytes += this.#chunkBytes;
        this.#chunk = undefined;
        this.#chunkView = NO_SAMPLES;
        this.#chunkFill = 0;
        if (this.#gatheredBytes >= this.#blockBytes) this.#submitBlock();
      }
    }
  }

  /** Hands any partial block to the file and waits until all audio so far is written. */
  async flush(): Promise<void> {
    if (this.#gatheredBytes + this.#chunkFill > 0) this.#submitBlock();
    this.#patchHeader();
    await this.#file.idle();
  }

  /**
   * Writes the remaining audio and exact header, syncs, closes and renames `.part` to the final name.
   * Idempotent; rejects with the first write failure (the `.part` file is then left for repair).
   */
  finalize(): Promise<WavResult> {
    this.#finalized ??= this.#finish();
    return this.#finalized;
  }

  /** Closes without renaming (the `.part` file stays, e.g. for a later repair). */
  async abort(): Promise<void> {
    this.#finalized ??= Promise.reject(new WavError('WAV_CLOSED', `${this.path} was aborted`));
    this.#finalized.catch(() => undefined);
    await this.#file.close(false).catch(() => undefined);
  }

  async #finish(): Promise<WavResult> {
    if (this.#gatheredBytes + this.#chunkFill > 0) this.#submitBlock();
    const dataBytes = this.#queuedBytes;
    this.#file.run((fh) =>
      fh.write(buildWavHeader(this.channels, this.sampleRate, dataBytes), 0, WAV_HEADER_BYTES, 0),
    );
    // Silence that was never written (a call with no audio at all, or quiet to the end) is part of the file.
    this.#file.run((fh) => fh.truncate(WAV_HEADER_BYTES + dataBytes));
    await this.#file.close(true);
    // Never renamed over an existing file: that may be the recording another recorder assembled after taking over.
    const published = await publishSegment(this.partPath, this.path).catch((err: unknown) => {
      throw new WavError('WAV_WRITE_FAILED', `cannot rename ${this.partPath}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    const frames = dataBytes / (this.channels * 2);
    return { path: published.path, frames, dataBytes, durationMs: (frames * 1000) / this.sampleRate };
  }

  /** Writes the gathered chunks and the partly filled one, in one `writev`. */
  #submitBlock(): void {
    const chunks = this.#gathered;
    const parts = chunks.map((c) => c.bytes);
    let len = this.#gatheredBytes;
    if (this.#chunkFill > 0) {
      chunks.push(this.#chunk!);
      parts.push(this.#chunk!.bytes.subarray(0, this.#chunkFill * 2));
      len += this.#chunkFill * 2;
    }
    this.#gathered = [];
    this.#gatheredBytes = 0;
    this.#chunk = undefined;
    this.#chunkView = NO_SAMPLES;
    this.#chunkFill = 0;
    if (this.#queuedBytes + len > WAV_MAX_DATA_BYTES) {
      this.#full = true;
      this.#file.run(() =>
        Promise.reject(
          new WavError('WAV_TOO_LARGE', `${this.path} reached the 4 GiB WAV limit; later audio dropped`),
        ),
      );
      return;
    }
    const position = WAV_HEADER_BYTES + this.#queuedBytes;
    this.#queuedBytes += len;
    this.#file.writev(parts, len, position, () => {
      this.#writtenBytes = position - WAV_HEADER_BYTES + len;
      for (const c of chunks) giveChunk(c);
    });
    if (this.#now() - this.#lastHeaderAt >= this.#headerInterval) this.#patchHeader();
  }

  /** Queues a header rewrite with the sizes actually on disk by the time it runs. */
  #patchHeader(): void {
    this.#lastHeaderAt = this.#now();
    this.#file.run((fh) =>
      fh.write(
        buildWavHeader(this.channels, this.sampleRate, this.#writtenBytes, this.#header),
        0,
        WAV_HEADER_BYTES,
        0,
      ),
    );
  }
}
