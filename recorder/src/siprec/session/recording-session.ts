/**
 * One recording session: the SIP dialog with the SRC, the negotiated streams, the metadata as it evolves, and the
 * facts the sidecar reports. Behaviour that needs the network (answering, BYE) lives in the handlers; this class
 * only keeps state consistent and renders it.
 */
import { basename } from 'node:path';
import type { Dialog } from '../../sip/dialog/dialog.js';
import type { MessageSource } from '../../sip/transport/types.js';
import type { SidecarDocument, SidecarParticipant, SidecarStream } from '../../recording/sidecar.js';
import type { SessionSummary } from '../../http/http-server.js';
import {
  mapStreamsToParticipants,
  mergeMetadata,
  parseMetadata,
  type RecordingMetadata,
} from '../metadata/index.js';
import type { SdpOffer } from '../sdp/index.js';
import type { StreamState } from './stream-state.js';
import { PauseIntervals } from './pause-intervals.js';
import type { RecordingHandle } from '../../media/engine/recording-handle.js';
import type { RecordingMediaResult, StreamMediaStats } from '../../media/engine/engine-protocol.js';
import type { SessionPolicy } from '../../policy/session-policy.js';

/** Raw metadata documents kept per session; an SRC sending endless UPDATEs must not grow memory without bound. */
const MAX_RAW_METADATA = 32;

export type SessionState = 'early' | 'confirmed' | 'ended';

/** A stretch of the recording written by one recorder (DESIGN.md §4); times are epoch ms, `end` null while open. */
export interface SessionSegment {
  readonly recorderId: string;
  readonly start: number;
  end: number | null;
  /** Audio files of the segment, relative to RECORDING_DIR. */
  readonly files: readonly string[];
}

/** Per-session signalling counters, kept in the session store and the sidecar. */
export interface SessionCounters {
  reinvites: number;
  updates: number;
  metadataUpdates: number;
  /** Times the session moved to another recorder after its owner died. */
  failovers: number;
  handovers: number;
}
export type MetadataStatus = 'none' | 'parsed' | 'sanitised' | 'unparsed';

export interface RecordingSessionInit {
  readonly recordingId: string;
  readonly dialog: Dialog;
  readonly source: MessageSource;
  readonly startedAt: number;
  readonly siprec: boolean;
  readonly classifiedBy: string;
  readonly localSessionId: string;
  /** SIP headers worth keeping for correlation (UCID, Genesys ids, Cisco GUID…). */
  readonly correlationHeaders: Readonly<Record<string, string>>;
}

export class RecordingSession {
  readonly recordingId: string;
  /** Replaced when the SRC moves the session to a new dialog (INVITE with Replaces, RFC 3891). */
  dialog: Dialog;
  readonly source: MessageSource;
  readonly startedAt: number;
  readonly siprec: boolean;
  readonly classifiedBy: string;
  readonly localSessionId: string;
  readonly correlationHeaders: Readonly<Record<string, string>>;

  state: SessionState = 'early';
  offer: SdpOffer | undefined;
  /** Text of the accepted offer, kept for the session store (another recorder re-negotiates from it). */
  offerSdp = '';
  answerSdp = '';
  answerVersion = 0;
  streams: StreamState[] = [];
  metadata: RecordingMetadata | undefined;
  metadataStatus: MetadataStatus = 'none';
  readonly rawMetadata: { receivedAt: string; method: string; document: string }[] = [];
  paused = false;
  /** Hold and pause spans, for the sidecar's `pauses[]`. */
  pauses = new PauseIntervals();
  /** Negotiated RFC 4028 interval, if any. */
  sessionExpiresMs: number | undefined;
  /** Last request from the SRC in this dialog (refreshes the session timer). */
  lastSignalAt: number;
  endedAt: number | undefined;
  endReason: string | undefined;
  /** The recording on its media worker, from the initial answer on. */
  media: RecordingHandle | undefined;
  /** What the media worker reported when the recording was finalised. */
  mediaResult: RecordingMediaResult | undefined;
  /** The RecordingPolicy decision and pause state; undefined when the recorder runs without policies. */
  policy: SessionPolicy | undefined;
  /**
   * The recording's segments, oldest first; empty for a session that never used the session store (the sidecar
   * then lists one segment of this recorder). The last one is this recorder's while the session is active here.
   */
  segments: SessionSegment[] = [];
  readonly counters: SessionCounters = {
    reinvites: 0,
    updates: 0,
    metadataUpdates: 0,
    failovers: 0,
    handovers: 0,
  };

  constructor(init: RecordingSessionInit) {
    this.recordingId = init.recordingId;
    this.dialog = init.dialog;
    this.source = init.source;
    this.startedAt = init.startedAt;
    this.siprec = init.siprec;
    this.classifiedBy = init.classifiedBy;
    this.localSessionId = init.localSessionId;
    this.correlationHeaders = init.correlationHeaders;
    this.lastSignalAt = init.startedAt;
  }

  get callId(): string {
    return this.dialog.callId;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Time of the last RTP packet on any stream, or undefined before the first. */
  get lastPacketAt(): number | undefined {
    let last: number | undefined;
    for (const s of this.streams)
      if (s.lastPacketAt !== undefined && (last === undefined || s.lastPacketAt > last))
        last = s.lastPacketAt;
    return last;
  }

  /** Whether every recorded stream is held or inactive (no media is expected). */
  get onHold(): boolean {
    return this.streams.every((s) => !s.accepted || s.direction === 'inactive');
  }

  /**
   * Takes a metadata document from INVITE, re-INVITE, UPDATE or BYE. Never throws: a document that cannot be
   * parsed is kept raw and flagged (INTEROP §3.2 — metadata problems never cost the recording).
   * @returns the parse outcome, for logging and metrics
   */
  applyMetadata(
    raw: string,
    method: string,
    now: number,
  ): { ok: boolean; sanitised: boolean; error?: string } {
    this.rawMetadata.push({ receivedAt: new Date(now).toISOString(), method, document: raw });
    if (this.rawMetadata.length > MAX_RAW_METADATA) this.rawMetadata.splice(1, 1); // keep the first, drop the oldest update
    const parsed = parseMetadata(raw);
    if (!parsed.ok) {
      if (this.metadataStatus === 'none') this.metadataStatus = 'unparsed';
      return { ok: false, sanitised: false, error: parsed.error };
    }
    this.metadata = mergeMetadata(this.metadata, parsed.metadata);
    if (this.metadataStatus !== 'sanitised') this.metadataStatus = parsed.sanitised ? 'sanitised' : 'parsed';
    return { ok: true, sanitised: parsed.sanitised };
  }

  /** Marks the session over; returns false if it already was. */
  end(reason: string, now: number): boolean {
    if (this.state === 'ended') return false;
    this.state = 'ended';
    this.endedAt = now;
    this.endReason = reason;
    return true;
  }

  /** Keeps the final media statistics, DTMF and file figures for the sidecar. */
  applyMediaResult(result: RecordingMediaResult): void {
    this.mediaResult = result;
  }

  summary(): SessionSummary {
    return {
      recordingId: this.recordingId,
      callId: this.callId,
      state: this.state,
      paused: this.paused,
      startedAt: new Date(this.startedAt).toISOString(),
      streams: this.streams.filter((s) => s.accepted).length,
      participants: (this.metadata?.participants ?? []).map((p) => p.name ?? p.aor ?? p.id),
    };
  }

  /** The sidecar as of now (DESIGN.md §9). */
  toSidecar(recorderId: string): SidecarDocument {
    const mapping = mapStreamsToParticipants(
      this.metadata,
      this.streams.map((s) => s.label),
    );
    const labelOfStreamId = new Map<string, string>();
    for (const s of this.metadata?.streams ?? [])
      if (s.label !== undefined) labelOfStreamId.set(s.id, s.label);
    const participants: SidecarParticipant[] = (this.metadata?.participants ?? []).map((p) => ({
      id: p.id,
      ...(p.aor !== undefined ? { aor: p.aor } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.role !== undefined ? { role: p.role } : {}),
      streamLabels: p.sends.map((id) => labelOfStreamId.get(id) ?? id),
    }));
    const media = mediaByChannel(this.mediaResult);
    const streams: SidecarStream[] = this.streams.map((s, i) => {
      const m = s.accepted && s.channel !== undefined ? media.get(s.channel) : undefined;
      return {
        label: s.label ?? null,
        mediaIndex: s.mediaIndex,
        kind: s.kind,
        codec: s.accepted ? (s.codec?.name ?? null) : null,
        clockRate: s.accepted ? (s.codec?.clockRate ?? null) : null,
        srtp: s.accepted ? (s.srtp?.suite ?? null) : null,
        // A stream added after the WAV's layout was fixed has no channel in it (see RecordingWriter).
        channel: s.accepted && (m === undefined || m.inWav) ? (s.channel ?? null) : null,
        direction: s.direction,
        participants: mapping[i]?.participantIds ?? [],
        ...(mapping[i]?.role !== undefined ? { role: mapping[i]?.role } : {}),
        packetsReceived: m?.packetsReceived ?? s.packetsReceived,
        packetsLost: m?.packetsLost ?? 0,
        bytesReceived: m?.bytesReceived ?? s.bytesReceived,
        firstPacketAt: isoOrNull(m ? m.firstPacketAt : s.firstPacketAt),
        lastPacketAt: isoOrNull(m ? m.lastPacketAt : s.lastPacketAt),
        ...(m
          ? {
              packetsDuplicated: m.packetsDuplicated,
              packetsLate: m.packetsLate,
              jitterMs: m.jitterMs,
              srtpAuthFailures: m.srtpAuthFailures,
              srtpReplays: m.srtpReplays,
              decodeErrors: m.decodeErrors,
              malformedPackets: m.malformedPackets,
              foreignPackets: m.foreignPackets,
              unknownPayloadTypes: m.unknownPayloadTypes,
              ssrcChanges: m.ssrcChanges,
              latchedSource: m.latchedSource,
              rtcpReceived: m.rtcpReceived,
              rtcpSent: m.rtcpSent,
              storage: m.storage,
              timeline: m.timeline,
              ...(m.rawFile !== null ? { rawFile: basename(m.rawFile) } : {}),
              ...(!m.inWav ? { notInWavReason: 'stream added after the recording started' } : {}),
            }
          : {}),
        ...(s.rejectReason !== undefined ? { rejectReason: s.rejectReason } : {}),
      };
    });
    const wav = this.mediaResult?.wav;
    const dtmf = (this.mediaResult?.dtmf ?? []).map((d) => ({
      digit: d.digit,
      stream: d.label,
      channel: d.channel,
      at: new Date(d.atMs).toISOString(),
      offsetMs: d.atMs - this.startedAt,
      durationMs: d.durationMs,
    }));
    const startedAt = new Date(this.startedAt).toISOString();
    const endedAt = this.endedAt !== undefined ? new Date(this.endedAt).toISOString() : null;
    return {
      recordingId: this.recordingId,
      callId: this.callId,
      siprecSessionId: this.metadata?.recordingSessionIds[0] ?? this.metadata?.sipSessionId ?? null,
      state: this.state === 'ended' ? 'final' : 'recording',
      siprec: this.siprec,
      participants,
      streams,
      startedAt,
      endedAt,
      endReason: (this.policy ? this.policy.sidecarEndReason(this.endReason) : this.endReason) ?? null,
      segments:
        this.segments.length === 0
          ? [{ recorderId, start: startedAt, end: endedAt }]
          : this.segments.map((g) => ({
              recorderId: g.recorderId,
              start: new Date(g.start).toISOString(),
              end: g.end !== null ? new Date(g.end).toISOString() : endedAt,
            })),
      dtmf,
      recording: wav
        ? {
            file: basename(wav.path),
            channels: wav.channels,
            sampleRate: wav.sampleRate,
            frames: wav.frames,
            durationMs: wav.durationMs,
          }
        : null,
      source: {
        address: this.source.remoteAddress,
        port: this.source.remotePort,
        transport: this.source.protocol,
      },
      sipHeaders: this.correlationHeaders,
      pauses: this.pauses.toSidecar(this.endedAt),
      ...(this.policy ? { policy: this.policy.toSidecar(this.endReason) } : {}),
      metadata: {
        status: this.metadataStatus,
        dialect: this.metadata?.dialect ?? null,
        raw: this.rawMetadata,
        merged: this.metadata ?? null,
      },
    };
  }
}

/** The final statistics per channel; a stream released and re-added on one channel is summed. */
function mediaByChannel(result: RecordingMediaResult | undefined): Map<number, StreamMediaStats> {
  const out = new Map<number, StreamMediaStats>();
  for (const m of result?.streams ?? []) {
    const prev = out.get(m.channel);
    if (!prev) {
      out.set(m.channel, m);
      continue;
    }
    const last = (m.lastPacketAt ?? 0) >= (prev.lastPacketAt ?? 0) ? m : prev;
    out.set(m.channel, {
      ...last,
      packetsReceived: prev.packetsReceived + m.packetsReceived,
      packetsLost: prev.packetsLost + m.packetsLost,
      packetsDuplicated: prev.packetsDuplicated + m.packetsDuplicated,
      packetsLate: prev.packetsLate + m.packetsLate,
      bytesReceived: prev.bytesReceived + m.bytesReceived,
      firstPacketAt: minTime(prev.firstPacketAt, m.firstPacketAt),
      srtpAuthFailures: prev.srtpAuthFailures + m.srtpAuthFailures,
      srtpReplays: prev.srtpReplays + m.srtpReplays,
      decodeErrors: prev.decodeErrors + m.decodeErrors,
      malformedPackets: prev.malformedPackets + m.malformedPackets,
      foreignPackets: prev.foreignPackets + m.foreignPackets,
      rtcpReceived: prev.rtcpReceived + m.rtcpReceived,
      rtcpSent: prev.rtcpSent + m.rtcpSent,
    });
  }
  return out;
}

function minTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
