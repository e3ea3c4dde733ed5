/**
 * The shared session store on Redis (DESIGN.md §4). Every write, lease change and heartbeat is one Lua script call
 * (one round trip, atomic on the server; `redis-scripts.ts`), on keys laid out in `redis-keys.ts`. Writes go through
 * `WriteQueue`, so Redis being down or restarting never blocks or fails a call: the latest state of each session
 * waits in memory and is written when Redis is back. Ownership (`redis-leases.ts`) and liveness
 * (`redis-recorders.ts`) share the store's one connection (`redis-connection.ts`).
 */
import { randomBytes } from 'node:crypto';
import { RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { RedisLeases } from './redis-leases.js';
import { RedisRecorders } from './redis-recorders.js';
import { SAVE } from './redis-scripts.js';
import { SecretBox } from './secret-box.js';
import {
  decodeSession,
  PART_NAMES,
  plainParts,
  wirePart,
  type PartName,
  type Parts,
} from './session-codec.js';
import type {
  LeaseOutcome,
  LoadedSession,
  OrphanRecord,
  RecorderInfo,
  RecorderRecord,
  SessionStore,
  StoreClock,
  StoreHealth,
  StoreStats,
  WriteOutcome,
} from './session-store.js';
import {
  DEFAULT_ENDED_TTL_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_SESSION_TTL_MS,
  type StoreOptions,
} from './store-options.js';
import { dialogIdOf, type StoredSession } from './stored-session.js';
import {
  WriteQueue,
  type LocalState,
  type SendResult,
  type WriteJob,
  type WriteMeta,
} from './write-queue.js';

export interface RedisStoreOptions extends StoreOptions {
  /** REDIS_URL (`redis://` or `rediss://`). */
  readonly url: string;
  /** Key prefix (default `siprec:`), so several deployments can share one Redis. */
  readonly prefix?: string;
  /** Sessions whose latest state may wait for Redis at once (default 10 000); beyond, writes are dropped. */
  readonly maxPendingSessions?: number;
  /** Back-off of the write retries, doubling from min to max (default 100 ms … 5 s). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Give up a connection attempt after this long (default 2 s). */
  readonly connectTimeoutMs?: number;
  /** A command without a reply after this long fails (default 1 s) and its write is retried. */
  readonly commandTimeoutMs?: number;
  /** A queued write found a newer owner: the session moved, this recorder must stop recording it. */
  readonly onFenced?: (recordingId: string, owner: string, token: number) => void;
  /** Every Redis error, for logging (the store never throws them into callers). */
  readonly onError?: (error: Error) => void;
}

export class RedisSessionStore implements SessionStore {
  readonly backend = 'redis' as const;
  readonly #conn: RedisConnection;
  readonly #key: RedisKeys;
  readonly #leases: RedisLeases;
  readonly #recorders: RedisRecorders;
  readonly #queue: WriteQueue;
  readonly #clock: StoreClock;
  readonly #box: SecretBox;
  readonly #sessionTtlMs: number;
  readonly #endedTtlMs: number;
  readonly #leaseMs: number;
  #writes = 0;
  #fenced = 0;
  #errors = 0;

  constructor(opts: RedisStoreOptions) {
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.#box = new SecretBox(opts.encryptionKey, opts.random ?? randomBytes);
    this.#key = new RedisKeys(opts.prefix);
    this.#sessionTtlMs = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.#endedTtlMs = opts.endedTtlMs ?? DEFAULT_ENDED_TTL_MS;
    this.#leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const retryMaxMs = opts.retryMaxMs ?? 5000;
    this.#conn = new RedisConnection({
      url: opts.url,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 1000,
      retryMaxMs,
      onError: opts.onError,
      // A Redis that restarted may have lost our data: every session we hold is written again.
      onReady: (restarted) => {
        if (restarted) this.#queue.resyncAll();
        this.#queue.pumpAll();
      },
    });
    this.#leases = new RedisLeases(this.#conn, this.#key, this.#clock);
    this.#recorders = new RedisRecorders(this.#conn, this.#key, this.#clock);
    this.#queue = new WriteQueue({
      send: (job) => this.#send(job),
      release: (rid, recorderId, token) => this.#leases.release(rid, recorderId, token),
      connected: () => this.#conn.connected,
      maxPending: opts.maxPendingSessions ?? 10_000,
      retryMinMs: opts.retryMinMs ?? 100,
      retryMaxMs,
      ...(opts.onFenced !== undefined ? { onFenced: opts.onFenced } : {}),
      onError: (err) => this.#conn.noteError(err),
      onWritten: () => this.#writes++,
    });
  }

  async create(
    session: StoredSession,
    recorderId: string,
    leaseMs: number,
  ): Promise<WriteOutcome & { token: number }> {
    return { ...(await this.#enqueue(session, recorderId, 1, leaseMs)), token: 1 };
  }

  save(session: StoredSession, recorderId: string, token: number): Promise<WriteOutcome> {
    return this.#enqueue(session, recorderId, token, this.#leaseMs);
  }

  #enqueue(
    session: StoredSession,
    recorderId: string,
    token: number,
    leaseMs: number,
  ): Promise<WriteOutcome> {
    let parts: Parts;
    try {
      parts = plainParts(session);
    } catch (err) {
      this.#errors++;
      return Promise.resolve({ status: 'dropped', reason: (err as Error).message });
    }
    const meta: WriteMeta = {
      recordingId: session.recordingId,
      dialogId: dialogIdOf(session),
      callId: session.callId,
      recorderId,
      token,
      leaseMs,
      ended: session.state === 'ended',
    };
    return this.#queue.enqueue(meta, parts).then((outcome) => {
      if (outcome.status === 'dropped') this.#errors++;
      return outcome;
    });
  }

  async #send(job: WriteJob): Promise<SendResult> {
    const { meta } = job;
    const fields: string[] = [];
    for (const name of job.changed)
      fields.push(`p:${name}`, wirePart(name, meta.recordingId, job.parts, this.#box));
    try {
      const reply = (await this.#conn.run(
        SAVE,
        [
          this.#key.session(meta.recordingId),
          this.#key.dialog(meta.dialogId),
          this.#key.callId(meta.callId),
          this.#key.leases(),
        ],
        [
          meta.token,
          meta.recorderId,
          this.#clock.now(),
          meta.leaseMs,
          meta.ended ? this.#endedTtlMs : this.#sessionTtlMs,
          job.full ? '1' : '0',
          meta.recordingId,
          meta.ended ? '1' : '0',
          this.#sessionTtlMs,
          meta.dialogId,
          meta.callId,
          this.#key.prefix,
          ...fields,
        ],
      )) as unknown[];
      const code = Number(reply[0]);
      if (code === 1) return { kind: 'written', revision: Number(reply[1]) };
      if (code === -1) return { kind: 'need-full' };
      this.#fenced++;
      return { kind: 'fenced', token: Number(reply[1]), owner: String(reply[2]) };
    } catch (err) {
      this.#errors++;
      return { kind: 'error', error: err as Error };
    }
  }

  async load(recordingId: string): Promise<LoadedSession | undefined> {
    const local = (): LoadedSession | undefined => this.#fromLocal(this.#queue.local(recordingId));
    if (!this.#conn.connected) return local() ?? this.#conn.unavailable();
    let hash: Record<string, string>;
    try {
      hash = await this.#conn.redis.hgetall(this.#key.session(recordingId));
    } catch (err) {
      this.#conn.noteError(err as Error);
      return local() ?? this.#conn.unavailable();
    }
    if (hash['p:core'] === undefined) return local();
    const parts: Partial<Record<PartName, string>> = {};
    for (const name of PART_NAMES) parts[name] = hash[`p:${name}`];
    try {
      return {
        session: decodeSession(recordingId, parts, this.#box),
        owner: hash.owner ?? '',
        leaseUntil: Number(hash.leaseUntil ?? 0),
        token: Number(hash.fence ?? 0),
        revision: Number(hash.rev ?? 0),
      };
    } catch (err) {
      this.#errors++;
      throw err;
    }
  }

  async findByDialog(dialogId: string): Promise<LoadedSession | undefined> {
    const local = this.#queue.localByDialog(dialogId);
    if (!this.#conn.connected) return this.#fromLocal(local) ?? this.#conn.unavailable();
    let rid: string | null;
    try {
      rid = await this.#conn.redis.get(this.#key.dialog(dialogId));
    } catch (err) {
      this.#conn.noteError(err as Error);
      return this.#fromLocal(local) ?? this.#conn.unavailable();
    }
    // Not indexed (yet): only a write of ours still on its way can know this dialog.
    if (rid === null) return this.#fromLocal(this.#queue.pendingByDialog(dialogId));
    return this.load(rid);
  }

  async findByCallId(callId: string): Promise<LoadedSession[]> {
    const locals = (): LoadedSession[] =>
      this.#queue.localByCallId(callId).flatMap((l) => this.#fromLocal(l) ?? []);
    if (!this.#conn.connected) {
      const l = locals();
      return l.length > 0 ? l : this.#conn.unavailable();
    }
    let ids: string[];
    try {
      ids = await this.#conn.redis.smembers(this.#key.callId(callId));
    } catch (err) {
      this.#conn.noteError(err as Error);
      const l = locals();
      return l.length > 0 ? l : this.#conn.unavailable();
    }
    const out: LoadedSession[] = [];
    for (const rid of ids) {
      const s = await this.load(rid);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  acquire(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.#leases.acquire('acquire', recordingId, recorderId, leaseMs);
  }

  takeOver(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.#leases.acquire('takeover', recordingId, recorderId, leaseMs);
  }

  claimOrphan(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.#leases.acquire('claim', recordingId, recorderId, leaseMs);
  }

  renew(recordingId: string, recorderId: string, token: number, leaseMs: number): Promise<LeaseOutcome> {
    return this.#leases.renew(recordingId, recorderId, token, leaseMs);
  }

  /** Goes through the write queue: a release must not overtake the session's final state. */
  release(recordingId: string, recorderId: string, token: number): Promise<boolean> {
    return this.#queue.release(recordingId, recorderId, token);
  }

  heartbeat(recorderId: string, info: RecorderInfo, ttlMs: number): Promise<boolean> {
    return this.#recorders.heartbeat(recorderId, info, ttlMs);
  }

  liveRecorders(): Promise<RecorderRecord[]> {
    return this.#recorders.live();
  }

  orphans(now: number, minAgeMs = 0): Promise<OrphanRecord[]> {
    return this.#leases.orphans(now, minAgeMs);
  }

  async flush(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#queue.idle && Date.now() < deadline && this.#conn.connected)
      await new Promise((r) => setTimeout(r, 5));
    return this.#queue.pending;
  }

  health(): StoreHealth {
    const ok = this.#conn.connected;
    const pendingWrites = this.#queue.pending;
    return {
      backend: 'redis',
      ok,
      degraded: !ok || pendingWrites > 0,
      pendingWrites,
      lastError: this.#conn.lastError,
    };
  }

  stats(): StoreStats {
    return {
      commands: this.#conn.meter.commands,
      bytesSent: this.#conn.meter.bytes,
      writes: this.#writes,
      fencedWrites: this.#fenced,
      errors: this.#errors,
      pendingWrites: this.#queue.pending,
    };
  }

  async close(): Promise<void> {
    if (this.#conn.closed) return;
    if (this.#conn.connected) await this.flush(1000);
    // Closed at once (no command after this), the queue stopped, then the connection QUITs.
    const closing = this.#conn.close();
    this.#queue.close();
    await closing;
  }

  #fromLocal(l: LocalState | undefined): LoadedSession | undefined {
    if (l === undefined) return undefined;
    return {
      session: decodeSession(l.meta.recordingId, l.parts, this.#box),
      owner: l.meta.recorderId,
      leaseUntil: 0,
      token: l.meta.token,
      revision: 0,
    };
  }
}
