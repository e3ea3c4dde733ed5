/**
 * The SIPREC application as the SIP core's transaction user (RFC 3261 §8.2, RFC 7866 §6): routes requests to the
 * initial-INVITE and in-dialog handlers, answers OPTIONS keepalives, enforces ALLOWED_SOURCES, ends sessions on
 * BYE, CANCEL, missed session refreshes and silence, and exposes sessions to the HTTP API.
 */
import type { SipCore } from '../../sip/core/sip-core.js';
import type { IncomingRequest, RespondOptions, SipTransactionUser } from '../../sip/core/transaction-user.js';
import type { SipRequest } from '../../sip/message/types.js';
import { Dialog } from '../../sip/dialog/dialog.js';
import { getTag } from '../../sip/message/name-addr.js';
import type { MessageSource } from '../../sip/transport/types.js';
import type { StreamLiveness } from '../../media/engine/engine-protocol.js';
import type { HealthReport, RecorderControl, SessionSummary } from '../../http/http-server.js';
import type { SidecarDocument } from '../../recording/sidecar.js';
import { LazyChildLogger } from '../../observability/logger.js';
import { extractSiprecBody } from '../body/index.js';
import { ACCEPT, ALLOW, SUPPORTED, type UserAgentContext } from './context.js';
import { handleInitialInvite } from './initial-invite.js';
import { handleInDialog } from './in-dialog.js';
import type { RecordingSession } from './recording-session.js';
import type { SessionRegistry } from './session-registry.js';

/** Methods SIP defines that a recording server does not serve (405 rather than 501, RFC 3261 §8.2.1). */
const KNOWN_METHODS = new Set(['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE', 'REFER', 'PRACK']);
const SWEEP_INTERVAL_MS = 1000;

export type UserAgentDeps = Omit<
  UserAgentContext,
  'respond' | 'endSession' | 'endReplacedDialog' | 'admission'
> & {
  /** Whether the recorder is ready at all (store reachable, transports up). */
  readonly isReady: () => boolean;
  /** Sees every admitted request first (the composition root registers Via `alias` connections, RFC 5923). */
  readonly onAdmittedRequest?: (incoming: IncomingRequest) => void;
  /** Why the recorder serves calls in a degraded mode (session store unreachable), if it does. */
  readonly degradedReasons?: () => readonly string[];
};

export class SiprecUserAgent implements SipTransactionUser, RecorderControl {
  readonly #ctx: UserAgentContext;
  readonly #deps: UserAgentDeps;
  /** Sessions whose recording and sidecar are being finalised. */
  readonly #finalising = new Set<Promise<void>>();
  #core: SipCore | undefined;
  #draining = false;
  #sweep: NodeJS.Timeout | undefined;

  constructor(deps: UserAgentDeps) {
    this.#deps = deps;
    this.#ctx = {
      ...deps,
      respond: (incoming, status, opts) => this.#respond(incoming, status, opts),
      endSession: (session, reason, opts) => this.#endSession(session, reason, opts),
      endReplacedDialog: (session, dialog) => this.#sendBye(session, 'replaced', dialog),
      admission: () => this.#admission(),
    };
  }

  get registry(): SessionRegistry {
    return this.#deps.registry;
  }

  /** Connects the core (they reference each other) and starts the periodic session sweep. */
  attach(core: SipCore): void {
    this.#core = core;
    this.#sweep = setInterval(() => this.#sweepSessions(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  /** Resolves once every ended session's recording and sidecar are final (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.#finalising.size > 0) await Promise.allSettled([...this.#finalising]);
  }

  /**
   * Takes a media worker's liveness report: packets and last-packet times per stream, which drive MEDIA_TIMEOUT
   * and the in-progress sidecar.
   */
  onMediaLiveness(entries: readonly StreamLiveness[]): void {
    for (const e of entries) {
      const session = this.registry.byRecording(e.recordingId);
      const stream = session?.streams.find((s) => s.ports?.rtpPort === e.rtpPort);
      if (!stream) continue;
      if (stream.firstPacketAt === undefined && e.firstPacketAt !== null)
        this.#firstPacket(session!, stream, e);
      stream.packetsReceived = e.packetsReceived;
      stream.bytesReceived = e.bytesReceived;
      stream.firstPacketAt = e.firstPacketAt ?? undefined;
      stream.lastPacketAt = e.lastPacketAt ?? undefined;
    }
  }

  /** Stops the sweep; with `endSessions`, finalises every session (sending BYE) — used on shutdown. */
  close(opts: { endSessions: boolean; reason?: string }): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = undefined;
    if (opts.endSessions) {
      for (const session of [...this.registry.all()])
        this.#endSession(session, opts.reason ?? 'shutdown', { sendBye: true });
    }
  }

  // ---- SipTransactionUser -------------------------------------------------------------------------------------

  onRequest(incoming: IncomingRequest): void {
    const { request, source } = incoming;
    this.#deps.metrics.sipRequests.inc({ method: methodLabel(request.method) });
    if (!this.#sourceAllowed(source)) {
      this.#deps.metrics.sipRejectedSources.inc();
      this.#deps.logger.warn(
        { source: `${source.remoteAddress}:${source.remotePort}`, method: request.method },
        'request from a source outside ALLOWED_SOURCES refused',
      );
      return this.#respond(incoming, 403, { reason: 'Source Not Allowed' });
    }
    this.#deps.onAdmittedRequest?.(incoming);
    const inDialog = getTag(request.headers.get('To')) !== undefined;
    const run = (): Promise<void> | void => {
      if (request.method === 'OPTIONS' && !inDialog) return this.#options(incoming);
      if (inDialog) return this.#inDialog(incoming);
      switch (request.method) {
        case 'INVITE':
          return this.#initialInvite(incoming);
        case 'BYE':
        case 'UPDATE':
        case 'INFO':
          return this.#respond(incoming, 481);
        default:
          return this.#respond(incoming, KNOWN_METHODS.has(request.method) ? 405 : 501, {
            headers: [['Allow', ALLOW]],
          });
      }
    };
    try {
      const pending = run();
      if (pending) {
        pending.catch((err: unknown) => this.#failed(incoming, err));
      }
    } catch (err) {
      this.#failed(incoming, err);
    }
  }

  onAck(request: SipRequest): void {
    const session = this.registry.byDialog(Dialog.idOfRequest(request));
    if (session && session.state === 'early') session.state = 'confirmed';
  }

  onCancel(incoming: IncomingRequest): void {
    this.#deps.logger.info(
      { callId: incoming.request.headers.get('Call-ID') },
      'INVITE cancelled by the SRC',
    );
  }

  onAckTimeout(incoming: IncomingRequest): void {
    const h = incoming.request.headers;
    const id = `${h.get('Call-ID') ?? ''};${incoming.localTag};${getTag(h.get('From')) ?? ''}`;
    const session = this.registry.byDialog(id);
    // RFC 3261 §13.3.1.4: a 2xx never ACKed — the UAS ends the session with BYE.
    if (session && session.state === 'early') this.#endSession(session, 'ack-timeout', { sendBye: true });
  }

  // ---- RecorderControl (HTTP API) -----------------------------------------------------------------------------

  health(): HealthReport {
    const ready = this.#deps.isReady();
    const degraded = this.#deps.degradedReasons?.() ?? [];
    return {
      ready,
      draining: this.#draining,
      degraded: degraded.length > 0,
      reasons: [...(ready ? [] : ['starting']), ...(this.#draining ? ['draining'] : []), ...degraded],
    };
  }

  /**
   * Stops recording a session here without BYE and without a final sidecar: another recorder took it over (its
   * write fenced ours) and finishes the recording.
   */
  stopRecording(recordingId: string): void {
    const session = this.registry.byRecording(recordingId);
    if (session) this.#endSession(session, 'taken-over', { sendBye: false });
  }

  listSessions(): readonly SessionSummary[] {
    return [...this.registry.all()].map((s) => s.summary());
  }

  getSession(recordingId: string): SessionSummary | undefined {
    return this.registry.byRecording(recordingId)?.summary();
  }

  pause(recordingId: string): boolean {
    return this.#setPaused(recordingId, true);
  }

  resume(recordingId: string): boolean {
    return this.#setPaused(recordingId, false);
  }

  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#deps.logger.info({ activeSessions: this.registry.size }, 'draining: new sessions are refused');
  }

  get draining(): boolean {
    return this.#draining;
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /**
   * The first packet of a stream on a session taken over here: the end of the failover as the recording sees it
   * (DESIGN.md §8 target: ≤ 50 ms after the SRC's request arrived). Logged with the worker's arrival time.
   */
  #firstPacket(session: RecordingSession, stream: { label: string | undefined }, e: StreamLiveness): void {
    const segment = session.segments.at(-1);
    if (session.segments.length < 2 || segment?.recorderId !== this.#deps.config.recorderId) return;
    this.#deps.logger.info(
      {
        callId: session.callId,
        recordingId: session.recordingId,
        label: stream.label ?? null,
        firstPacketAt: e.firstPacketAt,
        segmentStart: segment.start,
        afterTakeoverMs: (e.firstPacketAt ?? segment.start) - segment.start,
      },
      'first packet after takeover',
    );
  }

  /**
   * A new INVITE: with `Replaces` (RFC 3891) it may continue a recording another recorder held; otherwise a new
   * recording session, stored once answered.
   */
  async #initialInvite(incoming: IncomingRequest): Promise<void> {
    const persistence = this.#deps.persistence;
    if (persistence && incoming.request.headers.get('Replaces') !== undefined) {
      if ((await persistence.replace(this.#ctx, incoming)) === 'answered') {
        this.#deps.metrics.activeSessions.set(this.registry.size);
        return;
      }
    }
    await handleInitialInvite(this.#ctx, incoming);
    if (!persistence) return;
    const h = incoming.request.headers;
    const session = this.registry.byDialog(
      `${h.get('Call-ID') ?? ''};${incoming.localTag};${getTag(h.get('From')) ?? ''}`,
    );
    if (!session || session.ended || session.segments.length > 0) return;
    session.offerSdp = rawOffer(incoming) ?? '';
    persistence.created(session);
  }

  /**
   * An in-dialog request. A dialog not held here may belong to a recorder that died: the session store decides
   * (failover, DESIGN.md §4). Offers, metadata and refreshes are saved to the store once handled.
   */
  async #inDialog(incoming: IncomingRequest): Promise<void> {
    const { request } = incoming;
    const persistence = this.#deps.persistence;
    if (!persistence || request.method === 'ACK') return handleInDialog(this.#ctx, incoming);
    const dialogId = Dialog.idOfRequest(request);
    const now = this.#deps.clock.now();
    let session = this.registry.byDialog(dialogId);
    if (!session && !(request.method === 'BYE' && this.registry.isTombstoned(dialogId, now))) {
      const resumed = await persistence.resume(this.#ctx, incoming);
      if (resumed === 'answered') return;
      if (resumed !== undefined && !this.registry.byRecording(resumed.recordingId)) {
        this.registry.add(resumed);
        this.#deps.metrics.activeSessions.set(this.registry.size);
      }
      session = resumed;
    }
    const offerBefore = session?.offer;
    await handleInDialog(this.#ctx, incoming);
    if (!session || session.ended) return;
    if (request.method === 'INVITE') session.counters.reinvites++;
    else if (request.method === 'UPDATE') session.counters.updates++;
    else return;
    if (session.offer !== offerBefore) session.offerSdp = rawOffer(incoming) ?? session.offerSdp;
    persistence.changed(session);
  }

  #options(incoming: IncomingRequest): void {
    // INTEROP §11: answer whatever the Request-URI user and even with Max-Forwards: 0; 503 while we cannot take
    // calls, so SRCs move to another SRS before a call fails.
    const admission = this.#draining || !this.#deps.isReady() ? { ok: false } : { ok: true };
    const headers: [string, string][] = [
      ['Allow', ALLOW],
      ['Supported', SUPPORTED],
      ['Accept', ACCEPT],
    ];
    if (admission.ok) this.#respond(incoming, 200, { headers });
    else this.#respond(incoming, 503, { headers: [...headers, ['Retry-After', '5']] });
  }

  #admission(): { ok: true } | { ok: false; reason: string } {
    if (this.#draining) return { ok: false, reason: 'Draining' };
    if (!this.#deps.isReady()) return { ok: false, reason: 'Not Ready' };
    const max = this.#deps.config.maxConcurrentCalls;
    if (max > 0 && this.registry.size >= max) return { ok: false, reason: 'Too Many Calls' };
    return { ok: true };
  }

  #sourceAllowed(source: MessageSource): boolean {
    const allowed = this.#deps.config.allowedSources;
    return allowed.isEmpty || allowed.contains(source.remoteAddress);
  }

  #respond(incoming: IncomingRequest, status: number, opts?: RespondOptions): void {
    if (incoming.isFinal) return;
    incoming.respond(status, opts);
    this.#deps.metrics.sipResponses.inc({
      method: methodLabel(incoming.request.method),
      code: String(status),
    });
  }

  #failed(incoming: IncomingRequest, err: unknown): void {
    this.#deps.logger.error(
      { err, method: incoming.request.method, callId: incoming.request.headers.get('Call-ID') },
      'request handling failed',
    );
    this.#respond(incoming, 500);
  }

  #endSession(session: RecordingSession, reason: string, opts: { sendBye: boolean }): void {
    const now = this.#deps.clock.now();
    if (!session.end(reason, now)) return;
    this.registry.remove(session, now);
    this.#deps.metrics.activeSessions.set(this.registry.size);
    this.#deps.metrics.sessionsEnded.inc({ reason });
    const log = new LazyChildLogger(this.#deps.logger, {
      callId: session.callId,
      recordingId: session.recordingId,
    });
    if (opts.sendBye && this.#core) this.#sendBye(session, reason);
    // The recording is finished first (rest of the audio, WAV renamed into place, statistics), then the sidecar
    // that describes it: a consumer that sees `<id>.json` finds the final `<id>.wav` next to it.
    const done = (async () => {
      if (session.media) {
        try {
          const result = await session.media.finalize(now);
          if (result) session.applyMediaResult(result);
          if (result?.writeError)
            log.error({ error: result.writeError }, 'recording incomplete: write failed');
        } catch (err) {
          log.error({ err }, 'cannot finalise the recording');
        }
      }
      log.info(
        { reason, durationMs: now - session.startedAt, wav: session.mediaResult?.wav?.path ?? null },
        'recording session ended',
      );
      let doc: SidecarDocument | undefined = session.toSidecar(this.#deps.config.recorderId);
      // A recording that moved between recorders is assembled first; one taken over by a newer owner is theirs.
      if (this.#deps.persistence) doc = await this.#deps.persistence.finish(session, doc);
      if (doc) await this.#deps.sidecars.finalize(doc);
    })().catch((err: unknown) => {
      log.error({ err }, 'cannot write final sidecar');
    });
    this.#finalising.add(done);
    void done.finally(() => this.#finalising.delete(done));
  }

  #sendBye(session: RecordingSession, reason: string, dialog: Dialog = session.dialog): void {
    const core = this.#core;
    if (!core) return;
    const bye = dialog.createRequest('BYE', {
      headers: [['Reason', `SIP;cause=200;text="${reason}"`]],
    });
    const log = new LazyChildLogger(this.#deps.logger, {
      callId: dialog.callId,
      recordingId: session.recordingId,
    });
    core.sendRequest(bye, dialog.target, {
      onResponse: (res) => log.debug({ status: res.status }, 'BYE answered'),
      onTimeout: () => log.warn('BYE to the SRC timed out'),
      onTransportError: (err) => log.warn({ err: err.message }, 'BYE to the SRC could not be sent'),
    });
  }

  #setPaused(recordingId: string, paused: boolean): boolean {
    const session = this.registry.byRecording(recordingId);
    if (!session) return false;
    if (session.paused !== paused) {
      session.paused = paused;
      const log = new LazyChildLogger(this.#deps.logger, { callId: session.callId, recordingId });
      const now = this.#deps.clock.now();
      session.pauses.set('pause', paused, now);
      const media = session.media;
      // The paused span becomes silence on the recording's timeline, so the file keeps the call's length.
      if (media) {
        (paused ? media.pause(now) : media.resume(now)).catch((err: unknown) => {
          log.error({ err }, 'media worker could not change the pause state');
        });
      }
      log.info({ paused }, paused ? 'recording paused' : 'recording resumed');
      this.#deps.persistence?.changed(session);
    }
    return true;
  }

  /** Ends sessions whose SRC went quiet (INTEROP §8.1, §9): missed refresh, silent media, idle signalling. */
  #sweepSessions(): void {
    const now = this.#deps.clock.now();
    const { mediaTimeoutMs, sessionTimeoutMs } = this.#deps.config;
    this.registry.sweepTombstones(now);
    for (const session of [...this.registry.all()]) {
      const lastActivity = Math.max(session.lastSignalAt, session.lastPacketAt ?? 0);
      if (session.sessionExpiresMs !== undefined && now - session.lastSignalAt > session.sessionExpiresMs) {
        this.#endSession(session, 'session-expired', { sendBye: true });
      } else if (
        mediaTimeoutMs > 0 &&
        !session.onHold &&
        !session.paused &&
        now - Math.max(session.lastSignalAt, session.lastPacketAt ?? session.startedAt) > mediaTimeoutMs
      ) {
        this.#endSession(session, 'media-timeout', { sendBye: true });
      } else if (now - lastActivity > sessionTimeoutMs) {
        this.#endSession(session, 'session-timeout', { sendBye: true });
      }
    }
  }
}

/** The SDP text of a request's body (kept in the session store), or undefined when it has none. */
function rawOffer(incoming: IncomingRequest): string | undefined {
  const { request } = incoming;
  if (request.body.length === 0) return undefined;
  try {
    return extractSiprecBody(
      request.headers.get('Content-Type'),
      request.body,
      request.headers.get('Content-Disposition'),
    ).sdp;
  } catch {
    return undefined;
  }
}

/** Methods counted under their own name; any other is `other`, so a hostile peer cannot create metric series. */
const LABELLED_METHODS: ReadonlySet<string> = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'UPDATE', 'INFO',
  'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE', 'REFER', 'PRACK',
]); // prettier-ignore

function methodLabel(method: string): string {
  return LABELLED_METHODS.has(method) ? method : 'other';
}
