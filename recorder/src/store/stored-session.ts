/**
 * What the shared store keeps per recording (DESIGN.md §4): everything another recorder needs to continue a session
 * it did not create — answer the SRC's next in-dialog request, rebuild the SRTP contexts, keep the channel layout and
 * metadata, and add its own segment to the same recording. Plain JSON: SRTP keys are base64 here and are sealed
 * (AES-256-GCM when STORE_ENCRYPTION_KEY is set) only in the stored form.
 */
import type { DialogSnapshot } from '../sip/dialog/dialog-snapshot.js';
import type { ChosenCodec } from '../siprec/sdp/types.js';
import type { RecordingMetadata } from '../siprec/metadata/index.js';

/** Version of the stored form; a recorder refuses documents of a version it does not know. */
export const STORED_SESSION_SCHEMA = 1;

/** Bounds on a stored document: a corrupted or hostile entry must not be able to exhaust a recorder that loads it. */
export const STORE_LIMITS = {
  /** Same bound as the SDP parser (64 KiB offers). */
  maxSdpBytes: 64 * 1024,
  maxStreams: 64,
  /** Same bound as `RecordingSession` keeps in memory. */
  maxRawMetadata: 32,
  /** Same bound as the metadata parser (xml-guard). */
  maxMetadataDocumentBytes: 256 * 1024,
  /** Merged metadata and every stored part, once serialised. */
  maxPartBytes: 4 * 1024 * 1024,
  maxSegments: 256,
  /** Same bound as `PauseIntervals` keeps in memory. */
  maxPauses: 200,
  maxFilesPerSegment: 16,
  maxCorrelationHeaders: 64,
  maxString: 8192,
} as const;

/** SRTP (RFC 4568 SDES) state of one stream. Both keys are master key‖salt in base64. Secret. */
export interface StoredSrtp {
  readonly suite: string;
  /** Tag of the `a=crypto` line we accepted. */
  readonly tag: number;
  /** The SRC's key‖salt: decrypts what it sends. */
  readonly remoteKeySalt: string;
  /** Ours, sent in the answer (protects our RTCP). */
  readonly localKeySalt: string;
  readonly sessionParams: readonly string[];
}

/** One offered m-line, in offer order (see `StreamState`). Ports are not stored: a new owner binds its own. */
export interface StoredStream {
  readonly mediaIndex: number;
  readonly label: string | null;
  readonly kind: string;
  readonly accepted: boolean;
  readonly direction: 'recvonly' | 'inactive';
  /** The codec and its DTMF / comfort-noise payload types, or null when rejected. */
  readonly codec: ChosenCodec | null;
  readonly srtp: StoredSrtp | null;
  readonly rtcpMux: boolean;
  /** Channel in the WAV, fixed once given: a new segment must keep the same layout. */
  readonly channel: number | null;
  readonly remoteAddress: string | null;
  readonly remotePort: number;
  readonly rejectReason: string | null;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly firstPacketAt: number | null;
  readonly lastPacketAt: number | null;
}

/** Offer and answer as exchanged (RFC 3264), so the next answer continues `o=` versioning (§8). */
export interface StoredSdp {
  /** Text of the last offer accepted from the SRC. */
  readonly offer: string;
  /** Its `o=` session version (RFC 4566 §5.2), compared to spot an unchanged re-offer. */
  readonly offerVersion: string;
  readonly answer: string;
  /** Our `o=` version in `answer`; the next different answer uses `answerVersion + 1`. */
  readonly answerVersion: number;
  /** Our `o=` session id, kept for the life of the recording session, across recorders. */
  readonly localSessionId: string;
}

/** One raw metadata document as received (RFC 7866 §9), bounded by `STORE_LIMITS`. */
export interface StoredMetadataDocument {
  readonly receivedAt: string;
  readonly method: string;
  readonly document: string;
}

export interface StoredMetadata {
  readonly status: 'none' | 'parsed' | 'sanitised' | 'unparsed';
  readonly merged: RecordingMetadata | null;
  /** The first document and the latest updates (the first is always kept). */
  readonly raw: readonly StoredMetadataDocument[];
}

/** A stretch of the recording written by one recorder; `end` null while it is open. Times are epoch ms. */
export interface StoredSegment {
  readonly recorderId: string;
  readonly start: number;
  readonly end: number | null;
  /** Files this segment wrote, relative to RECORDING_DIR (or object keys later). */
  readonly files: readonly string[];
}

/** Per-session counters shown in the sidecar and metrics. */
export interface StoredSessionCounters {
  readonly reinvites: number;
  readonly updates: number;
  readonly metadataUpdates: number;
  /** Times the session moved to another recorder after its owner died. */
  readonly failovers: number;
  /** Planned moves (drain). */
  readonly handovers: number;
}

/** A recording session as stored. */
export interface StoredSession {
  readonly schema: typeof STORED_SESSION_SCHEMA;
  readonly recordingId: string;
  readonly callId: string;
  readonly dialog: DialogSnapshot;
  readonly state: 'early' | 'confirmed' | 'ended';
  readonly siprec: boolean;
  readonly classifiedBy: string;
  readonly startedAt: number;
  readonly lastSignalAt: number;
  readonly endedAt: number | null;
  readonly endReason: string | null;
  readonly paused: boolean;
  /** Negotiated RFC 4028 interval, or null. */
  readonly sessionExpiresMs: number | null;
  /** Where the SRC sent the INVITE from, for the sidecar. */
  readonly source: {
    readonly address: string;
    readonly port: number;
    readonly protocol: 'udp' | 'tcp' | 'tls';
  };
  readonly correlationHeaders: Readonly<Record<string, string>>;
  readonly sdp: StoredSdp;
  readonly streams: readonly StoredStream[];
  readonly metadata: StoredMetadata;
  readonly segments: readonly StoredSegment[];
  readonly counters: StoredSessionCounters;
  /** Hold and pause spans (absent in documents written before they were kept). */
  readonly pauses?: readonly StoredPause[];
}

/** A hold or pause span, epoch ms; `end` null while it lasts. */
export interface StoredPause {
  readonly reason: 'hold' | 'pause';
  readonly start: number;
  readonly end: number | null;
}

/** `callId;localTag;remoteTag`, the dialog id of RFC 3261 §12 (same form as `Dialog.id`). */
export function dialogIdOf(session: StoredSession): string {
  return `${session.dialog.callId};${session.dialog.localTag};${session.dialog.remoteTag}`;
}
