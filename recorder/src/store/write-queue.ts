/**
 * Per-session write pipeline of the Redis store. Writes of one session go out one at a time, in order; while one is
 * in flight, later states coalesce (the latest wins: each write carries the whole state of the parts it touches, so
 * nothing between two states needs replaying). When Redis is unreachable the latest state of each session waits
 * here — bounded by `maxPending` sessions — and is retried with exponential back-off, then on reconnection.
 *
 * Each slot also remembers the parts Redis acknowledged, for two reasons: a write sends only the parts that
 * differ from them, and if Redis comes back without its data every active session can be written again in full.
 */
import { PART_NAMES, type PartName, type Parts } from './session-codec.js';
import type { WriteOutcome } from './session-store.js';

/** Identity and ownership of the session a write belongs to. */
export interface WriteMeta {
  readonly recordingId: string;
  readonly dialogId: string;
  readonly callId: string;
  readonly recorderId: string;
  readonly token: number;
  readonly leaseMs: number;
  readonly ended: boolean;
}

/** One write as sent: `changed` lists the parts to store (all of them when `full`). */
export interface WriteJob {
  readonly meta: WriteMeta;
  readonly parts: Parts;
  readonly changed: readonly PartName[];
  readonly full: boolean;
}

export type SendResult =
  | { readonly kind: 'written'; readonly revision: number }
  | { readonly kind: 'fenced'; readonly owner: string; readonly token: number }
  /** The session is missing from Redis (it restarted empty): send everything. */
  | { readonly kind: 'need-full' }
  | { readonly kind: 'error'; readonly error: Error };

export interface WriteQueueOptions {
  readonly send: (job: WriteJob) => Promise<SendResult>;
  /** Releases a lease; rejects when Redis could not be reached (retried later). */
  readonly release: (recordingId: string, recorderId: string, token: number) => Promise<boolean>;
  readonly connected: () => boolean;
  readonly maxPending: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly onFenced?: (recordingId: string, owner: string, token: number) => void;
  readonly onError: (error: Error) => void;
  readonly onWritten: () => void;
}

interface Slot {
  meta: WriteMeta;
  /** Newest state not yet acknowledged by Redis. */
  latest: Parts | undefined;
  /** State Redis is known to hold; undefined until the first acknowledged write (or after Redis lost it). */
  acked: Parts | undefined;
  inflight: boolean;
  waiters: ((o: WriteOutcome) => void)[];
  /** Release the lease once the pending state is written; resolved with the release's result. */
  releaseAfter: boolean;
  releaseWaiters: ((released: boolean) => void)[];
}

/** The local view of a session: what this recorder last wrote, for reads while Redis is unreachable. */
export interface LocalState {
  readonly meta: WriteMeta;
  readonly parts: Parts;
}

export class WriteQueue {
  readonly #o: WriteQueueOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #byDialog = new Map<string, string>();
  #pending = 0;
  #retryDelay: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: WriteQueueOptions) {
    this.#o = opts;
    this.#retryDelay = opts.retryMinMs;
  }

  /** Sessions with a state waiting for Redis. */
  get pending(): number {
    return this.#pending;
  }

  get idle(): boolean {
    if (this.#pending > 0) return false;
    for (const s of this.#slots.values()) if (s.inflight || s.releaseAfter) return false;
    return true;
  }

  /** Queues the latest state of a session; resolves when written, or at once with `queued` if Redis is away. */
  enqueue(meta: WriteMeta, parts: Parts): Promise<WriteOutcome> {
    if (this.#closed) return Promise.resolve({ status: 'dropped', reason: 'store closed' });
    let slot = this.#slots.get(meta.recordingId);
    if (slot === undefined) {
      if (this.#pending >= this.#o.maxPending)
        return Promise.resolve({ status: 'dropped', reason: 'write queue full' });
      slot = {
        meta,
        latest: undefined,
        acked: undefined,
        inflight: false,
        waiters: [],
        releaseAfter: false,
        releaseWaiters: [],
      };
      this.#slots.set(meta.recordingId, slot);
    } else if (slot.latest === undefined && this.#pending >= this.#o.maxPending) {
      return Promise.resolve({ status: 'dropped', reason: 'write queue full' });
    }
    if (slot.latest === undefined) this.#pending++;
    // INVITE/Replaces moves a session to a new dialog (RFC 3891 §3): it is indexed under that one only.
    if (slot.meta.dialogId !== meta.dialogId && this.#byDialog.get(slot.meta.dialogId) === meta.recordingId)
      this.#byDialog.delete(slot.meta.dialogId);
    this.#byDialog.set(meta.dialogId, meta.recordingId);
    slot.meta = meta;
    slot.latest = parts;
    if (!this.#o.connected()) {
      this.#scheduleRetry();
      return Promise.resolve({ status: 'queued', pendingWrites: this.#pending });
    }
    const s = slot;
    const done = new Promise<WriteOutcome>((resolve) => s.waiters.push(resolve));
    this.#pump(s);
    return done;
  }

  /**
   * Releases the lease after the session's pending state is written (a release must not overtake the final
   * state). Resolves true once released; false when Redis is unreachable (the release then happens on catch-up).
   */
  async release(recordingId: string, recorderId: string, token: number): Promise<boolean> {
    const slot = this.#slots.get(recordingId);
    if (slot !== undefined && (slot.latest !== undefined || slot.inflight || !this.#o.connected())) {
      slot.releaseAfter = true;
      slot.meta = { ...slot.meta, token, recorderId };
      if (!this.#o.connected()) {
        this.#scheduleRetry();
        return false;
      }
      const done = new Promise<boolean>((resolve) => slot.releaseWaiters.push(resolve));
      this.#pump(slot);
      return done;
    }
    this.#forget(recordingId);
    try {
      return await this.#o.release(recordingId, recorderId, token);
    } catch (err) {
      this.#o.onError(err as Error);
      return false;
    }
  }

  /** What this recorder last wrote for a session (read fallback while Redis is away). */
  local(recordingId: string): LocalState | undefined {
    const s = this.#slots.get(recordingId);
    const parts = s?.latest ?? s?.acked;
    return s === undefined || parts === undefined ? undefined : { meta: s.meta, parts };
  }

  localByDialog(dialogId: string): LocalState | undefined {
    const rid = this.#byDialog.get(dialogId);
    return rid === undefined ? undefined : this.local(rid);
  }

  /** Like `localByDialog`, only while that state has not reached Redis yet (Redis knows better otherwise). */
  pendingByDialog(dialogId: string): LocalState | undefined {
    const rid = this.#byDialog.get(dialogId);
    const s = rid === undefined ? undefined : this.#slots.get(rid);
    return s !== undefined && (s.latest !== undefined || s.inflight)
      ? this.local(s.meta.recordingId)
      : undefined;
  }

  localByCallId(callId: string): LocalState[] {
    const out: LocalState[] = [];
    for (const [rid, s] of this.#slots) {
      if (s.meta.callId !== callId) continue;
      const l = this.local(rid);
      if (l !== undefined) out.push(l);
    }
    return out;
  }

  /** Redis came back without our data: write every session we hold again, in full. */
  resyncAll(): void {
    for (const s of this.#slots.values()) {
      if (s.acked !== undefined && s.latest === undefined) {
        s.latest = s.acked;
        this.#pending++;
      }
      s.acked = undefined;
    }
  }

  /** Sends every pending state (called on reconnection and by the retry timer). */
  pumpAll(): void {
    for (const s of this.#slots.values()) this.#pump(s);
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #pump(slot: Slot): void {
    if (slot.inflight || this.#closed || !this.#o.connected()) return;
    const parts = slot.latest;
    if (parts === undefined) {
      if (slot.releaseAfter) this.#releaseNow(slot);
      return;
    }
    slot.inflight = true;
    slot.latest = undefined;
    this.#pending--;
    const waiters = slot.waiters;
    slot.waiters = [];
    const acked = slot.acked;
    const full = acked === undefined;
    const changed = PART_NAMES.filter((n) => acked === undefined || acked[n] !== parts[n]);
    const meta = slot.meta;
    void this.#o.send({ meta, parts, changed, full }).then((result) => {
      slot.inflight = false;
      switch (result.kind) {
        case 'written':
          slot.acked = parts;
          this.#retryDelay = this.#o.retryMinMs;
          this.#o.onWritten();
          for (const w of waiters) w({ status: 'written', revision: result.revision });
          if (slot.latest === undefined && !slot.releaseAfter && meta.ended) this.#forget(meta.recordingId);
          break;
        case 'fenced': {
          const outcome: WriteOutcome = { status: 'fenced', owner: result.owner, token: result.token };
          for (const w of [...waiters, ...slot.waiters]) w(outcome);
          slot.waiters = [];
          this.#forget(meta.recordingId);
          this.#o.onFenced?.(meta.recordingId, result.owner, result.token);
          return;
        }
        case 'need-full':
          slot.acked = undefined;
          this.#restore(slot, parts);
          slot.waiters.unshift(...waiters);
          break;
        case 'error':
          this.#o.onError(result.error);
          this.#restore(slot, parts);
          // Nobody waits on Redis: every caller learns now that its state is queued.
          for (const w of [...waiters, ...slot.waiters])
            w({ status: 'queued', pendingWrites: this.#pending });
          slot.waiters = [];
          this.#scheduleRetry();
          return;
      }
      this.#pump(slot);
    });
  }

  /** Puts a state that did not make it back, unless a newer one arrived meanwhile (it includes it). */
  #restore(slot: Slot, parts: Parts): void {
    if (slot.latest === undefined) {
      slot.latest = parts;
      this.#pending++;
    }
  }

  #releaseNow(slot: Slot): void {
    slot.inflight = true;
    const meta = slot.meta;
    void this.#o.release(meta.recordingId, meta.recorderId, meta.token).then(
      (released) => {
        slot.inflight = false;
        slot.releaseAfter = false;
        for (const w of slot.releaseWaiters.splice(0)) w(released);
        if (slot.latest === undefined) this.#forget(meta.recordingId);
        else this.#pump(slot);
      },
      (err: unknown) => {
        slot.inflight = false;
        this.#o.onError(err as Error);
        for (const w of slot.releaseWaiters.splice(0)) w(false);
        this.#scheduleRetry();
      },
    );
  }

  #forget(recordingId: string): void {
    const s = this.#slots.get(recordingId);
    if (s === undefined || this.#slots.get(recordingId) !== s) return;
    if (s.latest !== undefined) this.#pending--;
    this.#slots.delete(recordingId);
    if (this.#byDialog.get(s.meta.dialogId) === recordingId) this.#byDialog.delete(s.meta.dialogId);
  }

  /** Exponential back-off between retry rounds, reset by the first successful write. */
  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#closed) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(this.#retryDelay * 2, this.#o.retryMaxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#pending > 0 || !this.idle) {
        if (this.#o.connected()) this.pumpAll();
        else this.#scheduleRetry();
      }
    }, delay);
    this.#retryTimer.unref();
  }
}
