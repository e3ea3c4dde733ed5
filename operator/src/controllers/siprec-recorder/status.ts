/**
 * The SiprecRecorder status the operator owns, computed from the StatefulSet it observes and the
 * problems of this reconcile. Pure: equal inputs give an equal status, so an unchanged world writes
 * nothing. Pod-reported fields (sessions, failovers, recoveries, handovers, recorders[]) are carried
 * over untouched; the recorders fill them.
 */
import { CONDITION_DEGRADED, CONDITION_PROGRESSING, CONDITION_READY } from '../../api/constants.js';
import type { SiprecRecorder, SiprecRecorderStatus } from '../../api/generated/siprec-recorder.js';
import type { Condition } from '../../api/meta.js';
import { selectorLabels } from '../../builders/metadata.js';
import { setCondition } from '../conditions.js';
import type { Problem } from './context.js';

/** The fields of a StatefulSet the status reads. */
export interface ObservedStatefulSet {
  metadata?: { generation?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

/** Inputs of the status computation. */
export interface StatusInputs {
  recorder: SiprecRecorder;
  statefulSet: ObservedStatefulSet | undefined;
  image: string;
  problems: readonly Problem[];
  /** True when this reconcile wrote a child. */
  childrenChanged: boolean;
  nowMs: number;
}

/** Computes the desired status. */
export function computeRecorderStatus(input: StatusInputs): SiprecRecorderStatus {
  const { recorder, statefulSet: sts, problems, nowMs } = input;
  const prior = recorder.status ?? {};
  const generation = recorder.metadata.generation ?? 0;
  const desired = recorder.spec.replicas;
  const replicas = sts?.status?.replicas ?? 0;
  const ready = sts?.status?.readyReplicas ?? 0;
  const updated = sts?.status?.updatedReplicas ?? 0;
  const stsCurrent =
    sts !== undefined && (sts.status?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0);
  const rolledOut = stsCurrent && replicas === desired && updated === desired && ready === desired;

  let conditions: Condition[] = prior.conditions ? [...prior.conditions] : [];
  const set = (type: string, status: Condition['status'], reason: string, message: string) => {
    conditions = setCondition(
      conditions,
      { type, status, reason, message, observedGeneration: generation },
      nowMs,
    );
  };

  if (rolledOut) {
    set(
      CONDITION_READY,
      'True',
      desired === 0 ? 'ScaledToZero' : 'RecordersReady',
      `${ready}/${desired} recorders ready`,
    );
  } else {
    set(CONDITION_READY, 'False', 'RecordersNotReady', `${ready}/${desired} recorders ready`);
  }

  if (input.childrenChanged) {
    set(CONDITION_PROGRESSING, 'True', 'Reconciling', 'applying the spec to the recorder resources');
  } else if (!stsCurrent) {
    set(
      CONDITION_PROGRESSING,
      'True',
      'RolloutPending',
      'waiting for the StatefulSet controller to observe the spec',
    );
  } else if (replicas !== desired || updated !== desired) {
    set(
      CONDITION_PROGRESSING,
      'True',
      'RollingOut',
      `${updated}/${desired} recorders updated, ${replicas} exist`,
    );
  } else if (ready !== desired) {
    set(CONDITION_PROGRESSING, 'True', 'WaitingForReady', `${ready}/${desired} recorders ready`);
  } else {
    set(CONDITION_PROGRESSING, 'False', 'Stable', 'every recorder runs the current spec');
  }

  const first = problems[0];
  if (first) set(CONDITION_DEGRADED, 'True', first.reason, problems.map((p) => p.message).join('; '));
  else set(CONDITION_DEGRADED, 'False', 'AsExpected', 'no problem found');

  const selector = Object.entries(selectorLabels(recorder))
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
  return {
    observedGeneration: generation,
    conditions,
    replicas,
    readyReplicas: ready,
    updatedReplicas: updated,
    selector,
    currentVersion: rolledOut ? input.image : (prior.currentVersion ?? ''),
    targetVersion: input.image,
    activeSessions: prior.activeSessions ?? 0,
    totalSessions: prior.totalSessions ?? 0,
    failovers: prior.failovers ?? 0,
    recoveries: prior.recoveries ?? 0,
    handovers: prior.handovers ?? 0,
    recorders: prior.recorders ?? [],
  };
}
