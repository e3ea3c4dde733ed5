/**
 * metav1.Condition bookkeeping (cloudnative-pg pkg/resources/status/conditions.go): a condition's
 * lastTransitionTime moves only when its status changes, so re-asserting the same state writes
 * nothing.
 */
import type { Condition } from '../api/meta.js';

/** A condition without its transition time. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/** Condition timestamps: RFC 3339, second precision (metav1.Time). */
export function conditionTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns `existing` with `input` set: the transition time is kept when the status did not change,
 * set to now when it did or the condition is new. Other conditions are kept, order preserved.
 */
export function setCondition(
  existing: readonly Condition[] | undefined,
  input: ConditionInput,
  nowMs: number,
): Condition[] {
  const list = [...(existing ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prior = i >= 0 ? list[i] : undefined;
  const lastTransitionTime =
    prior && prior.status === input.status ? prior.lastTransitionTime : conditionTime(nowMs);
  const next: Condition = { ...input, lastTransitionTime };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** Finds a condition by type. */
export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}
