/**
 * The decision at the heart of leader election (client-go leaderelection's tryAcquireOrRenew), kept
 * pure so it can be tested with a fake clock.
 *
 * Expiry is judged by the candidate's own clock from the moment it *observed* the Lease record change,
 * never from the timestamps written in it, so clock skew between replicas cannot make two leaders.
 */

/** coordination.k8s.io/v1 LeaseSpec, as JSON. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** What a candidate remembers between attempts. */
export interface LeaseObservation {
  /** The record as last seen (compared as JSON). */
  record: string;
  /** Local time at which that record was first seen. */
  observedAtMs: number;
}

/** Outcome of one attempt. */
export type LeaseDecision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'update'; spec: LeaseSpec }
  | { action: 'wait'; holder: string; expiresInMs: number };

/** RFC 3339 with microseconds, the MicroTime format the API server expects. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Decides whether `identity` may take or keep the lease.
 * @param current the Lease's spec, or undefined when no Lease exists
 * @param observation what was seen last time (updated in place when the record changed)
 */
export function decideLease(
  current: LeaseSpec | undefined,
  observation: LeaseObservation,
  nowMs: number,
  identity: string,
  leaseDurationMs: number,
): LeaseDecision {
  const fresh: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
    acquireTime: microTime(nowMs),
    renewTime: microTime(nowMs),
    leaseTransitions: 0,
  };
  if (!current) return { action: 'create', spec: fresh };
  const record = JSON.stringify(current);
  if (record !== observation.record) {
    observation.record = record;
    observation.observedAtMs = nowMs;
  }
  const holder = current.holderIdentity ?? '';
  const duration = (current.leaseDurationSeconds ?? Math.ceil(leaseDurationMs / 1000)) * 1000;
  const expiresInMs = observation.observedAtMs + duration - nowMs;
  if (holder !== '' && holder !== identity && expiresInMs > 0) return { action: 'wait', holder, expiresInMs };
  const transitions = current.leaseTransitions ?? 0;
  return {
    action: 'update',
    spec: {
      ...fresh,
      acquireTime: holder === identity ? (current.acquireTime ?? fresh.acquireTime) : fresh.acquireTime,
      leaseTransitions: holder === identity ? transitions : transitions + 1,
    },
  };
}
