/**
 * A recording session and its stored form (DESIGN.md §4): `toStoredSession` renders what another recorder needs to
 * continue the session, `restoreSession` rebuilds a `RecordingSession` from it on the recorder that takes it over.
 * Ports are never stored: the new owner binds its own and answers with them. SRTP keys stay as they were (the SRC's
 * to decrypt, ours re-used in the answer), so the SRC does not have to re-key (RFC 4568 §7.1.4).
 */
import { Dialog } from '../../sip/dialog/dialog.js';
import type { MessageSource, SendTarget } from '../../sip/transport/types.js';
import type { StoredSession, StoredStream } from '../../store/stored-session.js';
import { STORED_SESSION_SCHEMA } from '../../store/stored-session.js';
import { parseOffer } from '../sdp/index.js';
import { RecordingSession } from '../session/recording-session.js';
import { PauseIntervals } from '../session/pause-intervals.js';
import { SessionError } from '../session/session-error.js';
import type { StreamState } from '../session/stream-state.js';

/** The session as the store keeps it. SRTP keys go in base64; the store seals them when a key is configured. */
export function toStoredSession(session: RecordingSession): StoredSession {
  return {
    schema: STORED_SESSION_SCHEMA,
    recordingId: session.recordingId,
    callId: session.callId,
    dialog: session.dialog.toJSON(),
    state: session.state,
    siprec: session.siprec,
    classifiedBy: session.classifiedBy,
    startedAt: session.startedAt,
    lastSignalAt: session.lastSignalAt,
    endedAt: session.endedAt ?? null,
    endReason: session.endReason ?? null,
    paused: session.paused,
    sessionExpiresMs: session.sessionExpiresMs ?? null,
    source: {
      address: session.source.remoteAddress,
      port: session.source.remotePort,
      protocol: session.source.protocol,
    },
    correlationHeaders: session.correlationHeaders,
    sdp: {
      offer: session.offerSdp,
      offerVersion: session.offer?.origin.sessionVersion ?? '',
      answer: session.answerSdp,
      answerVersion: session.answerVersion,
      localSessionId: session.localSessionId,
    },
    streams: session.streams.map(storedStream),
    metadata: {
      status: session.metadataStatus,
      merged: session.metadata ?? null,
      raw: session.rawMetadata,
    },
    segments: session.segments.map((g) => ({ ...g, files: [...g.files] })),
    counters: { ...session.counters },
    pauses: session.pauses.toJSON(),
  };
}

function storedStream(s: StreamState): StoredStream {
  return {
    mediaIndex: s.mediaIndex,
    label: s.label ?? null,
    kind: s.kind,
    accepted: s.accepted,
    direction: s.direction,
    codec: s.codec ?? null,
    srtp: s.srtp
      ? {
          suite: s.srtp.suite,
          tag: s.srtp.tag,
          remoteKeySalt: s.srtp.remoteKeySalt.toString('base64'),
          localKeySalt: s.srtp.local.inline,
          sessionParams: [...s.srtp.sessionParams],
        }
      : null,
    rtcpMux: s.rtcpMux,
    channel: s.channel ?? null,
    remoteAddress: s.remoteAddress ?? null,
    remotePort: s.remotePort,
    rejectReason: s.rejectReason ?? null,
    packetsReceived: s.packetsReceived,
    bytesReceived: s.bytesReceived,
    firstPacketAt: s.firstPacketAt ?? null,
    lastPacketAt: s.lastPacketAt ?? null,
  };
}

/** What the recorder taking a session over supplies: where the request came from and our Contact for it. */
export interface RestoreContext {
  /** The request that brought the session here (its source answers our in-dialog requests from now on). */
  readonly source: MessageSource;
  /** Our Contact (RFC 3261 §12.1.1): the SRC's next requests must reach us, not the dead recorder. */
  readonly localContact: string;
  /** A new dialog for INVITE/Replaces (RFC 3891 §3), instead of the stored one. */
  readonly dialog?: Dialog;
}

/** The stored dialog, continued here: our Contact, and requests to the SRC sent where its request came from. */
export function restoreDialog(stored: StoredSession, rc: Omit<RestoreContext, 'dialog'>): Dialog {
  return Dialog.fromJSON({
    ...stored.dialog,
    localContact: rc.localContact,
    target: retarget(stored.dialog.target, rc.source),
  });
}

/**
 * Rebuilds a session from the store, without ports or media (the caller opens the recording and negotiates).
 * @throws SessionError `SESSION_BAD_STORED_STATE` (500) when the stored offer no longer parses
 */
export function restoreSession(stored: StoredSession, rc: RestoreContext): RecordingSession {
  const dialog = rc.dialog ?? restoreDialog(stored, rc);
  const session = new RecordingSession({
    recordingId: stored.recordingId,
    dialog,
    source: rc.source,
    startedAt: stored.startedAt,
    siprec: stored.siprec,
    classifiedBy: stored.classifiedBy,
    localSessionId: stored.sdp.localSessionId,
    correlationHeaders: { ...stored.correlationHeaders },
  });
  session.state = stored.state === 'ended' ? 'ended' : 'confirmed';
  session.lastSignalAt = stored.lastSignalAt;
  session.paused = stored.paused;
  if (stored.pauses) session.pauses = PauseIntervals.from(stored.pauses);
  session.sessionExpiresMs = stored.sessionExpiresMs ?? undefined;
  if (stored.sdp.offer !== '') {
    const parsed = parseOffer(stored.sdp.offer);
    if (!parsed.ok)
      throw new SessionError('SESSION_BAD_STORED_STATE', 500, `stored offer unusable: ${parsed.error}`);
    session.offer = parsed.offer;
  }
  session.offerSdp = stored.sdp.offer;
  session.answerSdp = stored.sdp.answer;
  session.answerVersion = stored.sdp.answerVersion;
  session.streams = stored.streams.map(restoreStream);
  session.metadata = stored.metadata.merged ?? undefined;
  session.metadataStatus = stored.metadata.status;
  session.rawMetadata.push(...stored.metadata.raw.map((d) => ({ ...d })));
  session.segments = stored.segments.map((g) => ({ ...g, files: [...g.files] }));
  Object.assign(session.counters, stored.counters);
  return session;
}

function restoreStream(s: StoredStream): StreamState {
  return {
    mediaIndex: s.mediaIndex,
    label: s.label ?? undefined,
    kind: s.kind,
    accepted: s.accepted,
    direction: s.direction,
    codec: s.codec ?? undefined,
    srtp: s.srtp
      ? {
          suite: s.srtp.suite,
          tag: s.srtp.tag,
          remoteKeySalt: Buffer.from(s.srtp.remoteKeySalt, 'base64'),
          local: {
            suite: s.srtp.suite,
            keySalt: Buffer.from(s.srtp.localKeySalt, 'base64'),
            inline: s.srtp.localKeySalt,
          },
          sessionParams: [...s.srtp.sessionParams],
        }
      : undefined,
    rtcpMux: s.rtcpMux,
    ports: undefined,
    channel: s.channel ?? undefined,
    remoteAddress: s.remoteAddress ?? undefined,
    remotePort: s.remotePort,
    rejectReason: s.rejectReason ?? undefined,
    // Counts restart with this segment: the worker's statistics are per segment.
    packetsReceived: 0,
    bytesReceived: 0,
    firstPacketAt: undefined,
    lastPacketAt: undefined,
  };
}

/**
 * In-dialog requests to the SRC go where the dead recorder sent them (route set / remote target), but over our own
 * connection: a stream connection id of another process means nothing here (RFC 3261 §18.2.2, RFC 5923).
 */
function retarget(stored: SendTarget, source: MessageSource): SendTarget {
  const base = { protocol: stored.protocol, address: stored.address, port: stored.port };
  return source.connectionId !== undefined && source.protocol === stored.protocol
    ? { ...base, connectionId: source.connectionId }
    : base;
}
