/**
 * Chooses the session store from the configuration: Redis when REDIS_URL is set, else the embedded in-memory store
 * (DESIGN.md §4). Called by the composition root only.
 */
import type { RecorderConfig } from '../config/config.js';
import { MemorySessionStore } from './memory-session-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import type { SessionStore, StoreClock } from './session-store.js';
import { DEFAULT_SESSION_TTL_MS } from './store-options.js';

export interface SessionStoreDeps {
  readonly clock?: StoreClock;
  readonly random?: (n: number) => Buffer;
  /** Redis errors, for the log (rate-limit there). */
  readonly onError?: (error: Error) => void;
  /** A queued write met a newer owner: stop recording that session here. */
  readonly onFenced?: (recordingId: string, owner: string, token: number) => void;
}

export function createSessionStore(
  config: Pick<RecorderConfig, 'redisUrl' | 'storeEncryptionKey' | 'sessionLeaseMs' | 'sessionTimeoutMs'>,
  deps: SessionStoreDeps = {},
): SessionStore {
  const common = {
    ...(deps.clock !== undefined ? { clock: deps.clock } : {}),
    ...(deps.random !== undefined ? { random: deps.random } : {}),
    ...(config.storeEncryptionKey !== undefined ? { encryptionKey: config.storeEncryptionKey } : {}),
    leaseMs: config.sessionLeaseMs,
    // An idle session is finalised after SESSION_TIMEOUT; keep it in the store well past that so a survivor can.
    sessionTtlMs: Math.max(DEFAULT_SESSION_TTL_MS, 2 * config.sessionTimeoutMs),
  };
  if (config.redisUrl === undefined) return new MemorySessionStore(common);
  return new RedisSessionStore({
    ...common,
    url: config.redisUrl,
    ...(deps.onError !== undefined ? { onError: deps.onError } : {}),
    ...(deps.onFenced !== undefined ? { onFenced: deps.onFenced } : {}),
  });
}
