/**
 * Step 2: every child exists and matches what the spec asks for. Children are applied together; a
 * failed write is recorded as a problem (Degraded) and, unless retrying cannot help, retried with
 * back-off after the status has been written.
 */
import type { Logger } from 'pino';
import { buildRecorderChildren } from '../../builders/children.js';
import type { RecorderBuildOptions } from '../../builders/statefulset.js';
import type { EventRecorder } from '../../runtime/event-recorder.js';
import { KubeApiError } from '../../runtime/kube-client.js';
import type { ChildSync } from '../child-sync.js';
import { CONTINUE, type RecorderContext, type RecorderStep, type StepResult } from './context.js';

/** 400 and 422 mean the object itself is refused: the same write would be refused again. */
export function isTerminalApiError(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 400 || err.status === 422);
}

const VERB: Record<string, string> = { created: 'Created', updated: 'Updated', repaired: 'Repaired' };

/** Builds the step. */
export function ensureChildrenStep(deps: {
  childSync: ChildSync;
  events: EventRecorder;
  logger: Logger;
  buildOptions: RecorderBuildOptions;
}): RecorderStep {
  return {
    name: 'ensure-children',
    async run(ctx: RecorderContext): Promise<StepResult> {
      const desired = buildRecorderChildren(ctx.recorder, ctx.policies, deps.buildOptions);
      ctx.outcomes = await Promise.all(desired.map((child) => deps.childSync.sync(ctx.key, child)));
      // One event per kind of change per reconcile, not one per child: events are API writes too.
      const changed = new Map<string, string[]>();
      for (const outcome of ctx.outcomes) {
        const what = `${outcome.child.resource.kind} ${outcome.child.object.metadata.name}`;
        if (outcome.error) {
          const message = `could not apply ${what}: ${(outcome.error as Error).message}`;
          ctx.problems.push({ reason: 'ApplyFailed', message });
          deps.events.emit(ctx.recorder, 'Warning', 'ApplyFailed', message);
          if (!isTerminalApiError(outcome.error)) ctx.retryable.push(outcome.error);
        } else if (VERB[outcome.action]) {
          const verb = VERB[outcome.action] ?? '';
          deps.logger.info(
            { recorder: ctx.key, child: what, action: outcome.action },
            `${verb.toLowerCase()} child`,
          );
          changed.set(verb, [...(changed.get(verb) ?? []), what]);
        }
      }
      for (const [verb, whats] of changed)
        deps.events.emit(ctx.recorder, 'Normal', verb, `${verb} ${whats.join(', ')}`);
      return CONTINUE;
    },
  };
}
