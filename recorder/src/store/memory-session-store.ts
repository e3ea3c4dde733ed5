/**
 * The embedded session store (the default when REDIS_URL is unset). Behaves as the Redis store does — the same
 * bounds, the same stored form (parts with sealed SRTP keys) seen by readers and by `rawParts` — so both
 * implementations behave alike; several recorders in one process (tests) share one `MemoryStoreBackend`. Every
 * operation is synchronous underneath, which makes each one atomic.
 *
 * What it keeps per session is a private copy of the written `StoredSession`, not its encoded parts: the copy
 * shares every string (SDP, raw metadata documents, ids) with the live session, where the JSON parts duplicated
 * all of them (~10 KB per call with a 4 KB INVITE, DESIGN.md §8). The parts are rendered — and sealed with the
 * writer's key — only when the session is read back, which happens at takeover and on tests, not per call.
 */
import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.js';
import { decodeSession, PART_NAMES, plainParts, wirePart, type PartName } from './session-codec.js';
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
import { StoreError } from './store-error.js';
import { dialogIdOf, type StoredSession } from './stored-session.js';

interface Entry {
  /** The last written session, copied so that later changes by the writer do not reach it. */
  session: StoredSession;
  /** The writer's key: readers see the parts sealed with it, as they would in Redis. */
  box: SecretBox;
  fence: number;
  owner: string;
  leaseUntil: number;
  revision: number;
  ended: boolean;
  dialogId: string;
  callId: string;
  expiresAt: number;
}

/** The shared state behind one or more `MemorySessionStore`s. */
export class MemoryStoreBackend {
  readonly sessions = new Map<string, Entry>();
  readonly byDialog = new Map<string, string>();
  /** Recording ids by Call-ID: one id, or a set for the rare Call-ID shared by several (a Set per call is ~300 B). */
  readonly byCallId = new Map<string, string | Set<string>>();
  readonly recorders = new Map<string, { info: RecorderInfo; expiresAt: number }>();
  readonly recorderCounters = new Map<string, { failovers: number; recoveries: number }>();

  /** The stored (sealed) parts of a session, as a test would see them at rest in Redis. */
  rawParts(recordingId: string): Partial<Record<PartName, string>> | undefined {
    const e = this.sessions.get(recordingId);
    return e === undefined ? undefined : storedParts(e);
  }
}

export class MemorySessionStore implements SessionStore {
  readonly backend = 'memory' as const;
  readonly #b: MemoryStoreBackend;
  readonly #clock: StoreClock;
  readonly #box: SecretBox;
  readonly #sessionTtlMs: number;
  readonly #endedTtlMs: number;
  readonly #leaseMs: number;
  #writes = 0;
  #fenced = 0;
  #errors = 0;
  #closed = false;

  constructor(opts: StoreOptions & { backend?: MemoryStoreBackend } = {}) {
    this.#b = opts.backend ?? new MemoryStoreBackend();
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.#box = new SecretBox(opts.encryptionKey, opts.random ?? randomBytes);
    this.#sessionTtlMs = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.#endedTtlMs = opts.endedTtlMs ?? DEFAULT_ENDED_TTL_MS;
    this.#leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  create(
    session: StoredSession,
    recorderId: string,
    leaseMs: number,
  ): Promise<WriteOutcome & { token: number }> {
    // Same as Redis: a repeated create (a retry) rewrites the session while nobody took it over since.
    const now = this.#clock.now();
    const outcome = this.#write(session, recorderId, 1, leaseMs, now);
    return Promise.resolve({ ...outcome, token: 1 });
  }

  save(session: StoredSession, recorderId: string, token: number): Promise<WriteOutcome> {
    return Promise.resolve(this.#write(session, recorderId, token, this.#leaseMs, this.#clock.now()));
  }

  #write(
    session: StoredSession,
    recorderId: string,
    token: number,
    leaseMs: number,
    now: number,
  ): WriteOutcome {
    if (this.#closed) return { status: 'dropped', reason: 'store closed' };
    try {
      // Encoded for its bounds only (the same refusals as Redis); the encoding is not kept.
      plainParts(session);
    } catch (err) {
      this.#errors++;
      return { status: 'dropped', reason: (err as Error).message };
    }
    const rid = session.recordingId;
    let e = this.#live(rid, now);
    if (e !== undefined && e.fence > token) {
      this.#fenced++;
      return { status: 'fenced', owner: e.owner, token: e.fence };
    }
    if (e === undefined) {
      e = {
        session,
        box: this.#box,
        fence: token,
        owner: recorderId,
        leaseUntil: now + leaseMs,
        revision: 0,
        ended: false,
        dialogId: dialogIdOf(session),
        callId: session.callId,
        expiresAt: 0,
      };
      this.#b.sessions.set(rid, e);
    }
    e.session = copyOfSession(session);
    e.box = this.#box;
    e.revision++;
    e.ended = session.state === 'ended';
    e.expiresAt = now + (e.ended ? this.#endedTtlMs : this.#sessionTtlMs);
    // INVITE/Replaces moved the session to a new dialog (RFC 3891 §3): it is found by that one, and the replaced
    // dialog, which has ended, no longer finds it.
    const dialogId = dialogIdOf(session);
    if (dialogId !== e.dialogId || session.callId !== e.callId) {
      this.#unindex(rid, e);
      e.dialogId = dialogId;
      e.callId = session.callId;
    }
    this.#b.byDialog.set(e.dialogId, rid);
    const ids = this.#b.byCallId.get(e.callId);
    if (ids === undefined || ids === rid) this.#b.byCallId.set(e.callId, rid);
    else if (typeof ids === 'string') this.#b.byCallId.set(e.callId, new Set([ids, rid]));
    else ids.add(rid);
    this.#writes++;
    return { status: 'written', revision: e.revision };
  }

  load(recordingId: string): Promise<LoadedSession | undefined> {
    return this.#guard(() => this.#loaded(recordingId, this.#clock.now()));
  }

  findByDialog(dialogId: string): Promise<LoadedSession | undefined> {
    return this.#guard(() => {
      const rid = this.#b.byDialog.get(dialogId);
      return rid === undefined ? undefined : this.#loaded(rid, this.#clock.now());
    });
  }

  findByCallId(callId: string): Promise<LoadedSession[]> {
    return this.#guard(() => {
      const now = this.#clock.now();
      const out: LoadedSession[] = [];
      const ids = this.#b.byCallId.get(callId) ?? [];
      for (const rid of typeof ids === 'string' ? [ids] : ids) {
        const l = this.#loaded(rid, now);
        if (l !== undefined) out.push(l);
      }
      return out;
    });
  }

  acquire(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    const now = this.#clock.now();
    const e = this.#live(recordingId, now);
    if (e === undefined) return Promise.resolve({ ok: false, reason: 'not-found' });
    if (e.owner !== '' && e.owner !== recorderId && e.leaseUntil > now)
      return Promise.resolve({ ok: false, reason: 'owned', owner: e.owner, leaseUntil: e.leaseUntil });
    return Promise.resolve(this.#grant(e, recorderId, leaseMs, now, false));
  }

  renew(recordingId: string, recorderId: string, token: number, leaseMs: number): Promise<LeaseOutcome> {
    const now = this.#clock.now();
    const e = this.#live(recordingId, now);
    if (e === undefined) return Promise.resolve({ ok: false, reason: 'not-found' });
    if (e.fence !== token || e.owner !== recorderId)
      return Promise.resolve({ ok: false, reason: 'fenced', owner: e.owner, token: e.fence });
    e.leaseUntil = now + leaseMs;
    return Promise.resolve({ ok: true, token, leaseUntil: e.leaseUntil, previousOwner: recorderId });
  }

  release(recordingId: string, recorderId: string, token: number): Promise<boolean> {
    const e = this.#live(recordingId, this.#clock.now());
    if (e === undefined || e.fence !== token || e.owner !== recorderId) return Promise.resolve(false);
    e.owner = '';
    e.leaseUntil = 0;
    return Promise.resolve(true);
  }

  takeOver(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    const now = this.#clock.now();
    const e = this.#live(recordingId, now);
    if (e === undefined) return Promise.resolve({ ok: false, reason: 'not-found' });
    const ownerAlive = (this.#b.recorders.get(e.owner)?.expiresAt ?? 0) > now;
    if (e.owner !== '' && e.owner !== recorderId && e.leaseUntil > now && ownerAlive)
      return Promise.resolve({ ok: false, reason: 'owned', owner: e.owner, leaseUntil: e.leaseUntil });
    return Promise.resolve(this.#grant(e, recorderId, leaseMs, now, true));
  }

  claimOrphan(recordingId: string, recorderId: string, leaseMs: number): Promise<LeaseOutcome> {
    const now = this.#clock.now();
    const e = this.#live(recordingId, now);
    if (e === undefined) return Promise.resolve({ ok: false, reason: 'not-found' });
    if (e.ended) return Promise.resolve({ ok: false, reason: 'ended' });
    if (e.owner === '' || e.leaseUntil > now)
      return Promise.resolve({ ok: false, reason: 'owned', owner: e.owner, leaseUntil: e.leaseUntil });
    return Promise.resolve(this.#grant(e, recorderId, leaseMs, now, false));
  }

  /** Hands out the next fencing token; a session taken from another recorder counts as a failover it suffered. */
  #grant(e: Entry, recorderId: string, leaseMs: number, now: number, recovery: boolean): LeaseOutcome {
    const previousOwner = e.owner;
    e.fence++;
    e.owner = recorderId;
    e.leaseUntil = now + leaseMs;
    if (previousOwner !== '' && previousOwner !== recorderId) {
      this.#counters(previousOwner).failovers++;
      if (recovery) this.#counters(recorderId).recoveries++;
    }
    return { ok: true, token: e.fence, leaseUntil: e.leaseUntil, previousOwner };
  }

  #counters(recorderId: string): { failovers: number; recoveries: number } {
    let c = this.#b.recorderCounters.get(recorderId);
    if (c === undefined) this.#b.recorderCounters.set(recorderId, (c = { failovers: 0, recoveries: 0 }));
    return c;
  }

  heartbeat(recorderId: string, info: RecorderInfo, ttlMs: number): Promise<boolean> {
    this.#b.recorders.set(recorderId, { info: structuredClone(info), expiresAt: this.#clock.now() + ttlMs });
    return Promise.resolve(true);
  }

  liveRecorders(): Promise<RecorderRecord[]> {
    return this.#guard(() => {
      const now = this.#clock.now();
      const out: RecorderRecord[] = [];
      for (const [recorderId, r] of this.#b.recorders) {
        if (r.expiresAt <= now) continue;
        const c = this.#b.recorderCounters.get(recorderId);
        out.push({
          ...r.info,
          recorderId,
          expiresAt: r.expiresAt,
          storeCounters: { failovers: c?.failovers ?? 0, recoveries: c?.recoveries ?? 0 },
        });
      }
      return out.sort((a, b) => a.recorderId.localeCompare(b.recorderId));
    });
  }

  orphans(now: number, minAgeMs = 0): Promise<OrphanRecord[]> {
    return this.#guard(() => {
      const out: OrphanRecord[] = [];
      for (const [recordingId, e] of this.#b.sessions) {
        if (this.#live(recordingId, now) === undefined) continue;
        if (!e.ended && e.owner !== '' && e.leaseUntil <= now - minAgeMs)
          out.push({ recordingId, owner: e.owner, leaseUntil: e.leaseUntil });
      }
      return out;
    });
  }

  flush(): Promise<number> {
    return Promise.resolve(0);
  }

  health(): StoreHealth {
    return { backend: 'memory', ok: !this.#closed, degraded: false, pendingWrites: 0, lastError: null };
  }

  stats(): StoreStats {
    return {
      commands: 0,
      bytesSent: 0,
      writes: this.#writes,
      fencedWrites: this.#fenced,
      errors: this.#errors,
      pendingWrites: 0,
    };
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** The entry, or undefined when absent or past its TTL (then forgotten, as Redis would). */
  #live(recordingId: string, now: number): Entry | undefined {
    const e = this.#b.sessions.get(recordingId);
    if (e === undefined || e.expiresAt > now) return e;
    this.#b.sessions.delete(recordingId);
    this.#unindex(recordingId, e);
    return undefined;
  }

  /** Removes the dialog and Call-ID index entries of `e` (those of another session under the same ids stay). */
  #unindex(recordingId: string, e: Entry): void {
    if (this.#b.byDialog.get(e.dialogId) === recordingId) this.#b.byDialog.delete(e.dialogId);
    const ids = this.#b.byCallId.get(e.callId);
    if (ids === recordingId) this.#b.byCallId.delete(e.callId);
    else if (typeof ids === 'object') {
      ids.delete(recordingId);
      if (ids.size === 0) this.#b.byCallId.delete(e.callId);
    }
  }

  #loaded(recordingId: string, now: number): LoadedSession | undefined {
    const e = this.#live(recordingId, now);
    if (e === undefined) return undefined;
    return {
      session: decodeSession(recordingId, storedParts(e), this.#box),
      owner: e.owner,
      leaseUntil: e.leaseUntil,
      token: e.fence,
      revision: e.revision,
    };
  }

  #guard<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('STORE_CLOSED', 'session store closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      this.#errors++;
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/** The parts as the writer would have stored them: plain JSON, `sdp` and `streams` sealed with its key. */
function storedParts(e: Entry): Record<PartName, string> {
  const plain = plainParts(e.session);
  const parts = { ...plain };
  for (const name of PART_NAMES) parts[name] = wirePart(name, e.session.recordingId, plain, e.box);
  return parts;
}

/**
 * The copy kept of a written session. Strings are immutable, so it shares them; objects and arrays, which the writer
 * may change after the write (`rawMetadata` grows, streams count packets), are new — except the merged metadata,
 * which is never changed in place (`mergeMetadata` returns a new document for every update) and is the largest
 * tree of a session.
 */
function copyOfSession(session: StoredSession): StoredSession {
  const copy = copyOfData({ ...session, metadata: { ...session.metadata, merged: null } });
  return { ...copy, metadata: { ...copy.metadata, merged: session.metadata.merged } };
}

/**
 * A deep copy of JSON-shaped data (objects, arrays, strings, numbers, booleans, null). Objects are cloned by spread,
 * which keeps their shape and properties in-object; assigning keys one by one to `{}` turns a session-sized object
 * into a dictionary (~800 bytes more).
 */
function copyOfData<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => copyOfData(item)) as T;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in copy) {
    const item = copy[key];
    if (typeof item === 'object' && item !== null) copy[key] = copyOfData(item);
  }
  return copy as T;
}
