/**
 * Which RecordingPolicies apply to a SiprecRecorder (spec.policies: names plus a label selector; both
 * empty means every policy of the namespace), in evaluation order.
 */
import type { RecordingPolicy } from '../api/generated/recording-policy.js';
import type { SiprecRecorder, SiprecRecorderSpecPoliciesSelector } from '../api/generated/siprec-recorder.js';

/** metav1.LabelSelector semantics: every matchLabels entry and every expression must hold. */
export function matchesSelector(
  selector: SiprecRecorderSpecPoliciesSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const value = l[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The policies a recorder uses, and the names it asks for that do not exist. */
export interface PolicySelection {
  policies: RecordingPolicy[];
  missing: string[];
}

/** True when the recorder's spec.policies refers to the policy (used to fan policy changes out). */
export function recorderUsesPolicy(recorder: SiprecRecorder, policy: RecordingPolicy): boolean {
  if (recorder.metadata.namespace !== policy.metadata.namespace) return false;
  const refs = recorder.spec.policies;
  const names = refs?.names ?? [];
  if (names.length === 0 && !refs?.selector) return true;
  if (names.includes(policy.metadata.name ?? '')) return true;
  return refs?.selector ? matchesSelector(refs.selector, policy.metadata.labels) : false;
}

/**
 * Selects the policies of the recorder's namespace that apply to it, sorted by priority (highest
 * first) then name, which is the order the recorder evaluates them in.
 */
export function selectPolicies(
  recorder: SiprecRecorder,
  candidates: readonly RecordingPolicy[],
): PolicySelection {
  const policies = candidates
    .filter((p) => recorderUsesPolicy(recorder, p))
    .sort(
      (a, b) =>
        b.spec.priority - a.spec.priority || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
  const present = new Set(
    candidates
      .filter((p) => p.metadata.namespace === recorder.metadata.namespace)
      .map((p) => p.metadata.name),
  );
  const missing = (recorder.spec.policies?.names ?? []).filter((n) => !present.has(n));
  return { policies, missing };
}
