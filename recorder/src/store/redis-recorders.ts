/**
 * Which recorders are alive, on Redis: each heart-beats a JSON document with a TTL (one script call), and the
 * failover counters the survivors keep for it are read back with it.
 */
import { Reader } from './document-reader.js';
import type { RedisConnection } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';
import { HEARTBEAT } from './redis-scripts.js';
import type { RecorderInfo, RecorderRecord, StoreClock } from './session-store.js';
import { StoreError } from './store-error.js';
import { RECORDER_COUNTERS_TTL_MS } from './store-options.js';

export class RedisRecorders {
  readonly #conn: RedisConnection;
  readonly #key: RedisKeys;
  readonly #clock: StoreClock;

  constructor(conn: RedisConnection, keys: RedisKeys, clock: StoreClock) {
    this.#conn = conn;
    this.#key = keys;
    this.#clock = clock;
  }

  async heartbeat(recorderId: string, info: RecorderInfo, ttlMs: number): Promise<boolean> {
    try {
      await this.#conn.run(
        HEARTBEAT,
        [this.#key.recorder(recorderId), this.#key.recorders()],
        [recorderId, JSON.stringify(info), this.#clock.now(), ttlMs, RECORDER_COUNTERS_TTL_MS],
      );
      return true;
    } catch (err) {
      this.#conn.noteError(err as Error);
      return false;
    }
  }

  async live(): Promise<RecorderRecord[]> {
    const redis = this.#conn.redis;
    const now = this.#clock.now();
    const out: RecorderRecord[] = [];
    try {
      const flat = await redis.zrangebyscore(this.#key.recorders(), `(${now}`, '+inf', 'WITHSCORES');
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const recorderId = flat[i] ?? '';
        const [json, counters] = await Promise.all([
          redis.get(this.#key.recorder(recorderId)),
          redis.hgetall(this.#key.counters() + recorderId),
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
      this.#conn.noteError(err as Error);
      return this.#conn.unavailable();
    }
    return out.sort((a, b) => a.recorderId.localeCompare(b.recorderId));
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
