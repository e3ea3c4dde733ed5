/**
 * The key layout of the Redis store (prefix `siprec:` by default), each key with a TTL so nothing outlives its use:
 * - `session:{<recordingId>}` hash: document parts, fence, owner, leaseUntil, ended, rev, and the dialog/Call-ID it
 *   is indexed under (TTL: sessionTtlMs, endedTtlMs once ended)
 * - `dialog:<callId;localTag;remoteTag>` → recording id; `callid:<Call-ID>` → set of recording ids
 * - `leases` sorted set: unended owned sessions by lease expiry (orphan scan)
 * - `recorder:<id>` heartbeat JSON (TTL: the heartbeat TTL); `recorders` sorted set by expiry
 * - `recorder-counters:<id>` hash: failovers suffered, recoveries made (kept 30 days)
 * Written for a standalone Redis (or Sentinel): scripts touch keys derived from the prefix, as Redis Cluster forbids.
 */

/** Key names under one prefix. */
export class RedisKeys {
  readonly prefix: string;

  constructor(prefix = 'siprec:') {
    this.prefix = prefix;
  }

  session(recordingId: string): string {
    return `${this.prefix}session:{${recordingId}}`;
  }

  dialog(dialogId: string): string {
    return `${this.prefix}dialog:${dialogId}`;
  }

  callId(callId: string): string {
    return `${this.prefix}callid:${callId}`;
  }

  leases(): string {
    return `${this.prefix}leases`;
  }

  recorders(): string {
    return `${this.prefix}recorders`;
  }

  recorder(recorderId: string): string {
    return `${this.prefix}recorder:${recorderId}`;
  }

  /** Prefix of the per-recorder counter hashes (the scripts append the recorder id). */
  counters(): string {
    return `${this.prefix}recorder-counters:`;
  }
}
