/**
 * The end of a recording that moved between recorders (DESIGN.md §4): the segments are assembled into one
 * `<recordingId>.wav` and the sidecar says which recorder wrote which stretch (`segments[]`) and where the audio is
 * missing (`gaps[]`). A recording with a single segment is final as the media engine wrote it.
 */
import type { SidecarDocument } from '../../recording/sidecar.js';
import { assembleRecording } from '../../recording/assembly/assemble-recording.js';
import type { SegmentStorage } from '../../recording/assembly/segment-storage.js';
import type { RecordingSession } from '../session/recording-session.js';

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
