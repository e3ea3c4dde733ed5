/**
 * One recording session: the SIP dialog with the SRC, the negotiated streams, the metadata as it evolves, and the
 * facts the sidecar reports. Behaviour that needs the network (answering, BYE) lives in the handlers; this class
 * only keeps state consistent and renders it.
 */
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

/** Raw metadata documents kept per session; an SRC sending endless UPDATEs must not grow memory without bound. */
const MAX_RAW_METADATA = 32;

export type SessionState = 'early' | 'confirmed' | 'ended';
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
  readonly dialog: Dialog;
  readonly source: MessageSource;
  readonly startedAt: number;
  readonly siprec: boolean;
  readonly classifiedBy: string;
  readonly localSessionId: string;
  readonly correlationHeaders: Readonly<Record<string, string>>;

  state: SessionState = 'early';
  offer: SdpOffer | undefined;
  answerSdp = '';
  answerVersion = 0;
  streams: StreamState[] = [];
  metadata: RecordingMetadata | undefined;
  metadataStatus: MetadataStatus = 'none';
  readonly rawMetadata: { receivedAt: string; method: string; document: string }[] = [];
  paused = false;
  /** Negotiated RFC 4028 interval, if any. */
  sessionExpiresMs: number | undefined;
  /** Last request from the SRC in this dialog (refreshes the session timer). */
  lastSignalAt: number;
  endedAt: number | undefined;
  endReason: string | undefined;

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
    const streams: SidecarStream[] = this.streams.map((s, i) => ({
      label: s.label ?? null,
      mediaIndex: s.mediaIndex,
      kind: s.kind,
      codec: s.accepted ? (s.codec?.name ?? null) : null,
      clockRate: s.accepted ? (s.codec?.clockRate ?? null) : null,
      srtp: s.accepted ? (s.srtp?.suite ?? null) : null,
      channel: s.accepted ? (s.channel ?? null) : null,
      direction: s.direction,
      participants: mapping[i]?.participantIds ?? [],
      ...(mapping[i]?.role !== undefined ? { role: mapping[i]?.role } : {}),
      packetsReceived: s.packetsReceived,
      packetsLost: 0,
      bytesReceived: s.bytesReceived,
      firstPacketAt: s.firstPacketAt !== undefined ? new Date(s.firstPacketAt).toISOString() : null,
      lastPacketAt: s.lastPacketAt !== undefined ? new Date(s.lastPacketAt).toISOString() : null,
      ...(s.rejectReason !== undefined ? { rejectReason: s.rejectReason } : {}),
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
      endReason: this.endReason ?? null,
      segments: [{ recorderId, start: startedAt, end: endedAt }],
      dtmf: [],
      source: {
        address: this.source.remoteAddress,
        port: this.source.remotePort,
        transport: this.source.protocol,
      },
      sipHeaders: this.correlationHeaders,
      metadata: {
        status: this.metadataStatus,
        dialect: this.metadata?.dialect ?? null,
        raw: this.rawMetadata,
        merged: this.metadata ?? null,
      },
    };
  }
}
