/**
 * Session ownership on Redis (DESIGN.md §4): leases with fencing tokens taken, renewed and given up by one script
 * call each (atomic on the server, which is what makes "exactly one recorder wins" hold), and the scan for orphans
 * whose lease expired.
 */
import { ACQUIRE, RELEASE, RENEW } from './redis-scripts.js';
import type { RedisConnection } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';
import type { LeaseOutcome, OrphanRecord, StoreClock } from './session-store.js';
import { RECORDER_COUNTERS_TTL_MS } from './store-options.js';

/** Scan at most this many expired leases per `orphans` call; the survivor's sweep comes back for the rest. */
const MAX_ORPHANS_PER_SCAN = 1000;

export class RedisLeases {
  readonly #conn: RedisConnection;
  readonly #key: RedisKeys;
  readonly #clock: StoreClock;

  constructor(conn: RedisConnection, keys: RedisKeys, clock: StoreClock) {
    this.#conn = conn;
    this.#key = keys;
    this.#clock = clock;
  }

  /** `acquire`, `takeOver` or `claimOrphan` of `SessionStore`, by mode. */
  async acquire(
    mode: 'acquire' | 'takeover' | 'claim',
    recordingId: string,
    recorderId: string,
    leaseMs: number,
  ): Promise<LeaseOutcome> {
    try {
      const r = (await this.#conn.run(
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
      return this.#conn.leaseUnavailable(err);
    }
  }

  async renew(
    recordingId: string,
    recorderId: string,
    token: number,
    leaseMs: number,
  ): Promise<LeaseOutcome> {
    try {
      const r = (await this.#conn.run(
        RENEW,
        [this.#key.session(recordingId), this.#key.leases()],
        [recorderId, token, this.#clock.now(), leaseMs, recordingId],
      )) as unknown[];
      const code = Number(r[0]);
      if (code === 1) return { ok: true, token, leaseUntil: Number(r[1]), previousOwner: recorderId };
      if (code === 0) return { ok: false, reason: 'fenced', owner: String(r[1]), token: Number(r[2]) };
      return { ok: false, reason: 'not-found' };
    } catch (err) {
      return this.#conn.leaseUnavailable(err);
    }
  }

  /** The release itself; rejects when Redis cannot be reached (the write queue then retries it). */
  async release(recordingId: string, recorderId: string, token: number): Promise<boolean> {
    const r = await this.#conn.run(
      RELEASE,
      [this.#key.session(recordingId), this.#key.leases()],
      [recorderId, token, recordingId],
    );
    return Number(r) === 1;
  }

  /** Unended sessions whose lease expired at least `minAgeMs` before `now`. */
  async orphans(now: number, minAgeMs: number): Promise<OrphanRecord[]> {
    const redis = this.#conn.redis;
    const out: OrphanRecord[] = [];
    try {
      const ids = await redis.zrangebyscore(
        this.#key.leases(),
        '-inf',
        now - minAgeMs,
        'LIMIT',
        0,
        MAX_ORPHANS_PER_SCAN,
      );
      for (const recordingId of ids) {
        const [owner, leaseUntil, ended, core] = await redis.hmget(
          this.#key.session(recordingId),
          'owner',
          'leaseUntil',
          'ended',
          'p:core',
        );
        if (core === null) {
          // The session expired from Redis; its lease entry is stale.
          await redis.zrem(this.#key.leases(), recordingId);
          continue;
        }
        const until = Number(leaseUntil ?? 0);
        if (ended !== '1' && typeof owner === 'string' && owner !== '' && until <= now - minAgeMs)
          out.push({ recordingId, owner, leaseUntil: until });
      }
    } catch (err) {
      this.#conn.noteError(err as Error);
      return this.#conn.unavailable();
    }
    return out;
  }
}
