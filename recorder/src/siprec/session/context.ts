/**
 * What the SIPREC request handlers share: configuration, observability, the session registry, ports and the
 * sidecar writer, and a few operations (answering with our standard headers, ending a session).
 */
import type { Logger } from 'pino';
import type { RecorderConfig } from '../../config/config.js';
import type { RecorderMetrics } from '../../observability/metrics.js';
import type { SidecarWriter } from '../../recording/sidecar.js';
import type { IncomingRequest, RespondOptions } from '../../sip/core/transaction-user.js';
import type { MessageSource } from '../../sip/transport/types.js';
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

export interface UserAgentContext {
  readonly config: RecorderConfig;
  readonly logger: Logger;
  readonly metrics: RecorderMetrics;
  readonly sidecars: SidecarWriter;
  readonly ports: PortSource;
  readonly registry: SessionRegistry;
  readonly clock: Clock;
  readonly random: (n: number) => Buffer;
  readonly newRecordingId: () => string;
  /** Address put in SDP `c=`/`o=` and in Contact. */
  readonly mediaAddress: string;
  /** Our Contact for a dialog that arrived through `source`. */
  contactFor(source: MessageSource): string;
  /** Whether new sessions may start (not draining, under MAX_CONCURRENT_CALLS, ready). */
  admission(): { ok: true } | { ok: false; reason: string };
  /** Answers through the request's transaction and counts the response. */
  respond(incoming: IncomingRequest, status: number, opts?: RespondOptions): void;
  /** Ends a session: releases ports, finalises the sidecar, optionally sends BYE to the SRC. Idempotent. */
  endSession(session: RecordingSession, reason: string, opts: { sendBye: boolean }): void;
  /** Starts counting packets on the session's bound streams (idempotent per socket). */
  watchMedia(session: RecordingSession): void;
}

/** Option tags of every Require header, lower-cased. */
export function requireTags(incoming: IncomingRequest): string[] {
  return incoming.request.headers
    .getAll('Require')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

/** The part of the context that offer negotiation needs. */
export function negotiationContext(ctx: UserAgentContext): {
  srtpPolicy: RecorderConfig['srtpPolicy'];
  ports: PortSource;
  random: (n: number) => Buffer;
} {
  return { srtpPolicy: ctx.config.srtpPolicy, ports: ctx.ports, random: ctx.random };
}
