/**
 * Orphans (DESIGN.md §4): sessions whose owner's lease expired and that no SRC request brought to another recorder
 * within SESSION_TIMEOUT. Every survivor sweeps periodically; `claimOrphan` lets exactly one of them win each
 * session, and the winner finalises it (`endReason: "orphaned"`, segments assembled, sidecar written) so no
 * recording stays open forever. A session whose owner still heart-beats is left alone: its lease lapsed because the
 * store was unreachable, not because the owner died, and the owner records on.
 */
import type { Logger } from 'pino';
import type { SessionStore } from '../../store/session-store.js';
import type { RecordingSession } from '../session/recording-session.js';
import { restoreSession } from './stored-form.js';

export interface OrphanSweeperOptions {
  readonly store: SessionStore;
  readonly recorderId: string;
  readonly leaseMs: number;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  readonly clock: { now(): number };
  /** Whether this recorder holds the session right now (never an orphan then). */
  readonly isLocal: (recordingId: string) => boolean;
  /** Writes the recording and sidecar of a claimed orphan and ends it in the store. */
  readonly finalise: (session: RecordingSession, token: number) => Promise<void>;
}

/** Bound on orphans handled per sweep, so a mass failure is worked through without a burst. */
const MAX_PER_SWEEP = 100;

export class OrphanSweeper {
  readonly #o: OrphanSweeperOptions;

  constructor(options: OrphanSweeperOptions) {
    this.#o = options;
  }

  /** Sweep period: a third of SESSION_TIMEOUT, between 1 s and 30 s. */
  get intervalMs(): number {
    return Math.min(30_000, Math.max(1000, Math.floor(this.#o.sessionTimeoutMs / 3)));
  }

  /** One sweep; resolves with the recording ids finalised here. */
  async sweep(): Promise<string[]> {
    const { store, recorderId } = this.#o;
    const now = this.#o.clock.now();
    const orphans = await store.orphans(now, this.#o.sessionTimeoutMs);
    if (orphans.length === 0) return [];
    const live = new Set((await store.liveRecorders()).map((r) => r.recorderId));
    const done: string[] = [];
    for (const orphan of orphans.slice(0, MAX_PER_SWEEP)) {
      if (this.#o.isLocal(orphan.recordingId)) continue;
      // Our own id owns it only if a previous life of this recorder did: that one is dead.
      if (orphan.owner !== recorderId && live.has(orphan.owner)) continue;
      const claim = await store.claimOrphan(orphan.recordingId, recorderId, this.#o.leaseMs);
      if (!claim.ok) continue;
      const loaded = await store.load(orphan.recordingId);
      if (!loaded) continue;
      const log = this.#o.logger.child({ callId: loaded.session.callId, recordingId: orphan.recordingId });
      try {
        const session = restoreSession(loaded.session, {
          source: {
            protocol: loaded.session.source.protocol,
            remoteAddress: loaded.session.source.address,
            remotePort: loaded.session.source.port,
            localAddress: '',
            localPort: 0,
          },
          localContact: loaded.session.dialog.localContact,
        });
        const last = Math.max(session.lastSignalAt, orphan.leaseUntil - this.#o.leaseMs);
        session.end('orphaned', last);
        await this.#o.finalise(session, claim.token);
        log.info({ previousOwner: orphan.owner }, 'orphaned session finalised');
        done.push(orphan.recordingId);
      } catch (err) {
        log.error({ err }, 'cannot finalise an orphaned session');
      }
    }
    return done;
  }
}
