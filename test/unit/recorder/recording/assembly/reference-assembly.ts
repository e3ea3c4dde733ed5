/**
 * The assembler as it was before it streamed: every segment read whole, the output built whole. Kept only as the
 * oracle of the streaming assembler's tests (its output must be byte-identical); it holds a whole recording in
 * memory, so it must never be used by the recorder.
 */
import type { SegmentInput } from '../../../../../recorder/src/recording/assembly/assemble-recording.js';
import type { SegmentStorage } from '../../../../../recorder/src/recording/assembly/segment-storage.js';
import {
  WAV_HEADER_BYTES,
  buildWavHeader,
  parseWavHeader,
} from '../../../../../recorder/src/recording/wav/wav-format.js';

interface SegmentAudio {
  readonly input: SegmentInput;
  readonly object: string | null;
  readonly channels: number;
  readonly sampleRate: number;
  readonly samples: Int16Array;
  readonly frames: number;
}

/** The WAV the whole-file assembler produced for `segments`, or undefined when it wrote nothing. */
export async function referenceAssembly(
  storage: SegmentStorage,
  startedAt: number,
  segments: readonly SegmentInput[],
): Promise<Buffer | undefined> {
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
  return out;
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
