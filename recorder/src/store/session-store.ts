/**
 * The shared session store (DESIGN.md §4): recording sessions, who owns each one (a lease with a fencing token),
 * and which recorders are alive. Two implementations pass the same contract tests: `MemorySessionStore` (one
 * recorder, or several in one process sharing a backend) and `RedisSessionStore`.
 *
 * Error policy: writes never reject (they resolve with an outcome, and are queued while Redis is down, so a call's
 * signalling path never waits on or fails with the store); lease operations resolve with `unavailable` instead of
 * rejecting; reads (`load`, `find*`, `liveRecorders`, `orphans`) reject with `StoreError` when they cannot be
 * answered, because "not found" would make a recorder answer 481 to a dialog that exists.
 */
import type { StoredSession } from './stored-session.js';

/** Time source (epoch ms); lease and heartbeat expiry use the caller's clock so tests can fake it. */
export interface StoreClock {
  now(): number;
}

/** A session with its ownership as stored. */
export interface LoadedSession {
  readonly session: StoredSession;
  /** Current owner, or '' when released. */
  readonly owner: string;
  /** Epoch ms the owner's lease runs to (0 when released). */
  readonly leaseUntil: number;
  /** The newest fencing token handed out for this session. */
  readonly token: number;
  /** Count of writes applied to this session (all owners). */
  readonly revision: number;
}

/** Outcome of `save` / `create`. `queued`: kept in memory and retried until Redis takes it. */
export type WriteOutcome =
  | { readonly status: 'written'; readonly revision: number }
  | { readonly status: 'queued'; readonly pendingWrites: number }
  /** A newer owner holds the session: this recorder must stop writing it (and recording it). */
  | { readonly status: 'fenced'; readonly owner: string; readonly token: number }
  /** The bounded write queue is full, or the document breaks a bound; counted in `stats().errors`. */
  | { readonly status: 'dropped'; readonly reason: string };

/** Outcome of lease operations. */
export type LeaseOutcome =
  | { readonly ok: true; readonly token: number; readonly leaseUntil: number; readonly previousOwner: string }
  | { readonly ok: false; readonly reason: 'owned'; readonly owner: string; readonly leaseUntil: number }
  /** `renew` / `release` by an owner that was replaced. */
  | { readonly ok: false; readonly reason: 'fenced'; readonly owner: string; readonly token: number }
  | { readonly ok: false; readonly reason: 'not-found' }
  /** `claimOrphan` of a session that has already ended. */
  | { readonly ok: false; readonly reason: 'ended' }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly error: string };

/** Counters a recorder reports about itself in its heartbeat. */
export interface RecorderCounters {
  readonly failoversSuffered: number;
  readonly recoveriesMade: number;
  readonly handovers: number;
}

/** What a recorder publishes with each heartbeat. */
export interface RecorderInfo {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly activeSessions: number;
  readonly version: string;
  /** SIP address peers can reach it on (handover, §5), e.g. `10.0.0.5:5060`. */
  readonly address?: string;
  readonly counters: RecorderCounters;
}

/** A live recorder, with the failover counters the store keeps for it (counted by the survivors). */
export interface RecorderRecord extends RecorderInfo {
  readonly recorderId: string;
  readonly expiresAt: number;
  /** Kept by `takeOver` / `claimOrphan`: true even for failovers the recorder could not count (it was dead). */
  readonly storeCounters: { readonly failovers: number; readonly recoveries: number };
}

/** A session whose owner's lease has expired. */
export interface OrphanRecord {
  readonly recordingId: string;
  readonly owner: string;
  readonly leaseUntil: number;
}

/** For `/readyz`: `degraded` when Redis is unreachable or writes are waiting for it. */
export interface StoreHealth {
  readonly backend: 'memory' | 'redis';
  readonly ok: boolean;
  readonly degraded: boolean;
  readonly pendingWrites: number;
  readonly lastError: string | null;
}

/** Counters for metrics (`siprec_store_*`). */
export interface StoreStats {
  readonly commands: number;
  readonly bytesSent: number;
  readonly writes: number;
  readonly fencedWrites: number;
  readonly errors: number;
  readonly pendingWrites: number;
}

/** The session store. All methods are safe to call concurrently; writes of one session apply in call order. */
export interface SessionStore {
  readonly backend: 'memory' | 'redis';

  /**
   * Stores a brand-new session and makes `recorderId` its owner with token 1 (a recording id is fresh, so no one
   * else can hold it). Queued like any write while Redis is down: a call that starts then is still recorded.
   */
  create(
    session: StoredSession,
    recorderId: string,
    leaseMs: number,
  ): Promise<WriteOutcome & { token: number }>;

  /**
   * Writes the session's current state under `token`. Refused (`fenced`) when a newer token exists. Writes of one
   * session are applied in order; while one is in flight, later ones coalesce (the latest state wins).
   */
  save(session: StoredSession, recorderId: string, token: number): Promise<WriteOutcome>;

  load(recordingId: string): Promise<LoadedSession | undefined>;
  /** By `callId;localTag;remoteTag` (RFC 3261 §12), e.g. `Dialog.idOfRequest` of an in-dialog request. */
  findByDialog(dialogId: string): Promise<LoadedSession | undefined>;
  /** By Call-ID alone: `Replaces` (RFC 3891 §3) and requests whose To tag another recorder chose. */
  findByCallId(callId: string): Promise<LoadedSession[]>;

  /** Takes ownership when the session is unowned, its lease expired, or it is already ours; a new token each time. */
  acquire(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome>;
  /** Extends our lease; `fenced` when someone took the session over. */
  renew(recordingId: string, recorderId: string, token: number, leaseMs: number): Promise<LeaseOutcome>;
  /** Gives ownership up (planned handover, or the session ended). */
  release(recordingId: string, recorderId: string, token: number): Promise<boolean>;
  /**
   * Failover (DESIGN.md §4): takes the session when its lease expired or its owner is no longer alive (no
   * heartbeat). Counts a failover for the previous owner and a recovery for `recorderId`. Exactly one of
   * several racing recorders succeeds.
   */
  takeOver(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome>;
  /** Claims an orphan to finalise it (`endReason: "orphaned"`): succeeds for one survivor only. */
  claimOrphan(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome>;

  /** Publishes this recorder as alive for `ttlMs`. False when the store could not be reached. */
  heartbeat(recorderId: string, info: RecorderInfo, ttlMs: number): Promise<boolean>;
  liveRecorders(): Promise<RecorderRecord[]>;
  /** Unended sessions whose lease expired at least `minAgeMs` before `now` (pass SESSION_TIMEOUT). */
  orphans(now: number, minAgeMs?: number): Promise<OrphanRecord[]>;

  /** Resolves once every queued write has been applied, or after `timeoutMs`; returns the writes still pending. */
  flush(timeoutMs?: number): Promise<number>;
  health(): StoreHealth;
  stats(): StoreStats;
  /** Stops retrying and disconnects; queued writes are given `flush` time first. */
  close(): Promise<void>;
}
