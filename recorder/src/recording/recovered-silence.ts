/**
 * The WAV of a recording whose recorder was killed before any audio arrived. The `.wav.part` is created by the
 * first audio (so a call without RTP costs no file until it ends), which means such a crash leaves only the
 * sidecar; the contract is still one WAV per recorded call, as long as the call lasted. Its layout comes from the
 * sidecar's streams the way the writer would have chosen it: one channel per stream with a channel, at the rate of
 * the widest codec. The data is a hole in a sparse file: no disk is spent on the silence.
 */
import { open } from 'node:fs/promises';
import { WAV_HEADER_BYTES, WAV_MAX_DATA_BYTES, buildWavHeader } from './wav/wav-format.js';

/** Sample rate of the WAV for a codec, as the media engine writes it (G.722 is 16 kHz despite its 8000 clock). */
const WAV_RATE: Readonly<Record<string, number>> = {
  PCMU: 8000,
  PCMA: 8000,
  G729: 8000,
  G722: 16000,
  OPUS: 48000,
};

/** Layout and length of the silent WAV; undefined when the sidecar names no recorded channel. */
export interface SilentWavPlan {
  readonly channels: number;
  readonly sampleRate: number;
  readonly frames: number;
}

/** Reads the layout from a sidecar's `streams[]` (untrusted: written by a process that was killed). */
export function planSilentWav(streams: unknown, durationMs: number): SilentWavPlan | undefined {
  if (!Array.isArray(streams)) return undefined;
  let channels = 0;
  let sampleRate = 0;
  for (const s of streams as unknown[]) {
    if (s === null || typeof s !== 'object') continue;
    const { channel, codec } = s as { channel?: unknown; codec?: unknown };
    if (typeof channel !== 'number' || !Number.isInteger(channel) || channel < 0 || channel > 63) continue;
    channels = Math.max(channels, channel + 1);
    sampleRate = Math.max(sampleRate, (typeof codec === 'string' ? WAV_RATE[codec] : undefined) ?? 8000);
  }
  if (channels === 0 || !(durationMs >= 0)) return undefined;
  const maxFrames = Math.floor(WAV_MAX_DATA_BYTES / (channels * 2));
  return { channels, sampleRate, frames: Math.min(Math.round((durationMs * sampleRate) / 1000), maxFrames) };
}

/** Writes `path` (which must not exist) as a valid WAV of `plan.frames` frames of silence. */
export async function writeSilentWav(path: string, plan: SilentWavPlan): Promise<void> {
  const dataBytes = plan.frames * plan.channels * 2;
  const file = await open(path, 'wx');
  try {
    await file.write(buildWavHeader(plan.channels, plan.sampleRate, dataBytes), 0, WAV_HEADER_BYTES, 0);
    await file.truncate(WAV_HEADER_BYTES + dataBytes);
  } finally {
    await file.close();
  }
}
