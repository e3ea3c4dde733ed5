/**
 * Start-up repair of what a killed recorder left in RECORDING_DIR (DESIGN.md §3, "no recording is ever lost"):
 * - every `<id>.wav.part` becomes a valid `<id>.wav` ({@link repairWav}: sizes from the file's real length, a torn
 *   last frame cut off);
 * - every `<id>.*.raw.part` (G.729 frames) is renamed into place (a torn last record is ignored by readers);
 * - every `<id>.json.part` (the in-progress sidecar) is finalised as `<id>.json` with `state: "final"`,
 *   `endReason: "recovered"`, `endedAt` the time of its last write, and the repaired WAV's figures; a recording
 *   killed before its first audio (no `.wav.part` yet) gets a silent WAV of that length.
 *
 * Runs before the recorder accepts calls, so nothing it touches is being written by this recorder. With a shared
 * RECORDING_DIR and session store, files of a recording that is still live in the store (another recorder records
 * it, or a survivor or this recorder's next life will continue or finalise it) are segments and are left alone
 * (`keep`). One broken file never stops the others from being repaired; each outcome is reported.
 */
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repairWav, type RepairResult } from './wav/repair-wav.js';
import { planSilentWav, writeSilentWav } from './recovered-silence.js';

/** What happened to one file. */
export interface RepairOutcome {
  readonly file: string;
  readonly action: 'wav-repaired' | 'raw-renamed' | 'sidecar-recovered' | 'kept-live' | 'failed';
  readonly error?: string;
}

/** What the recovered sidecar says of the WAV. */
type WavFigures = Pick<RepairResult, 'channels' | 'sampleRate' | 'durationMs'>;

/** Largest sidecar read back (a sidecar keeps at most 32 metadata documents, each bounded). */
const MAX_SIDECAR_BYTES = 16 * 1024 * 1024;

/** Options of {@link repairRecordingDir}. */
export interface RepairOptions {
  /** True for a recording that is still live in the session store: its `.part` files are left as they are. */
  readonly keep?: (recordingId: string) => Promise<boolean>;
}

/** Repairs every leftover `.part` file in `dir`; returns what was done, file by file. */
export async function repairRecordingDir(dir: string, options: RepairOptions = {}): Promise<RepairOutcome[]> {
  let all: string[];
  try {
    all = await readdir(dir);
  } catch {
    return [];
  }
  const outcomes: RepairOutcome[] = [];
  const kept = new Map<string, boolean>();
  const names: string[] = [];
  for (const name of all) {
    if (!name.endsWith('.part')) continue;
    const id = name.split('.')[0] ?? name;
    let keep = kept.get(id);
    if (keep === undefined) {
      keep = options.keep ? await options.keep(id) : false;
      kept.set(id, keep);
    }
    if (keep) outcomes.push({ file: name, action: 'kept-live' });
    else names.push(name);
  }
  const wavs = new Map<string, RepairResult>();
  for (const name of names) {
    if (!name.endsWith('.wav.part')) continue;
    try {
      const result = await repairWav(join(dir, name));
      wavs.set(name.slice(0, -'.wav.part'.length), result);
      outcomes.push({ file: name, action: 'wav-repaired' });
    } catch (err) {
      outcomes.push({ file: name, action: 'failed', error: (err as Error).message });
    }
  }
  for (const name of names) {
    if (!name.endsWith('.raw.part')) continue;
    try {
      await rename(join(dir, name), join(dir, name.slice(0, -'.part'.length)));
      outcomes.push({ file: name, action: 'raw-renamed' });
    } catch (err) {
      outcomes.push({ file: name, action: 'failed', error: (err as Error).message });
    }
  }
  for (const name of names) {
    if (!name.endsWith('.json.part')) continue;
    const id = name.slice(0, -'.json.part'.length);
    try {
      await recoverSidecar(dir, name, id, wavs.get(id));
      outcomes.push({ file: name, action: 'sidecar-recovered' });
    } catch (err) {
      outcomes.push({ file: name, action: 'failed', error: (err as Error).message });
    }
  }
  return outcomes;
}

async function recoverSidecar(
  dir: string,
  name: string,
  id: string,
  repaired: RepairResult | undefined,
): Promise<void> {
  const partPath = join(dir, name);
  const info = await stat(partPath);
  if (info.size > MAX_SIDECAR_BYTES) throw new Error(`${name} is larger than ${MAX_SIDECAR_BYTES} bytes`);
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readFile(partPath, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    doc = parsed as Record<string, unknown>;
  } catch {
    // Unreadable (it is written through a rename, so this is disk damage): keep what we know for sure.
    doc = { recordingId: id };
  }
  const endedAt = new Date(info.mtimeMs).toISOString();
  const wav: WavFigures | undefined = repaired ?? (await silenceForAudioless(dir, id, doc, info.mtimeMs));
  const segments = Array.isArray(doc.segments)
    ? (doc.segments as unknown[]).map((s) =>
        s !== null && typeof s === 'object' && (s as { end?: unknown }).end === null
          ? { ...s, end: endedAt }
          : s,
      )
    : doc.segments;
  const recovered = {
    ...doc,
    recordingId: typeof doc.recordingId === 'string' ? doc.recordingId : id,
    state: 'final',
    endedAt,
    endReason: 'recovered',
    segments,
    ...(wav
      ? {
          recording: {
            file: `${id}.wav`,
            channels: wav.channels,
            sampleRate: wav.sampleRate,
            durationMs: Math.round(wav.durationMs),
          },
        }
      : {}),
  };
  const finalPath = join(dir, `${id}.json`);
  await writeFile(`${finalPath}.tmp`, JSON.stringify(recovered, null, 2) + '\n');
  await rename(`${finalPath}.tmp`, finalPath);
  await unlink(partPath);
}

/**
 * A recording killed before its first audio has no `.wav.part` (the file is created by the first packet): give it
 * its silent WAV from the start to the sidecar's last write, unless a WAV is already there.
 */
async function silenceForAudioless(
  dir: string,
  id: string,
  doc: Record<string, unknown>,
  endMs: number,
): Promise<WavFigures | undefined> {
  const startMs = typeof doc.startedAt === 'string' ? Date.parse(doc.startedAt) : NaN;
  const plan = planSilentWav(doc.streams, endMs - startMs);
  if (!plan) return undefined;
  try {
    await writeSilentWav(join(dir, `${id}.wav`), plan);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  return {
    channels: plan.channels,
    sampleRate: plan.sampleRate,
    durationMs: (plan.frames * 1000) / plan.sampleRate,
  };
}
