/**
 * The shared session store on Redis (DESIGN.md §4). Every write, lease change and heartbeat is one Lua script call
 * (one round trip, atomic on the server). Writes go through `WriteQueue`, so Redis being down or restarting never
 * blocks or fails a call: the latest state of each session waits in memory and is written when Redis is back.
 *
 * Keys (prefix `siprec:` by default), each with a TTL so nothing outlives its use:
 * - `session:{<recordingId>}` hash: document parts, fence, owner, leaseUntil, ended, rev (TTL: sessionTtlMs,
 *   endedTtlMs once ended)
 * - `dialog:<callId;localTag;remoteTag>` → recording id; `callid:<Call-ID>` → set of recording ids
 * - `leases` sorted set: unended owned sessions by lease expiry (orphan scan)
 * - `recorder:<id>` heartbeat JSON (TTL: the heartbeat TTL); `recorders` sorted set by expiry
 * - `recorder-counters:<id>` hash: failovers suffered, recoveries made (kept 30 days)
 * Written for a standalone Redis (or Sentinel): scripts touch keys derived from the prefix, as Redis Cluster forbids.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { meterCommands, type CommandCounts } from './command-meter.js';
import { Reader } from './document-reader.js';
import { ACQUIRE, HEARTBEAT, RELEASE, RENEW, SAVE, SCRIPTS, type LuaScript } from './redis-scripts.js';
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
  RECORDER_COUNTERS_TTL_MS,
  type StoreOptions,
} from './store-options.js';
import { StoreError } from './store-error.js';
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

/** Scan at most this many expired leases per `orphans` call; the survivor's sweep comes back for the rest. */
const MAX_ORPHANS_PER_SCAN = 1000;

export class RedisSessionStore implements SessionStore {
  readonly backend = 'redis' as const;
  readonly #redis: Redis;
  readonly #meter: CommandCounts;
  readonly #queue: WriteQueue;
  readonly #clock: StoreClock;
  readonly #box: SecretBox;
  readonly #p: string;
  readonly #sessionTtlMs: number;
  readonly #endedTtlMs: number;
  readonly #leaseMs: number;
  readonly #onError: ((error: Error) => void) | undefined;
  #runId: string | undefined;
  #lastError: string | null = null;
  #writes = 0;
  #fenced = 0;
  #errors = 0;
  #closed = false;

  constructor(opts: RedisStoreOptions) {
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.#box = new SecretBox(opts.encryptionKey, opts.random ?? randomBytes);
    this.#p = opts.prefix ?? 'siprec:';
    this.#sessionTtlMs = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.#endedTtlMs = opts.endedTtlMs ?? DEFAULT_ENDED_TTL_MS;
    this.#leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.#onError = opts.onError;
    const retryMaxMs = opts.retryMaxMs ?? 5000;
    this.#redis = new Redis(opts.url, {
      // Fail fast instead of queueing inside ioredis: a command while disconnected fails at once, one caught by a
      // disconnect is not re-sent later; the write queue keeps the state and retries it, bounded and coalesced.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: opts.connectTimeoutMs ?? 2000,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      // Reconnect forever, backing off to retryMaxMs: Redis coming back must be noticed without a restart.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), retryMaxMs),
      connectionName: 'siprec-recorder',
    });
    this.#meter = meterCommands(this.#redis);
    this.#redis.on('error', (err: Error) => this.#noteError(err));
    this.#redis.on('ready', () => void this.#onReady());
    this.#queue = new WriteQueue({
      send: (job) => this.#send(job),
      release: (rid, recorderId, token) => this.#release(rid, recorderId, token),
      connected: () => this.#connected(),
      maxPending: opts.maxPendingSessions ?? 10_000,
      retryMinMs: opts.retryMinMs ?? 100,
      retryMaxMs,
      ...(opts.onFenced !== undefined ? { onFenced: opts.onFenced } : {}),
      onError: (err) => this.#noteError(err),
      onWritten: () => this.#writes++,
    });
  }

  #key = {
    session: (rid: string): string => `${this.#p}session:{${rid}}`,
    dialog: (id: string): string => `${this.#p}dialog:${id}`,
    callId: (callId: string): string => `${this.#p}callid:${callId}`,
    leases: (): string => `${this.#p}leases`,
    recorders: (): string => `${this.#p}recorders`,
    recorder: (id: string): string => `${this.#p}recorder:${id}`,
    counters: (): string => `${this.#p}recorder-counters:`,
  };

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
      const reply = (await this.#run(
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
          this.#p,
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
    if (!this.#connected()) return local() ?? this.#unavailable();
    let hash: Record<string, string>;
    try {
      hash = await this.#redis.hgetall(this.#key.session(recordingId));
    } catch (err) {
      this.#noteError(err as Error);
      return local() ?? this.#unavailable();
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
    if (!this.#connected()) return this.#fromLocal(local) ?? this.#unavailable();
    let rid: string | null;
    try {
      rid = await this.#redis.get(this.#key.dialog(dialogId));
    } catch (err) {
      this.#noteError(err as Error);
      return this.#fromLocal(local) ?? this.#unavailable();
    }
    // Not indexed (yet): only a write of ours still on its way can know this dialog.
    if (rid === null) return this.#fromLocal(this.#queue.pendingByDialog(dialogId));
    return this.load(rid);
  }

  async findByCallId(callId: string): Promise<LoadedSession[]> {
    const locals = (): LoadedSession[] =>
      this.#queue.localByCallId(callId).flatMap((l) => this.#fromLocal(l) ?? []);
    if (!this.#connected()) {
      const l = locals();
      return l.length > 0 ? l : this.#unavailable();
    }
    let ids: string[];
    try {
      ids = await this.#redis.smembers(this.#key.callId(callId));
    } catch (err) {
      this.#noteError(err as Error);
      const l = locals();
      return l.length > 0 ? l : this.#unavailable();
    }
    const out: LoadedSession[] = [];
    for (const rid of ids) {
      const s = await this.load(rid);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  acquire(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.#acquire('acquire', recordingId, recorderId, leaseMs);
  }

  takeOver(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.#acquire('takeover', recordingId, recorderId, leaseMs);
  }

  claimOrphan(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.#acquire('claim', recordingId, recorderId, leaseMs);
  }

  async #acquire(
    mode: 'acquire' | 'takeover' | 'claim',
    recordingId: string,
    recorderId: string,
    leaseMs: number,
  ): Promise<LeaseOutcome> {
    try {
      const r = (await this.#run(
        ACQUIRE,
        [this.#key.session(recordingId), this.#key.leases(), this.#key.recorders()],
        [
          recorderId,
          this.#clock.now(),
          leaseMs,
          mode,
          recordingId,
          this.#key.counters(),
          RECORDER_COUNTERS_TTL_MS,
        ],
      )) as unknown[];
      switch (Number(r[0])) {
        case 1:
          return { ok: true, token: Number(r[1]), previousOwner: String(r[2]), leaseUntil: Number(r[3]) };
        case 0:
          return { ok: false, reason: 'owned', owner: String(r[1]), leaseUntil: Number(r[2]) };
        case -3:
          return { ok: false, reason: 'ended' };
        default:
          return { ok: false, reason: 'not-found' };
      }
    } catch (err) {
      return this.#leaseUnavailable(err);
    }
  }

  async renew(
    recordingId: string,
    recorderId: string,
    token: number,
    leaseMs: number,
  ): Promise<LeaseOutcome> {
    try {
      const r = (await this.#run(
        RENEW,
        [this.#key.session(recordingId), this.#key.leases()],
        [recorderId, token, this.#clock.now(), leaseMs, recordingId],
      )) as unknown[];
      const code = Number(r[0]);
      if (code === 1) return { ok: true, token, leaseUntil: Number(r[1]), previousOwner: recorderId };
      if (code === 0) return { ok: false, reason: 'fenced', owner: String(r[1]), token: Number(r[2]) };
      return { ok: false, reason: 'not-found' };
    } catch (err) {
      return this.#leaseUnavailable(err);
    }
  }

  release(recordingId: string, recorderId: string, token: number): Promise<boolean> {
    return this.#queue.release(recordingId, recorderId, token);
  }

  async #release(recordingId: string, recorderId: string, token: number): Promise<boolean> {
    const r = await this.#run(
      RELEASE,
      [this.#key.session(recordingId), this.#key.leases()],
      [recorderId, token, recordingId],
    );
    return Number(r) === 1;
  }

  async heartbeat(recorderId: string, info: RecorderInfo, ttlMs: number): Promise<boolean> {
    try {
      await this.#run(
        HEARTBEAT,
        [this.#key.recorder(recorderId), this.#key.recorders()],
        [recorderId, JSON.stringify(info), this.#clock.now(), ttlMs, RECORDER_COUNTERS_TTL_MS],
      );
      return true;
    } catch (err) {
      this.#noteError(err as Error);
      return false;
    }
  }

  async liveRecorders(): Promise<RecorderRecord[]> {
    const now = this.#clock.now();
    const out: RecorderRecord[] = [];
    try {
      const flat = await this.#redis.zrangebyscore(this.#key.recorders(), `(${now}`, '+inf', 'WITHSCORES');
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const recorderId = flat[i] ?? '';
        const [json, counters] = await Promise.all([
          this.#redis.get(this.#key.recorder(recorderId)),
          this.#redis.hgetall(this.#key.counters() + recorderId),
        ]);
        if (json === null) continue;
        out.push({
          ...parseRecorderInfo(json, recorderId),
          recorderId,
          expiresAt: Number(flat[i + 1]),
          storeCounters: {
            failovers: Number(counters.failovers ?? 0),
            recoveries: Number(counters.recoveries ?? 0),
          },
        });
      }
    } catch (err) {
      if (err instanceof StoreError) throw err;
      this.#noteError(err as Error);
      return this.#unavailable();
    }
    return out.sort((a, b) => a.recorderId.localeCompare(b.recorderId));
  }

  async orphans(now: number, minAgeMs = 0): Promise<OrphanRecord[]> {
    const out: OrphanRecord[] = [];
    try {
      const ids = await this.#redis.zrangebyscore(
        this.#key.leases(),
        '-inf',
        now - minAgeMs,
        'LIMIT',
        0,
        MAX_ORPHANS_PER_SCAN,
      );
      for (const recordingId of ids) {
        const [owner, leaseUntil, ended, core] = await this.#redis.hmget(
          this.#key.session(recordingId),
          'owner',
          'leaseUntil',
          'ended',
          'p:core',
        );
        if (core === null) {
          // The session expired from Redis; its lease entry is stale.
          await this.#redis.zrem(this.#key.leases(), recordingId);
          continue;
        }
        const until = Number(leaseUntil ?? 0);
        if (ended !== '1' && typeof owner === 'string' && owner !== '' && until <= now - minAgeMs)
          out.push({ recordingId, owner, leaseUntil: until });
      }
    } catch (err) {
      this.#noteError(err as Error);
      return this.#unavailable();
    }
    return out;
  }

  async flush(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#queue.idle && Date.now() < deadline && this.#connected())
      await new Promise((r) => setTimeout(r, 5));
    return this.#queue.pending;
  }

  health(): StoreHealth {
    const ok = this.#connected();
    const pendingWrites = this.#queue.pending;
    return {
      backend: 'redis',
      ok,
      degraded: !ok || pendingWrites > 0,
      pendingWrites,
      lastError: this.#lastError,
    };
  }

  stats(): StoreStats {
    return {
      commands: this.#meter.commands,
      bytesSent: this.#meter.bytes,
      writes: this.#writes,
      fencedWrites: this.#fenced,
      errors: this.#errors,
      pendingWrites: this.#queue.pending,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#connected()) await this.flush(1000);
    this.#closed = true;
    this.#queue.close();
    if (this.#redis.status === 'ready') {
      try {
        await this.#redis.quit();
        return;
      } catch {
        // Fall through to a hard disconnect.
      }
    }
    this.#redis.disconnect();
  }

  #connected(): boolean {
    return !this.#closed && this.#redis.status === 'ready';
  }

  /**
   * On every (re)connection: scripts are loaded, and if Redis is a different process than before (`run_id` changed), it may have lost our
   * data (no persistence, or a replica promoted before it caught up), so every session we hold is written again.
   */
  async #onReady(): Promise<void> {
    try {
      // Load the scripts before the queue floods in: otherwise every concurrent first call pays a NOSCRIPT
      // round trip and sends the script source.
      for (const script of SCRIPTS) await this.#redis.script('LOAD', script.source);
      const info = await this.#redis.info('server');
      const runId = /run_id:([0-9a-f]+)/.exec(info)?.[1];
      if (runId !== undefined) {
        if (this.#runId !== undefined && runId !== this.#runId) this.#queue.resyncAll();
        this.#runId = runId;
      }
    } catch (err) {
      this.#noteError(err as Error);
    }
    this.#queue.pumpAll();
  }

  async #run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'session store closed');
    try {
      return await this.#redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // Redis forgets scripts when it restarts (NOSCRIPT): send the source once, which caches it again.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await this.#redis.eval(script.source, keys.length, ...keys, ...args);
    }
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

  #unavailable(): never {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `session store unreachable: ${this.#lastError ?? 'not connected'}`,
    );
  }

  #leaseUnavailable(err: unknown): LeaseOutcome {
    this.#noteError(err as Error);
    return { ok: false, reason: 'unavailable', error: this.#lastError ?? 'not connected' };
  }

  #noteError(err: Error): void {
    this.#lastError = err.message;
    this.#onError?.(err);
  }
}

/** A heartbeat document from the store (untrusted: another process wrote it). */
function parseRecorderInfo(json: string, recorderId: string): RecorderInfo {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new StoreError('STORE_BAD_DOCUMENT', `heartbeat of recorder ${recorderId} is not JSON`);
  }
  const r = new Reader(value, `heartbeat of recorder ${recorderId}`);
  const c = r.obj('counters');
  const address = r.optional('address', () => r.str('address', 300));
  return {
    ready: r.bool('ready'),
    draining: r.bool('draining'),
    activeSessions: r.int('activeSessions'),
    version: r.str('version', 100),
    ...(address !== undefined ? { address } : {}),
    counters: {
      failoversSuffered: c.int('failoversSuffered'),
      recoveriesMade: c.int('recoveriesMade'),
      handovers: c.int('handovers'),
    },
  };
}
