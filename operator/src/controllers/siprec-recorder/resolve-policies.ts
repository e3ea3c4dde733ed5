/**
 * Step 1: the RecordingPolicies that apply to the recorder, compiled. A missing or invalid policy is
 * left out and makes the recorder Degraded (the others still apply), never a failed reconcile.
 */
import type { RecordingPolicy } from '../../api/generated/recording-policy.js';
import { compilePolicy } from '../../policy/compile.js';
import { selectPolicies } from '../../policy/select.js';
import { CONTINUE, type RecorderContext, type RecorderStep, type StepResult } from './context.js';

/** Builds the step over a source of cached policies. */
export function resolvePoliciesStep(policiesIn: (namespace: string) => RecordingPolicy[]): RecorderStep {
  return {
    name: 'resolve-policies',
    async run(ctx: RecorderContext): Promise<StepResult> {
      const selection = selectPolicies(ctx.recorder, policiesIn(ctx.recorder.metadata.namespace ?? ''));
      for (const name of selection.missing) {
        ctx.problems.push({ reason: 'PolicyNotFound', message: `RecordingPolicy ${name} does not exist` });
      }
      for (const policy of selection.policies) {
        const result = compilePolicy(policy);
        if (result.valid) ctx.policies.push(result.policy);
        else {
          ctx.problems.push({
            reason: 'PolicyInvalid',
            message: `RecordingPolicy ${policy.metadata.name ?? ''} is invalid and not applied: ${result.problems.join('; ')}`,
          });
        }
      }
      return CONTINUE;
    },
  };
}
