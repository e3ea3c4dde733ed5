/**
 * One segment of a recording as the assembler reads it: opened through `SegmentStorage` for ranged reads, its
 * header parsed, and its audio copied into the output block by block, so a recording of any length is assembled in
 * bounded memory.
 *
 * A segment whose writer was killed is read from its `.part` file by its real length (header sizes are stale, a torn
 * last frame is dropped), exactly as the start-up repair would. A segment of another sample rate (a codec change on
 * the new recorder) is resampled linearly to the output rate, frame by frame, with the same arithmetic as a
 * whole-file resampling, so the result does not depend on where the blocks are cut.
 */
import { parseWavHeader, type WavInfo } from '../wav/wav-format.js';
import type { ObjectReader, SegmentStorage } from './segment-storage.js';

/** A segment as the session store lists it (times epoch ms). */
export interface SegmentInput {
  readonly recorderId: string;
  readonly start: number;
  readonly end: number | null;
  readonly files: readonly string[];
}

/** An opened segment: where its audio is and what it holds. */
export interface SegmentSource {
  readonly input: SegmentInput;
  /** The object the audio was found in (possibly a `.part`), null when none. */
  readonly object: string | null;
  readonly channels: number;
  readonly sampleRate: number;
  /** Whole frames in the object. */
  readonly frames: number;
  /** Open while there is audio to read; closed by {@link closeSegment}. */
  readonly reader: ObjectReader | undefined;
  readonly dataOffset: number;
}

/** Bytes of the object read to find the header (a WAV header with a few extra chunks). */
const HEADER_PROBE_BYTES = 4096;

/** Opens the first usable audio object of `input` (a 16-bit PCM WAV); a segment without one has no frames. */
export async function openSegment(storage: SegmentStorage, input: SegmentInput): Promise<SegmentSource> {
  for (const name of input.files) {
    if (!/\.wav$/.test(name)) continue;
    const reader = await storage.open(name);
    if (!reader) continue;
    let info: WavInfo;
    try {
      info = parseWavHeader(await reader.read(0, Math.min(reader.size, HEADER_PROBE_BYTES)));
    } catch {
      // A writer killed before its header reached the disk left nothing we can place.
      await reader.close();
      return silentSegment(input, reader.name);
    }
    if (info.bitsPerSample !== 16) {
      await reader.close();
      continue;
    }
    const available = Math.max(0, reader.size - info.dataOffset);
    return {
      input,
      object: reader.name,
      channels: info.channels,
      sampleRate: info.sampleRate,
      frames: Math.floor(available / info.blockAlign),
      reader,
      dataOffset: info.dataOffset,
    };
  }
  return silentSegment(input, null);
}

/** Releases the segment's reader. */
export async function closeSegment(segment: SegmentSource): Promise<void> {
  await segment.reader?.close();
}

/** Frames the segment lasts at `rate`. */
export function framesAt(segment: SegmentSource, rate: number): number {
  return segment.sampleRate === rate
    ? segment.frames
    : Math.floor((segment.frames * rate) / segment.sampleRate);
}

/**
 * Writes the segment's output frames [from, to) (at `rate`, counted from the segment's first frame) into `out`
 * (interleaved 16-bit, `channels` per frame) starting at frame `at`. Channels the segment does not have are left
 * as they are.
 */
export async function copyFrames(
  segment: SegmentSource,
  rate: number,
  from: number,
  to: number,
  out: Buffer,
  at: number,
  channels: number,
): Promise<void> {
  const { reader, channels: srcChannels } = segment;
  if (!reader || to <= from) return;
  if (segment.sampleRate === rate) {
    const data = await readFrames(segment, reader, from, to - 1);
    if (srcChannels === channels) {
      data.copy(out, at * channels * 2);
      return;
    }
    const frames = Math.floor(data.length / (srcChannels * 2));
    for (let f = 0; f < frames; f++) {
      const base = (at + f) * channels * 2;
      for (let c = 0; c < srcChannels && c < channels; c++)
        out.writeInt16LE(data.readInt16LE((f * srcChannels + c) * 2), base + c * 2);
    }
    return;
  }
  // Linear interpolation between source frames i and i + 1 (the last one repeated at the end).
  const ratio = segment.sampleRate / rate;
  const last = segment.frames - 1;
  const first = Math.floor(from * ratio);
  const data = await readFrames(segment, reader, first, Math.min(Math.floor((to - 1) * ratio) + 1, last));
  const sample = (frame: number, c: number): number | undefined => {
    const offset = ((frame - first) * srcChannels + c) * 2;
    return offset >= 0 && offset + 2 <= data.length ? data.readInt16LE(offset) : undefined;
  };
  for (let f = from; f < to; f++) {
    const pos = f * ratio;
    const i = Math.floor(pos);
    const frac = pos - i;
    const base = (at + f - from) * channels * 2;
    for (let c = 0; c < srcChannels && c < channels; c++) {
      const x0 = sample(i, c) ?? 0;
      const x1 = sample(Math.min(i + 1, last), c) ?? x0;
      out.writeInt16LE(Math.round(x0 + (x1 - x0) * frac), base + c * 2);
    }
  }
}

/** Source frames [first, last] (inclusive) as bytes. */
function readFrames(
  segment: SegmentSource,
  reader: ObjectReader,
  first: number,
  last: number,
): Promise<Buffer> {
  const frameBytes = segment.channels * 2;
  return reader.read(segment.dataOffset + first * frameBytes, (last - first + 1) * frameBytes);
}

function silentSegment(input: SegmentInput, object: string | null): SegmentSource {
  return { input, object, channels: 1, sampleRate: 8000, frames: 0, reader: undefined, dataOffset: 0 };
}
