/**
 * What a user of a running recorder can observe from outside: the sessions of the HTTP API, Prometheus metrics,
 * and the sidecar JSON files in the recording directory. For black-box tests only.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecorderProcess } from './recorder-process.js';

/** A session as `GET /api/sessions` shows it. */
export interface ApiSession {
  readonly recordingId: string;
  readonly callId: string;
  readonly state: string;
  readonly paused: boolean;
  readonly streams: number;
}

/** The sidecar fields these tests look at. */
export interface SidecarView {
  readonly recordingId: string;
  readonly callId: string;
  readonly state: string;
  readonly endReason: string | null;
  readonly streams: readonly {
    readonly label: string | null;
    readonly srtp: string | null;
    readonly codec: string | null;
    readonly packetsReceived: number;
  }[];
  readonly source: { readonly transport: string };
  /** The audio file, once the recording is finalised. */
  readonly recording?: { readonly file: string; readonly channels: number; readonly durationMs: number };
}

/** The first channel of a 16-bit PCM WAV as numbers, with its sample rate (RIFF chunks walked, bounds-checked). */
export function wavChannel0(wav: Buffer): { sampleRate: number; samples: Int16Array } {
  if (wav.length < 12 || wav.toString('latin1', 0, 4) !== 'RIFF' || wav.toString('latin1', 8, 12) !== 'WAVE')
    throw new Error('not a RIFF/WAVE file');
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  for (let at = 12; at + 8 <= wav.length;) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= wav.length) {
      channels = wav.readUInt16LE(body + 2);
      sampleRate = wav.readUInt32LE(body + 4);
      bits = wav.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16 || channels < 1)
        throw new Error(`unexpected WAV format: ${bits} bits, ${channels} channels`);
      const end = Math.min(wav.length, body + size);
      const frames = Math.floor((end - body) / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = wav.readInt16LE(body + i * 2 * channels);
      return { sampleRate, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error('WAV without a data chunk');
}

/** The active session with this Call-ID, if any. */
export async function findSession(
  recorder: RecorderProcess,
  callId: string,
): Promise<ApiSession | undefined> {
  const res = await recorder.http('/api/sessions');
  return (res.body as { sessions: ApiSession[] }).sessions.find((s) => s.callId === callId);
}

/** The value of one sample of a metric (0 when absent), e.g. `metric(r, 'siprec_sessions_total')`. */
export async function metric(recorder: RecorderProcess, name: string, labels = ''): Promise<number> {
  const text = (await recorder.http('/metrics')).body as string;
  const wanted = labels === '' ? name : `${name}{${labels}}`;
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    if (space > 0 && line.slice(0, space) === wanted) return Number(line.slice(space + 1));
  }
  return 0;
}

/** Every sidecar in the directory for this Call-ID. */
export async function sidecarsOf(dir: string, callId: string): Promise<SidecarView[]> {
  const out: SidecarView[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      const doc = JSON.parse(await readFile(join(dir, name), 'utf8')) as SidecarView;
      if (doc.callId === callId) out.push(doc);
    } catch {
      // A sidecar being rewritten at this instant: the next poll reads it.
    }
  }
  return out;
}

/** Waits for the final sidecar of a call (written just after the session ends). */
export async function waitForFinalSidecar(
  dir: string,
  callId: string,
  timeoutMs = 5000,
): Promise<SidecarView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const final = (await sidecarsOf(dir, callId)).find((s) => s.state === 'final');
    if (final) return final;
    if (Date.now() > deadline) throw new Error(`no final sidecar for Call-ID ${callId} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
