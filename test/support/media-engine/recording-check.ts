/**
 * Reading back what the recorder wrote for one call: its final sidecar (found by Call-ID) and its WAV, and the
 * comparisons every recording test makes — each channel against the audio that was sent, and the file's length
 * against the call's.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareAudio, readWavFile, type AudioComparison, type WavContent } from '../audio-compare.js';

/** The sidecar fields the media tests look at. */
export interface MediaSidecar {
  readonly recordingId: string;
  readonly callId: string;
  readonly state: string;
  readonly endReason: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly recording: {
    readonly file: string;
    readonly channels: number;
    readonly sampleRate: number;
    readonly frames: number;
    readonly durationMs: number;
  } | null;
  readonly streams: readonly {
    readonly label: string | null;
    readonly codec: string | null;
    readonly srtp: string | null;
    readonly channel: number | null;
    readonly packetsReceived: number;
    readonly packetsLost: number;
    readonly packetsDuplicated?: number;
    readonly packetsLate?: number;
    readonly jitterMs?: number;
    readonly bytesReceived: number;
    readonly firstPacketAt: string | null;
    readonly lastPacketAt: string | null;
    readonly srtpAuthFailures?: number;
    readonly malformedPackets?: number;
    readonly foreignPackets?: number;
    readonly unknownPayloadTypes?: number;
    readonly ssrcChanges?: number;
    readonly decodeErrors?: number;
    readonly latchedSource?: string | null;
    readonly rtcpReceived?: number;
    readonly rtcpSent?: number;
    readonly storage?: string;
    readonly rawFile?: string;
  }[];
  readonly dtmf: readonly {
    readonly digit: string;
    readonly stream: string | null;
    readonly at: string;
    readonly offsetMs?: number;
    readonly durationMs: number;
  }[];
}

/** Waits for the final sidecar of `callId` in `dir`. */
export async function waitForSidecar(dir: string, callId: string, timeoutMs = 15_000): Promise<MediaSidecar> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  for (;;) {
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.json') || seen.has(name)) continue;
      try {
        const doc = JSON.parse(await readFile(join(dir, name), 'utf8')) as MediaSidecar;
        seen.add(name);
        if (doc.callId === callId) return doc;
      } catch {
        // renamed into place atomically; a parse failure is a race with a rename
      }
    }
    if (Date.now() > deadline) throw new Error(`no final sidecar for ${callId} in ${dir}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The sidecar's WAV, read back. */
export function readRecording(dir: string, sidecar: MediaSidecar): WavContent {
  if (!sidecar.recording) throw new Error(`sidecar of ${sidecar.recordingId} names no recording`);
  return readWavFile(join(dir, sidecar.recording.file));
}

/** Compares one channel with its reference, searching a generous lag (sender start-up on a busy machine). */
export function compareChannel(reference: Int16Array, wav: WavContent, channel: number): AudioComparison {
  const samples = wav.channels[channel];
  if (!samples) throw new Error(`no channel ${channel}`);
  return compareAudio(reference, samples, wav.sampleRate, { maxLagMs: 4000 });
}

/** The call's length as the sidecar states it (startedAt → endedAt), in ms. */
export function callLengthMs(sidecar: MediaSidecar): number {
  return Date.parse(sidecar.endedAt ?? sidecar.startedAt) - Date.parse(sidecar.startedAt);
}

/** Root mean square of `samples[from, to)`. */
export function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  const a = Math.max(0, from);
  const b = Math.min(samples.length, to);
  for (let i = a; i < b; i++) sum += samples[i]! * samples[i]!;
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}
