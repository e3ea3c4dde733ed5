/**
 * Assembles a recording written by several recorders into one WAV (DESIGN.md §4): each segment is placed on the
 * call's wall-clock timeline (sample 0 = the recording's start, as for a recording that never moved), the time
 * between one segment's last written audio and the next segment's start stays silent and is reported as a gap, and
 * channels keep the layout every segment shares (one per recorded stream, in offer order).
 *
 * A segment whose writer was killed is read from its `.part` file by its real length (header sizes are stale, a torn
 * last frame is dropped), exactly as the start-up repair would. Segments of a different sample rate (a codec change
 * on the new recorder) are resampled linearly to the widest rate.
 */
import { WAV_HEADER_BYTES, buildWavHeader, parseWavHeader } from '../wav/wav-format.js';
import type { SegmentStorage } from './segment-storage.js';

/** A segment as the session store lists it (times epoch ms). */
export interface SegmentInput {
  readonly recorderId: string;
  readonly start: number;
  readonly end: number | null;
  readonly files: readonly string[];
}

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

/** More audio than this is refused rather than exhausting memory (4 GiB of PCM is the RIFF limit anyway). */
const MAX_OUTPUT_BYTES = 0xffffffff - WAV_HEADER_BYTES;

interface SegmentAudio {
  readonly input: SegmentInput;
  readonly object: string | null;
  readonly channels: number;
  readonly sampleRate: number;
  /** Interleaved samples. */
  readonly samples: Int16Array;
  readonly frames: number;
}

/**
 * Assembles `segments` (oldest first) of `recordingId` into `<recordingId>.wav` and removes the segment files it
 * consumed. With no audio at all nothing is written and `undefined` is returned.
 */
export async function assembleRecording(
  storage: SegmentStorage,
  recordingId: string,
  startedAt: number,
  segments: readonly SegmentInput[],
): Promise<AssembledRecording | undefined> {
  const audio: SegmentAudio[] = [];
  for (const input of segments) audio.push(await readSegment(storage, input));
  const present = audio.filter((a) => a.frames > 0 || a.object !== null);
  if (present.length === 0) return undefined;
  const channels = Math.max(...present.map((a) => a.channels));
  const sampleRate = Math.max(...present.map((a) => a.sampleRate));

  const placed = audio.map((a) => {
    const samples = a.sampleRate === sampleRate ? a.samples : resample(a, sampleRate);
    const frames = Math.floor(samples.length / Math.max(1, a.channels));
    const offset = Math.max(0, Math.round(((a.input.start - startedAt) * sampleRate) / 1000));
    return { a, samples, frames, offset };
  });
  const totalFrames = Math.max(...placed.map((p) => p.offset + p.frames));
  if (totalFrames * channels * 2 > MAX_OUTPUT_BYTES)
    throw new Error(`recording ${recordingId} is too long to assemble into one WAV`);
  const out = Buffer.alloc(WAV_HEADER_BYTES + totalFrames * channels * 2);
  buildWavHeader(channels, sampleRate, totalFrames * channels * 2, out);
  for (const p of placed) {
    const srcChannels = p.a.channels;
    for (let f = 0; f < p.frames; f++) {
      const base = WAV_HEADER_BYTES + (p.offset + f) * channels * 2;
      for (let c = 0; c < srcChannels && c < channels; c++) {
        out.writeInt16LE(p.samples[f * srcChannels + c]!, base + c * 2);
      }
    }
  }

  const file = `${recordingId}.wav`;
  await storage.write(file, out);
  for (const a of audio) {
    // The first segment's name is the assembled file's own: it has just been replaced, only a `.part` remains.
    if (a.object === null) continue;
    if (a.object === file) continue;
    await storage.remove(a.object);
  }

  const done: AssembledSegment[] = placed.map((p) => {
    const audioMs = (p.frames * 1000) / sampleRate;
    return {
      recorderId: p.a.input.recorderId,
      start: p.a.input.start,
      end: p.a.input.end ?? Math.round(p.a.input.start + audioMs),
      audioMs: Math.round(audioMs),
      file: p.a.object,
    };
  });
  const gaps: RecordingGap[] = [];
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1]!;
    const next = placed[i]!;
    const gapStart = startedAt + ((prev.offset + prev.frames) * 1000) / sampleRate;
    const gapEnd = next.a.input.start;
    if (gapEnd > gapStart) {
      gaps.push({
        start: Math.round(gapStart),
        end: gapEnd,
        durationMs: Math.round(gapEnd - gapStart),
        fromRecorderId: prev.a.input.recorderId,
        toRecorderId: next.a.input.recorderId,
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

async function readSegment(storage: SegmentStorage, input: SegmentInput): Promise<SegmentAudio> {
  for (const name of input.files) {
    if (!/\.wav$/.test(name)) continue;
    const object = await storage.read(name);
    if (!object) continue;
    let info;
    try {
      info = parseWavHeader(object.data.subarray(0, Math.min(object.data.length, 4096)));
    } catch {
      // A writer killed before its header reached the disk left nothing we can place.
      return {
        input,
        object: object.name,
        channels: 1,
        sampleRate: 8000,
        samples: new Int16Array(0),
        frames: 0,
      };
    }
    if (info.bitsPerSample !== 16) continue;
    const available = Math.max(0, object.data.length - info.dataOffset);
    const frames = Math.floor(available / info.blockAlign);
    const samples = new Int16Array(frames * info.channels);
    for (let i = 0; i < samples.length; i++) samples[i] = object.data.readInt16LE(info.dataOffset + i * 2);
    return {
      input,
      object: object.name,
      channels: info.channels,
      sampleRate: info.sampleRate,
      samples,
      frames,
    };
  }
  return { input, object: null, channels: 1, sampleRate: 8000, samples: new Int16Array(0), frames: 0 };
}

/** Linear-interpolation resampling of interleaved audio to `rate`. */
function resample(a: SegmentAudio, rate: number): Int16Array {
  const ratio = a.sampleRate / rate;
  const outFrames = Math.floor((a.frames * rate) / a.sampleRate);
  const out = new Int16Array(outFrames * a.channels);
  for (let f = 0; f < outFrames; f++) {
    const pos = f * ratio;
    const i = Math.floor(pos);
    const frac = pos - i;
    for (let c = 0; c < a.channels; c++) {
      const x0 = a.samples[i * a.channels + c] ?? 0;
      const x1 = a.samples[Math.min(i + 1, a.frames - 1) * a.channels + c] ?? x0;
      out[f * a.channels + c] = Math.round(x0 + (x1 - x0) * frac);
    }
  }
  return out;
}
