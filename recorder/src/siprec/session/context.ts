/**
 * What the SIPREC request handlers share: configuration, observability, the session registry, the media engine and
 * the sidecar writer, and a few operations (answering with our standard headers, ending a session).
 */
import type { Logger } from 'pino';
import type { RecorderConfig } from '../../config/config.js';
import type { RecorderMetrics } from '../../observability/metrics.js';
import type { SidecarDocument, SidecarWriter } from '../../recording/sidecar.js';
import type { IncomingRequest, RespondOptions } from '../../sip/core/transaction-user.js';
import type { Dialog } from '../../sip/dialog/dialog.js';
import type { MessageSource } from '../../sip/transport/types.js';
import type { RecordingHandle } from '../../media/engine/recording-handle.js';
import type { PolicyEngine } from '../../policy/policy-engine.js';
import type { PortSource } from './media-negotiator.js';
import type { RecordingSession } from './recording-session.js';
import type { SessionRegistry } from './session-registry.js';

/** Methods we implement (INTEROP §11: the Allow of every OPTIONS answer and 405). */
export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO';
/** Extensions we support (INTEROP §1.1: without `siprec` SRCs get 420 and never record). */
export const SUPPORTED_TAGS: ReadonlySet<string> = new Set(['siprec', 'timer', 'replaces']);
export const SUPPORTED = 'siprec, timer, replaces';
export const ACCEPT =
  'application/sdp, application/rs-metadata+xml, application/rs-metadata, multipart/mixed';
/** RFC 4028 §5: our Min-SE; ≤ 90 so neither CUBE (1800) nor Ribbon (90) is ever refused (INTEROP §9). */
export const MIN_SE = 90;

export interface Clock {
  now(): number;
}

/** The media engine as the SIPREC layer uses it: one recording per session, on one media worker. */
export interface MediaSource {
  openRecording(init: {
    readonly recordingId: string;
    readonly directory: string;
    readonly startedAt: number;
    /** RTP/RTCP pairs to bind in the same round trip (the offer's m-lines). */
    readonly ports?: number;
  }): Promise<RecordingHandle>;
}

/**
 * The shared session store as the SIPREC layer uses it (DESIGN.md §4): sessions are persisted as they change, and
 * requests for dialogs another recorder held are taken over. Absent in tests that run the layer on its own.
 */
export interface SessionPersistence {
  /** A session was answered here: store it with this recorder as owner. */
  created(session: RecordingSession): void;
  /** Its state changed (offer/answer, metadata, pause, refresh): save it. */
  changed(session: RecordingSession): void;
  /**
   * The session ended here and its media is final: assembles its segments when it moved between recorders, stores
   * it as ended and gives ownership up. Resolves with the final sidecar for the caller to write, or undefined when
   * nothing is left to write (an assembled recording's sidecar is written here; a session another recorder took
   * over is finished there).
   */
  finish(session: RecordingSession, doc: SidecarDocument): Promise<SidecarDocument | undefined>;
  /**
   * An in-dialog request for a dialog this recorder does not hold (RFC 3261 §12.2.2). Resolves with the session
   * rebuilt here (the caller handles the request as usual), `answered` when the request was answered already, or
   * undefined when no recorder knows the dialog (the caller answers 481).
   */
  resume(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
  ): Promise<RecordingSession | 'answered' | undefined>;
  /** An INVITE with `Replaces` (RFC 3891): resolves `answered`, or undefined when it replaces nothing stored. */
  replace(ctx: UserAgentContext, incoming: IncomingRequest): Promise<'answered' | undefined>;
}

export interface UserAgentContext {
  readonly config: RecorderConfig;
  readonly logger: Logger;
  readonly metrics: RecorderMetrics;
  readonly sidecars: SidecarWriter;
  readonly media: MediaSource;
  readonly registry: SessionRegistry;
  readonly clock: Clock;
  readonly random: (n: number) => Buffer;
  readonly newRecordingId: () => string;
  /** RecordingPolicies (record / skip / reject, pause rules); undefined records every call (unit tests). */
  readonly policy?: PolicyEngine;
  /** The session store; undefined runs without persistence (unit tests of the SIPREC layer). */
  readonly persistence?: SessionPersistence;
  /** Address put in SDP `c=`/`o=` and in Contact. */
  readonly mediaAddress: string;
  /** Our Contact for a dialog that arrived through `source`. */
  contactFor(source: MessageSource): string;
  /** Whether new sessions may start (not draining, under MAX_CONCURRENT_CALLS, ready). */
  admission(): { ok: true } | { ok: false; reason: string };
  /** Answers through the request's transaction and counts the response. */
  respond(incoming: IncomingRequest, status: number, opts?: RespondOptions): void;
  /**
   * Ends a session: finalises its recording (WAV, sockets) and then its sidecar, optionally sends BYE to the SRC.
   * Idempotent.
   */
  endSession(session: RecordingSession, reason: string, opts: { sendBye: boolean }): void;
  /** Sends BYE on `dialog`, which `session` has just left for another (INVITE with Replaces, RFC 3891 §3). */
  endReplacedDialog(session: RecordingSession, dialog: Dialog): void;
}

/** Option tags of every Require header, lower-cased. */
export function requireTags(incoming: IncomingRequest): string[] {
  return incoming.request.headers
    .getAll('Require')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

/** The part of the context that offer negotiation needs; ports come from the session's recording. */
export function negotiationContext(
  ctx: UserAgentContext,
  ports: PortSource,
): {
  srtpPolicy: RecorderConfig['srtpPolicy'];
  ports: PortSource;
  random: (n: number) => Buffer;
} {
  return { srtpPolicy: ctx.config.srtpPolicy, ports, random: ctx.random };
}
