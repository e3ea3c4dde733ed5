/** Options shared by both session-store implementations. */
import type { EncryptionKey } from './encryption-key.js';
import type { StoreClock } from './session-store.js';

export interface StoreOptions {
  /** Epoch-ms clock for leases and heartbeats (default `Date.now`). */
  readonly clock?: StoreClock;
  /** STORE_ENCRYPTION_KEY: seals SRTP keys at rest when given. */
  readonly encryptionKey?: EncryptionKey;
  /** Random bytes for IVs (default `crypto.randomBytes`). */
  readonly random?: (n: number) => Buffer;
  /** A session not written for this long disappears from the store (default 24 h; keep it above SESSION_TIMEOUT). */
  readonly sessionTtlMs?: number;
  /** An ended session is kept this long, so a late BYE reaching another recorder still finds it (default 10 min). */
  readonly endedTtlMs?: number;
  /**
   * SESSION_LEASE: the lease a write re-establishes when it finds its session gone from the store (Redis restarted
   * without its data); `create`, `acquire` and `renew` take theirs explicitly. Default 10 s.
   */
  readonly leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 10_000;

export const DEFAULT_SESSION_TTL_MS = 24 * 3_600_000;
export const DEFAULT_ENDED_TTL_MS = 10 * 60_000;
/** Failover counters of a recorder outlive it, so the operator can read them after a crash (30 days). */
export const RECORDER_COUNTERS_TTL_MS = 30 * 24 * 3_600_000;
