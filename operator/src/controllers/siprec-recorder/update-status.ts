/**
 * Step 3: writes the status through the /status subresource, only when it differs from what the
 * object already says (no status churn).
 */
import type { SiprecRecorder } from '../../api/generated/siprec-recorder.js';
import type { KubeObject } from '../../api/meta.js';
import { SIPREC_RECORDERS } from '../../api/resources.js';
import { canonicalJson } from '../../builders/hash.js';
import { childNames } from '../../builders/metadata.js';
import { recorderImage, type RecorderBuildOptions } from '../../builders/statefulset.js';
import type { Clock } from '../../runtime/clock.js';
import { KubeApiError, type KubeClient } from '../../runtime/kube-client.js';
import { CONTINUE, type RecorderContext, type RecorderStep, type StepResult } from './context.js';
import { computeRecorderStatus, type ObservedStatefulSet } from './status.js';

/** Builds the step. */
export function updateStatusStep(deps: {
  client: KubeClient;
  clock: Clock;
  buildOptions: RecorderBuildOptions;
  lookup: (namespace: string, name: string) => KubeObject | undefined;
}): RecorderStep {
  return {
    name: 'update-status',
    async run(ctx: RecorderContext): Promise<StepResult> {
      const recorder = ctx.recorder;
      const ns = recorder.metadata.namespace ?? '';
      const sts: ObservedStatefulSet | undefined = deps.lookup(ns, childNames(recorder).statefulSet);
      const status = computeRecorderStatus({
        recorder,
        statefulSet: sts,
        image: recorderImage(recorder, deps.buildOptions),
        problems: ctx.problems,
        childrenChanged: ctx.outcomes.some(
          (o) => o.action !== 'unchanged' && o.action !== 'waiting' && !o.error,
        ),
        nowMs: deps.clock.now(),
      });
      if (canonicalJson(status) === canonicalJson(recorder.status ?? {})) return CONTINUE;
      try {
        await deps.client.patchStatus<SiprecRecorder>(
          SIPREC_RECORDERS,
          ns,
          recorder.metadata.name ?? '',
          status,
        );
      } catch (err) {
        // Deleted while we reconciled: nothing left to report on.
        if (err instanceof KubeApiError && err.status === 404) return { next: 'stop' };
        throw err;
      }
      return CONTINUE;
    },
  };
}
