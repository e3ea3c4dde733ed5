/**
 * What the steps of one SiprecRecorder reconcile share, and how a step says "continue" or "stop here"
 * (cloudnative-pg's small sub-reconcilers).
 */
import type { SiprecRecorder } from '../../api/generated/siprec-recorder.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import type { ChildOutcome } from '../child-sync.js';

/** A reason the recorder is Degraded. */
export interface Problem {
  reason: string;
  message: string;
}

/** State of one reconcile. */
export interface RecorderContext {
  readonly key: string;
  readonly recorder: SiprecRecorder;
  /** Compiled policies that apply, in evaluation order. */
  policies: CompiledPolicy[];
  /** Why the recorder is degraded (policy and apply problems). */
  problems: Problem[];
  /** What happened to each child. */
  outcomes: ChildOutcome[];
  /** Failures worth retrying after the status is written. */
  retryable: unknown[];
}

/** Outcome of a step. */
export type StepResult = { next: 'continue' } | { next: 'stop'; requeueAfterMs?: number };

/** A step of the reconcile. */
export interface RecorderStep {
  readonly name: string;
  run(ctx: RecorderContext): Promise<StepResult>;
}

export const CONTINUE: StepResult = { next: 'continue' };
