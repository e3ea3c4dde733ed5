/**
 * Assembles a recording written by several recorders into one WAV (DESIGN.md §4): each segment is placed on the
 * call's wall-clock timeline (sample 0 = the recording's start, as for a recording that never moved), the time
 * between one segment's last written audio and the next segment's start stays silent and is reported as a gap, and
 * channels keep the layout every segment shares (one per recorded stream, in offer order).
 *
 * Segments are read through `SegmentStorage` (killed writers' `.part` files included, other rates resampled to the
 * widest one: see `segment-source.ts`) and the WAV is written in blocks, so memory stays bounded however long the
 * call was.
 */
import { WAV_HEADER_BYTES, buildWavHeader } from '../wav/wav-format.js';
import type { SegmentStorage } from './segment-storage.js';
import {
  closeSegment,
  copyFrames,
  framesAt,
  openSegment,
  type SegmentInput,
  type SegmentSource,
} from './segment-source.js';

export type { SegmentInput } from './segment-source.js';

/** A segment as it ends up in the sidecar. */
export interface AssembledSegment {
  readonly recorderId: string;
  readonly start: number;
  /** The end the recorder reported, else (writer killed) the end of the audio it wrote. */
  readonly end: number;
  /** Audio found for the segment, ms (0 when its file is missing). */
  readonly audioMs: number;
  readonly file: string | null;
}

/** Silence between two segments: from the end of the audio one wrote to the start of the next. */
export interface RecordingGap {
  readonly start: number;
  readonly end: number;
  readonly durationMs: number;
  /** Recorder whose segment ends at the gap, and the one that continued after it. */
  readonly fromRecorderId: string;
  readonly toRecorderId: string;
}

/** The assembled recording. */
export interface AssembledRecording {
  /** Name of the WAV in the storage, `<recordingId>.wav`. */
  readonly file: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly frames: number;
  readonly durationMs: number;
  readonly segments: readonly AssembledSegment[];
  readonly gaps: readonly RecordingGap[];
}

/** More audio than this is refused (4 GiB of PCM is the RIFF limit). */
const MAX_OUTPUT_BYTES = 0xffffffff - WAV_HEADER_BYTES;

/** Output written per block: memory stays bounded by a few blocks whatever the recording's length. */
const BLOCK_BYTES = 256 * 1024;

/** A segment placed on the output timeline (frames at the output rate). */
interface Placed {
  readonly source: SegmentSource;
  readonly offset: number;
  readonly frames: number;
}

/**
 * Assembles `segments` (oldest first) of `recordingId` into `<recordingId>.wav` and removes the segment files it
 * consumed. With no audio at all nothing is written and `undefined` is returned. Segments are read and the output
 * written in blocks through `storage`, so memory does not grow with the recording's length.
 */
export async function assembleRecording(
  storage: SegmentStorage,
  recordingId: string,
  startedAt: number,
  segments: readonly SegmentInput[],
): Promise<AssembledRecording | undefined> {
  const sources: SegmentSource[] = [];
  try {
    for (const input of segments) sources.push(await openSegment(storage, input));
    return await assembleOpened(storage, recordingId, startedAt, sources);
  } finally {
    await Promise.all(sources.map((s) => closeSegment(s)));
  }
}

async function assembleOpened(
  storage: SegmentStorage,
  recordingId: string,
  startedAt: number,
  sources: readonly SegmentSource[],
): Promise<AssembledRecording | undefined> {
  const present = sources.filter((a) => a.frames > 0 || a.object !== null);
  if (present.length === 0) return undefined;
  const channels = Math.max(...present.map((a) => a.channels));
  const sampleRate = Math.max(...present.map((a) => a.sampleRate));

  const placed: Placed[] = sources.map((source) => ({
    source,
    frames: framesAt(source, sampleRate),
    offset: Math.max(0, Math.round(((source.input.start - startedAt) * sampleRate) / 1000)),
  }));
  const totalFrames = Math.max(...placed.map((p) => p.offset + p.frames));
  if (totalFrames * channels * 2 > MAX_OUTPUT_BYTES)
    throw new Error(`recording ${recordingId} is too long to assemble into one WAV`);

  const file = `${recordingId}.wav`;
  await writeAssembled(storage, file, placed, channels, sampleRate, totalFrames);
  for (const a of sources) {
    // The first segment's name is the assembled file's own: it has just been replaced, only a `.part` remains.
    if (a.object === null) continue;
    if (a.object === file) continue;
    await storage.remove(a.object);
  }

  const done: AssembledSegment[] = placed.map((p) => {
    const audioMs = (p.frames * 1000) / sampleRate;
    return {
      recorderId: p.source.input.recorderId,
      start: p.source.input.start,
      end: p.source.input.end ?? Math.round(p.source.input.start + audioMs),
      audioMs: Math.round(audioMs),
      file: p.source.object,
    };
  });
  const gaps: RecordingGap[] = [];
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1]!;
    const next = placed[i]!;
    const gapStart = startedAt + ((prev.offset + prev.frames) * 1000) / sampleRate;
    const gapEnd = next.source.input.start;
    if (gapEnd > gapStart) {
      gaps.push({
        start: Math.round(gapStart),
        end: gapEnd,
        durationMs: Math.round(gapEnd - gapStart),
        fromRecorderId: prev.source.input.recorderId,
        toRecorderId: next.source.input.recorderId,
      });
    }
  }
  return {
    file,
    channels,
    sampleRate,
    frames: totalFrames,
    durationMs: Math.round((totalFrames * 1000) / sampleRate),
    segments: done,
    gaps,
  };
}

/**
 * Writes the WAV block by block: each block starts silent and every segment overlapping it is copied in, in order,
 * so where segments overlap the later one wins.
 */
async function writeAssembled(
  storage: SegmentStorage,
  file: string,
  placed: readonly Placed[],
  channels: number,
  sampleRate: number,
  totalFrames: number,
): Promise<void> {
  const writer = await storage.create(file);
  try {
    await writer.append(buildWavHeader(channels, sampleRate, totalFrames * channels * 2));
    const blockFrames = Math.max(1, Math.floor(BLOCK_BYTES / (channels * 2)));
    const block = Buffer.alloc(blockFrames * channels * 2);
    for (let start = 0; start < totalFrames; start += blockFrames) {
      const end = Math.min(totalFrames, start + blockFrames);
      const out = block.subarray(0, (end - start) * channels * 2);
      out.fill(0);
      for (const p of placed) {
        const from = Math.max(start, p.offset);
        const to = Math.min(end, p.offset + p.frames);
        await copyFrames(p.source, sampleRate, from - p.offset, to - p.offset, out, from - start, channels);
      }
      await writer.append(out);
    }
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
