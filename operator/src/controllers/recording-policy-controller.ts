/**
 * The RecordingPolicy controller: validates a policy and reports it on its status (`valid`,
 * `message`, a `Valid` condition) and as a Warning event when invalid. Recorders that use the policy
 * are re-rendered by the SiprecRecorder controller (the policy informer enqueues them).
 */
import { CONDITION_VALID } from '../api/constants.js';
import type { RecordingPolicy, RecordingPolicyStatus } from '../api/generated/recording-policy.js';
import { splitKey } from '../api/meta.js';
import { RECORDING_POLICIES } from '../api/resources.js';
import { canonicalJson } from '../builders/hash.js';
import { compilePolicy } from '../policy/compile.js';
import type { Clock } from '../runtime/clock.js';
import type { Reconciler } from '../runtime/controller.js';
import type { EventRecorder } from '../runtime/event-recorder.js';
import { KubeApiError, type KubeClient } from '../runtime/kube-client.js';
import { setCondition } from './conditions.js';

/** Computes the status of a policy (pure). */
export function computePolicyStatus(policy: RecordingPolicy, nowMs: number): RecordingPolicyStatus {
  const result = compilePolicy(policy);
  const prior = policy.status ?? {};
  const generation = policy.metadata.generation ?? 0;
  const message = result.valid
    ? `${policy.spec.action} when matched, priority ${policy.spec.priority}`
    : result.problems.join('; ');
  return {
    observedGeneration: generation,
    valid: result.valid,
    message,
    matchedSessions: prior.matchedSessions ?? 0,
    conditions: setCondition(
      prior.conditions,
      {
        type: CONDITION_VALID,
        status: result.valid ? 'True' : 'False',
        reason: result.valid ? 'Compiled' : 'InvalidPattern',
        message,
        observedGeneration: generation,
      },
      nowMs,
    ),
  };
}

/** Reconciles RecordingPolicies. */
export class RecordingPolicyReconciler implements Reconciler {
  constructor(
    private readonly deps: {
      getPolicy: (namespace: string, name: string) => RecordingPolicy | undefined;
      client: KubeClient;
      events: EventRecorder;
      clock: Clock;
    },
  ) {}

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const policy = this.deps.getPolicy(namespace, name);
    if (!policy || policy.metadata.deletionTimestamp) return;
    const status = computePolicyStatus(policy, this.deps.clock.now());
    if (!status.valid) this.deps.events.emit(policy, 'Warning', 'InvalidPolicy', status.message ?? '');
    if (canonicalJson(status) === canonicalJson(policy.status ?? {})) return;
    try {
      await this.deps.client.patchStatus(RECORDING_POLICIES, namespace, name, status);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }
}
