/**
 * The session store wired into the SIPREC layer (DESIGN.md §4). Implements `SessionPersistence`:
 * - every session answered here is created in the store (owner = this recorder, lease SESSION_LEASE) and saved on
 *   every change; leases are renewed every SESSION_LEASE/3, a session found gone (Redis restarted empty) is written
 *   again, and one a newer owner fenced stops being recorded here;
 * - the recorder heart-beats (ready, draining, active sessions, version, counters) so peers know it is alive;
 * - requests for dialogs of dead recorders are taken over (`SessionTakeover`), orphans finalised (`OrphanSweeper`);
 * - a recording that moved ends as one WAV and one sidecar (`finishSegments`).
 * Redis being down never fails a call: writes are queued by the store, lease renewals wait for it to come back.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { IncomingRequest } from '../../sip/core/transaction-user.js';
import type { SidecarDocument, SidecarWriter } from '../../recording/sidecar.js';
import type { SegmentStorage } from '../../recording/assembly/segment-storage.js';
import { segmentFileName } from '../../recording/assembly/segment-storage.js';
import { assembleRecording } from '../../recording/assembly/assemble-recording.js';
import type { RecorderInfo, SessionStore } from '../../store/session-store.js';
import type { SessionPersistence, UserAgentContext } from '../session/context.js';
import type { RecordingSession } from '../session/recording-session.js';
import { finishSegments, takenOverMeanwhile } from './finish-recording.js';
import { OrphanSweeper } from './orphan-sweeper.js';
import { toStoredSession } from './stored-form.js';
import { SessionTakeover } from './takeover.js';

/** Options of {@link FailoverCoordinator}. */
export interface FailoverOptions {
  readonly store: SessionStore;
  readonly recorderId: string;
  readonly version: string;
  readonly leaseMs: number;
  /** SESSION_TIMEOUT: how long an orphan waits for its SRC before a survivor finalises it. */
  readonly sessionTimeoutMs: number;
  readonly recordingDir: string;
  readonly storage: SegmentStorage;
  readonly sidecars: SidecarWriter;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock: { now(): number };
  /** What the heartbeat reports besides the counters. */
  readonly status: () => Pick<RecorderInfo, 'ready' | 'draining' | 'activeSessions' | 'address'>;
  /** Ends a session here without BYE and without a final sidecar (it was fenced by a newer owner). */
  readonly stopRecording: (recordingId: string) => void;
  /** Heartbeat period; default min(2 s, lease/3). The heartbeat lives three periods. */
  readonly heartbeatMs?: number;
}

interface Owned {
  readonly session: RecordingSession;
  token: number;
  /** A write of the session is due at the end of this turn of the event loop. */
  savePending?: boolean;
}

/** The session store as the SIPREC layer sees it (see module comment). */
export class FailoverCoordinator implements SessionPersistence {
  readonly #o: FailoverOptions;
  readonly #owned = new Map<string, Owned>();
  readonly #takeover: SessionTakeover;
  readonly #orphans: OrphanSweeper;
  readonly #failovers: Counter;
  readonly #recoveries: Counter;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Failovers charged to this recorder in the store, as last read. */
  #failoversSeen = -1;
  #recoveriesMade = 0;
  #closed = false;

  constructor(options: FailoverOptions) {
    this.#o = options;
    this.#failovers = new Counter({
      name: 'siprec_failovers_total',
      help: 'Sessions of this recorder that another recorder took over or finalised after it stopped',
      registers: [options.registry],
    });
    this.#recoveries = new Counter({
      name: 'siprec_recoveries_total',
      help: 'Sessions of stopped recorders this recorder took over (re-INVITE, UPDATE, BYE, INVITE/Replaces)',
      registers: [options.registry],
    });
    this.#takeover = new SessionTakeover({
      store: options.store,
      recorderId: options.recorderId,
      leaseMs: options.leaseMs,
      adopt: (session, token, previousOwner, receivedAt, phases) =>
        this.#adopt(session, token, previousOwner, receivedAt, phases),
      finishTaken: (session, token, previousOwner) => this.#finishTaken(session, token, previousOwner),
    });
    this.#orphans = new OrphanSweeper({
      store: options.store,
      recorderId: options.recorderId,
      leaseMs: options.leaseMs,
      sessionTimeoutMs: options.sessionTimeoutMs,
      logger: options.logger,
      clock: options.clock,
      isLocal: (recordingId) => this.#owned.has(recordingId),
      finalise: (session, token) => this.#finaliseDetached(session, token),
    });
  }

  get heartbeatMs(): number {
    return this.#o.heartbeatMs ?? Math.max(200, Math.min(2000, Math.floor(this.#o.leaseMs / 3)));
  }

  /** Starts the lease renewals, the heartbeat and the orphan sweep; sends the first heartbeat at once. */
  start(): void {
    const every = (ms: number, fn: () => Promise<void>): void => {
      let running = false;
      const timer = setInterval(() => {
        if (running || this.#closed) return;
        running = true;
        fn()
          .catch((err: unknown) => this.#o.logger.warn({ err }, 'session store upkeep failed'))
          .finally(() => (running = false));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(Math.max(200, Math.floor(this.#o.leaseMs / 3)), () => this.#renewAll());
    every(this.heartbeatMs, () => this.#heartbeat());
    every(this.#orphans.intervalMs, async () => {
      await this.#orphans.sweep();
    });
    void this.#heartbeat().catch(() => undefined);
  }

  /** Stops the timers; the store itself is closed by the composition root. */
  stop(): void {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers.length = 0;
  }

  /** Resolves once every session write in flight has reached the store (or `timeoutMs`). */
  async flush(timeoutMs = 2000): Promise<number> {
    return this.#o.store.flush(timeoutMs);
  }

  // ---- SessionPersistence -----------------------------------------------------------------------------------

  created(session: RecordingSession): void {
    if (session.segments.length === 0) {
      session.segments.push({
        recorderId: this.#o.recorderId,
        start: session.startedAt,
        end: null,
        files: [segmentFileName(session.recordingId, 1)],
      });
    }
    const owned: Owned = { session, token: 1 };
    this.#owned.set(session.recordingId, owned);
    void this.#o.store
      .create(toStoredSession(session), this.#o.recorderId, this.#o.leaseMs)
      .then((outcome) => {
        owned.token = outcome.token;
        if (outcome.status === 'fenced') this.#fenced(session.recordingId, outcome.owner);
      });
  }

  changed(session: RecordingSession): void {
    const owned = this.#owned.get(session.recordingId);
    if (!owned || owned.session !== session) return;
    this.#save(owned);
  }

  async finish(session: RecordingSession, doc: SidecarDocument): Promise<SidecarDocument | undefined> {
    const owned = this.#owned.get(session.recordingId);
    if (!owned || owned.session !== session) return doc;
    this.#owned.delete(session.recordingId);
    if (this.#fencedIds.delete(session.recordingId)) return undefined;
    if (await takenOverMeanwhile(this.#o, session, owned.token)) return undefined;
    const last = session.segments.at(-1);
    if (last && last.recorderId === this.#o.recorderId && last.end === null)
      last.end = session.endedAt ?? null;
    const final = await finishSegments(this.#o.storage, session, doc);
    await this.#endInStore(session, owned.token);
    if (session.segments.length < 2) return final;
    // The in-progress sidecar may be the previous owner's: the final one is written and the part removed by name.
    await this.#o.sidecars.finalize(final);
    await unlink(join(this.#o.recordingDir, `${session.recordingId}.json.part`)).catch(() => undefined);
    return undefined;
  }

  resume(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
  ): Promise<RecordingSession | 'answered' | undefined> {
    return this.#takeover.resume(ctx, incoming);
  }

  replace(ctx: UserAgentContext, incoming: IncomingRequest): Promise<'answered' | undefined> {
    return this.#takeover.replace(ctx, incoming);
  }

  /** Recoveries this recorder made and failovers charged to it (for the API and tests). */
  counters(): { failoversSuffered: number; recoveriesMade: number } {
    return { failoversSuffered: Math.max(0, this.#failoversSeen), recoveriesMade: this.#recoveriesMade };
  }

  // ---- internals --------------------------------------------------------------------------------------------

  readonly #fencedIds = new Set<string>();

  /**
   * Writes the session at the end of this turn of the event loop, once however often it changed meanwhile: a
   * takeover's adoption and the request it answers are one write (and one encoding), not two. A session finished
   * meanwhile is left to `finish`, whose own write is the last.
   */
  #save(owned: Owned): void {
    if (owned.savePending) return;
    owned.savePending = true;
    setImmediate(() => {
      owned.savePending = false;
      if (this.#owned.get(owned.session.recordingId) === owned) this.#write(owned);
    });
  }

  #write(owned: Owned): void {
    const id = owned.session.recordingId;
    void this.#o.store
      .save(toStoredSession(owned.session), this.#o.recorderId, owned.token)
      .then((outcome) => {
        if (outcome.status === 'fenced') this.#fenced(id, outcome.owner);
        else if (outcome.status === 'dropped')
          this.#o.logger.error({ recordingId: id, reason: outcome.reason }, 'session state not stored');
      });
  }

  /** A newer owner holds the session: stop writing it (it records on there). */
  #fenced(recordingId: string, owner: string): void {
    if (!this.#owned.has(recordingId)) return;
    this.#fencedIds.add(recordingId);
    this.#o.logger.warn({ recordingId, owner }, 'session taken over by another recorder: stopped here');
    this.#o.stopRecording(recordingId);
  }

  #adopt(
    session: RecordingSession,
    token: number,
    previousOwner: string,
    receivedAt: number,
    phases: Readonly<Record<string, number>> = {},
  ): void {
    const owned: Owned = { session, token };
    this.#owned.set(session.recordingId, owned);
    session.lastSignalAt = receivedAt;
    this.#countRecovery(previousOwner);
    this.#save(owned);
    this.#o.logger.info(
      {
        callId: session.callId,
        recordingId: session.recordingId,
        previousOwner,
        segment: session.segments.length,
        takeoverMs: this.#o.clock.now() - receivedAt,
        ...phases,
        receivedAt,
      },
      'session taken over',
    );
  }

  #countRecovery(previousOwner: string): void {
    if (previousOwner === '' || previousOwner === this.#o.recorderId) return;
    this.#recoveriesMade++;
    this.#recoveries.inc();
  }

  /** A session taken over to be ended (BYE): its recording is finished here without media. */
  async #finishTaken(session: RecordingSession, token: number, previousOwner: string): Promise<void> {
    this.#countRecovery(previousOwner);
    await this.#finaliseDetached(session, token);
  }

  /** Finalises a session that has no media here (BYE takeover, orphan): segments, sidecar, store, release. */
  async #finaliseDetached(session: RecordingSession, token: number): Promise<void> {
    const doc = await finishSegments(this.#o.storage, session, session.toSidecar(this.#o.recorderId));
    const single = session.segments.length < 2;
    const finalDoc = single ? await this.#singleSegmentRecording(session, doc) : doc;
    await this.#o.sidecars.finalize({ ...finalDoc, finalisedBy: this.#o.recorderId });
    // The dead recorder's in-progress sidecar is not this writer's: remove it by name.
    await unlink(join(this.#o.recordingDir, `${session.recordingId}.json.part`)).catch(() => undefined);
    await this.#endInStore(session, token);
  }

  /** A recording of one segment whose writer was killed: its `.part` becomes the final WAV. */
  async #singleSegmentRecording(session: RecordingSession, doc: SidecarDocument): Promise<SidecarDocument> {
    const name = segmentFileName(session.recordingId, 1);
    const object = await this.#o.storage.read(name);
    if (!object) return { ...doc, recording: null };
    const assembled = await assembleRecording(this.#o.storage, session.recordingId, session.startedAt, [
      { ...session.segments[0]!, files: [name] },
    ]);
    if (!assembled) return { ...doc, recording: null };
    const seg = assembled.segments[0];
    const segments = seg
      ? [
          {
            recorderId: seg.recorderId,
            start: new Date(seg.start).toISOString(),
            end: new Date(seg.end).toISOString(),
            audioMs: seg.audioMs,
          },
        ]
      : doc.segments;
    return {
      ...doc,
      recording: {
        file: assembled.file,
        channels: assembled.channels,
        sampleRate: assembled.sampleRate,
        frames: assembled.frames,
        durationMs: assembled.durationMs,
      },
      segments,
      gaps: [],
    };
  }

  async #endInStore(session: RecordingSession, token: number): Promise<void> {
    const { store, recorderId } = this.#o;
    const outcome = await store.save(toStoredSession(session), recorderId, token);
    if (outcome.status === 'written') await store.release(session.recordingId, recorderId, token);
  }

  async #renewAll(): Promise<void> {
    const { store, recorderId, leaseMs } = this.#o;
    await Promise.all(
      [...this.#owned.values()].map(async (owned) => {
        const id = owned.session.recordingId;
        const outcome = await store.renew(id, recorderId, owned.token, leaseMs);
        if (outcome.ok) return;
        if (outcome.reason === 'fenced') this.#fenced(id, outcome.owner);
        // Gone from the store (Redis restarted empty): write it again; the write re-establishes our lease.
        else if (outcome.reason === 'not-found') this.#save(owned);
      }),
    );
  }

  async #heartbeat(): Promise<void> {
    const { store, recorderId } = this.#o;
    const status = this.#o.status();
    const info: RecorderInfo = {
      ...status,
      version: this.#o.version,
      counters: {
        failoversSuffered: Math.max(0, this.#failoversSeen),
        recoveriesMade: this.#recoveriesMade,
        handovers: 0,
      },
    };
    if (!(await store.heartbeat(recorderId, info, 3 * this.heartbeatMs))) return;
    const me = (await store.liveRecorders()).find((r) => r.recorderId === recorderId);
    if (!me) return;
    // Failovers are counted by the survivors in the store; this recorder learns of them here (after a restart too).
    const seen = me.storeCounters.failovers;
    if (this.#failoversSeen >= 0 && seen > this.#failoversSeen)
      this.#failovers.inc(seen - this.#failoversSeen);
    else if (this.#failoversSeen < 0 && seen > 0) this.#failovers.inc(seen);
    this.#failoversSeen = seen;
  }
}
