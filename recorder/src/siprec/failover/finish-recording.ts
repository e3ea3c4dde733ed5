/**
 * The end of a recording that moved between recorders (DESIGN.md §4): the segments are assembled into one
 * `<recordingId>.wav` and the sidecar says which recorder wrote which stretch (`segments[]`) and where the audio is
 * missing (`gaps[]`). A recording with a single segment is final as the media engine wrote it.
 *
 * Only the session's current owner finishes it: a recorder that was frozen or partitioned while another one took the
 * call over ends its stale copy without touching the final files (`takenOverMeanwhile`).
 */
import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SidecarDocument } from '../../recording/sidecar.js';
import { assembleRecording } from '../../recording/assembly/assemble-recording.js';
import type { SegmentStorage } from '../../recording/assembly/segment-storage.js';
import type { SessionStore } from '../../store/session-store.js';
import type { RecordingSession } from '../session/recording-session.js';

/** What {@link takenOverMeanwhile} needs to know who owns a session now. */
export interface OwnershipCheck {
  readonly store: SessionStore;
  readonly recorderId: string;
  readonly leaseMs: number;
  readonly recordingDir: string;
  readonly logger: Pick<Logger, 'warn'>;
}

/** Largest final sidecar read back to compare segments (they are a few kB; metadata documents are bounded). */
const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

/**
 * Whether another recorder took `session` over while this one was not looking (frozen, partitioned) — then that
 * recorder finishes it, and this one must write neither the assembled WAV nor the sidecar over theirs.
 *
 * The store decides (our lease renewal is fenced by their token). When it cannot answer (or no longer has the
 * session), the final sidecar on the shared volume does: one listing more segments than we know of was written by
 * a later owner. A shorter one never stops us, so the finisher of a moved recording still replaces the sidecar a
 * partitioned predecessor may have written first.
 */
export async function takenOverMeanwhile(
  check: OwnershipCheck,
  session: Pick<RecordingSession, 'recordingId' | 'callId' | 'segments' | 'mediaResult'>,
  token: number,
): Promise<boolean> {
  const { store, recorderId, leaseMs, recordingDir } = check;
  const lease = await store.renew(session.recordingId, recorderId, token, leaseMs);
  if (lease.ok) return false;
  let newOwner = lease.reason === 'fenced' ? lease.owner : undefined;
  const final = await readFinalSidecar(join(recordingDir, `${session.recordingId}.json`));
  if (newOwner === undefined) {
    if (!final || final.segments <= session.segments.length) return false;
    newOwner = final.lastRecorderId;
  }
  // A final sidecar exists, so the in-progress one can only be ours, put back while we were frozen; left there, the
  // next start-up repair would "recover" it over the final one.
  if (final) await unlink(join(recordingDir, `${session.recordingId}.json.part`)).catch(() => undefined);
  check.logger.warn(
    {
      callId: session.callId,
      recordingId: session.recordingId,
      newOwner,
      wav: session.mediaResult?.wav?.path,
    },
    'session ended here after another recorder took it over: its recording and sidecar are left to that recorder',
  );
  return true;
}

async function readFinalSidecar(
  path: string,
): Promise<{ segments: number; lastRecorderId: string } | undefined> {
  let text: string;
  try {
    if ((await stat(path)).size > MAX_SIDECAR_BYTES) return undefined;
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const doc = JSON.parse(text) as { segments?: unknown };
    if (!Array.isArray(doc.segments)) return { segments: 0, lastRecorderId: '' };
    const last = doc.segments.at(-1) as { recorderId?: unknown } | undefined;
    return {
      segments: doc.segments.length,
      lastRecorderId: typeof last?.recorderId === 'string' ? last.recorderId : '',
    };
  } catch {
    // Sidecars are written through a rename: an unreadable one is damage, and says nothing about who owns it.
    return undefined;
  }
}

/** The final sidecar of `session` given the one rendered from its state (`doc`). */
export async function finishSegments(
  storage: SegmentStorage,
  session: RecordingSession,
  doc: SidecarDocument,
): Promise<SidecarDocument> {
  if (session.segments.length < 2) return doc;
  const assembled = await assembleRecording(
    storage,
    session.recordingId,
    session.startedAt,
    session.segments,
  );
  const iso = (ms: number): string => new Date(ms).toISOString();
  if (!assembled) {
    return {
      ...doc,
      recording: null,
      segments: session.segments.map((g) => ({
        recorderId: g.recorderId,
        start: iso(g.start),
        end: iso(g.end ?? g.start),
      })),
      gaps: [],
    };
  }
  // Segments closed by a killed recorder end where their audio ends; the sidecar keeps that, not `null`.
  for (const [i, g] of assembled.segments.entries()) {
    const seg = session.segments[i];
    if (seg && seg.end === null) seg.end = g.end;
  }
  return {
    ...doc,
    recording: {
      file: assembled.file,
      channels: assembled.channels,
      sampleRate: assembled.sampleRate,
      frames: assembled.frames,
      durationMs: assembled.durationMs,
    },
    segments: assembled.segments.map((g) => ({
      recorderId: g.recorderId,
      start: iso(g.start),
      end: iso(g.end),
      audioMs: g.audioMs,
    })),
    gaps: assembled.gaps.map((g) => ({
      start: iso(g.start),
      end: iso(g.end),
      durationMs: g.durationMs,
      reason: 'failover',
      fromRecorderId: g.fromRecorderId,
      toRecorderId: g.toRecorderId,
    })),
  };
}
