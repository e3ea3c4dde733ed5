import { expect } from 'chai';
import type { SiprecRecorder } from '../../../../operator/src/api/generated/siprec-recorder.js';
import type { RecordingPolicy } from '../../../../operator/src/api/generated/recording-policy.js';
import { containsDesired } from '../../../../operator/src/controllers/child-sync.js';
import { setCondition } from '../../../../operator/src/controllers/conditions.js';
import { computePolicyStatus } from '../../../../operator/src/controllers/recording-policy-controller.js';
import {
  computeRecorderStatus,
  type ObservedStatefulSet,
} from '../../../../operator/src/controllers/siprec-recorder/status.js';
import { FakeClock } from '../support/fake-clock.js';
import { loadFixture } from '../support/fixtures.js';

const IMAGE = 'ghcr.io/siprec-k8s/siprec-recorder:0.1.0';
const sts = (
  replicas: number,
  ready: number,
  updated: number,
  generation = 1,
  observed = 1,
): ObservedStatefulSet => ({
  metadata: { generation },
  status: { observedGeneration: observed, replicas, readyReplicas: ready, updatedReplicas: updated },
});
const cond = (
  s: { conditions?: { type: string; status: string; reason: string; lastTransitionTime: string }[] },
  type: string,
) => s.conditions?.find((c) => c.type === type);

describe('operator controllers: SiprecRecorder status', () => {
  const recorder = loadFixture<SiprecRecorder>('recorders/sample-defaulted.yaml');

  it('follows the StatefulSet from created to ready, and is stable once there', () => {
    const clock = new FakeClock();
    const base = { recorder, image: IMAGE, problems: [], childrenChanged: false };
    const created = computeRecorderStatus({
      ...base,
      statefulSet: undefined,
      childrenChanged: true,
      nowMs: clock.now(),
    });
    expect(cond(created, 'Ready')).to.include({ status: 'False', reason: 'RecordersNotReady' });
    expect(cond(created, 'Progressing')).to.include({ status: 'True', reason: 'Reconciling' });
    expect(cond(created, 'Degraded')).to.include({ status: 'False', reason: 'AsExpected' });
    expect(created.observedGeneration).to.equal(1);
    expect(created.selector).to.equal(
      'app.kubernetes.io/component=recorder,app.kubernetes.io/instance=recorder,app.kubernetes.io/name=siprec-recorder',
    );

    clock.advance(5000);
    const withStatus = { ...recorder, status: created };
    const waiting = computeRecorderStatus({
      ...base,
      recorder: withStatus,
      statefulSet: sts(2, 1, 2),
      nowMs: clock.now(),
    });
    expect(cond(waiting, 'Progressing')).to.include({ status: 'True', reason: 'WaitingForReady' });
    expect(cond(waiting, 'Ready')?.lastTransitionTime, 'still False: no transition').to.equal(
      cond(created, 'Ready')?.lastTransitionTime,
    );
    expect(waiting.currentVersion).to.equal('');

    clock.advance(5000);
    const ready = computeRecorderStatus({
      ...base,
      recorder: { ...recorder, status: waiting },
      statefulSet: sts(2, 2, 2),
      nowMs: clock.now(),
    });
    expect(cond(ready, 'Ready')).to.include({
      status: 'True',
      reason: 'RecordersReady',
      lastTransitionTime: '2025-01-15T10:00:10Z',
    });
    expect(cond(ready, 'Progressing')).to.include({ status: 'False', reason: 'Stable' });
    expect(ready.currentVersion).to.equal(IMAGE);

    clock.advance(60_000);
    const again = computeRecorderStatus({
      ...base,
      recorder: { ...recorder, status: ready },
      statefulSet: sts(2, 2, 2),
      nowMs: clock.now(),
    });
    expect(again, 'nothing changed, nothing to write').to.deep.equal(ready);
  });

  it('is Degraded with every problem, and keeps the counters the recorders report', () => {
    const reported = {
      ...recorder,
      status: {
        activeSessions: 12,
        totalSessions: 3400,
        failovers: 2,
        recoveries: 2,
        handovers: 40,
        recorders: [{ name: 'recorder-0', ready: true }],
      },
    };
    const s = computeRecorderStatus({
      recorder: reported,
      statefulSet: sts(2, 2, 2, 2, 1),
      image: IMAGE,
      problems: [
        { reason: 'PolicyNotFound', message: 'RecordingPolicy gone does not exist' },
        { reason: 'PolicyInvalid', message: 'RecordingPolicy broken is invalid' },
      ],
      childrenChanged: false,
      nowMs: 0,
    });
    expect(cond(s, 'Degraded')).to.include({ status: 'True', reason: 'PolicyNotFound' });
    expect(s.conditions?.find((c) => c.type === 'Degraded')?.message).to.equal(
      'RecordingPolicy gone does not exist; RecordingPolicy broken is invalid',
    );
    expect(cond(s, 'Progressing')).to.include({ status: 'True', reason: 'RolloutPending' });
    expect(s).to.deep.include({
      activeSessions: 12,
      totalSessions: 3400,
      failovers: 2,
      recoveries: 2,
      handovers: 40,
    });
    expect(s.recorders).to.deep.equal([{ name: 'recorder-0', ready: true }]);
  });

  it('moves a condition transition time only when its status changes', () => {
    const a = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'X', message: 'm' },
      Date.UTC(2025, 0, 1),
    );
    const b = setCondition(
      a,
      { type: 'Ready', status: 'False', reason: 'Y', message: 'n' },
      Date.UTC(2025, 0, 2),
    );
    const c = setCondition(
      b,
      { type: 'Ready', status: 'True', reason: 'Z', message: 'o' },
      Date.UTC(2025, 0, 3),
    );
    expect([a, b, c].map((l) => l[0]?.lastTransitionTime)).to.deep.equal([
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:00:00Z',
      '2025-01-03T00:00:00Z',
    ]);
  });
});

describe('operator controllers: RecordingPolicy status', () => {
  it('says why a policy is invalid on its Valid condition', () => {
    const s = computePolicyStatus(loadFixture<RecordingPolicy>('policies/invalid-patterns.yaml'), 0);
    expect(s.valid).to.equal(false);
    expect(s.observedGeneration).to.equal(4);
    expect(s.conditions?.[0]).to.include({ type: 'Valid', status: 'False', reason: 'InvalidPattern' });
    expect(s.message).to.contain('match.participants[0].pattern: Invalid regular expression');
  });

  it('summarises a valid policy', () => {
    const s = computePolicyStatus(loadFixture<RecordingPolicy>('policies/sales-defaulted.yaml'), 0);
    expect(s).to.deep.include({
      valid: true,
      message: 'record when matched, priority 200',
      matchedSessions: 0,
    });
  });
});

describe('operator controllers: drift detection', () => {
  it('ignores what only the server added, sees what someone changed', () => {
    const desired = { spec: { replicas: 2, template: { containers: [{ name: 'r', image: 'a' }] } } };
    const defaulted = {
      spec: {
        replicas: 2,
        revisionHistoryLimit: 10,
        template: { containers: [{ name: 'r', image: 'a', terminationMessagePath: '/dev/x' }] },
      },
      status: { replicas: 2 },
    };
    expect(containsDesired(desired, defaulted)).to.equal(true);
    expect(containsDesired(desired, { spec: { ...defaulted.spec, replicas: 3 } })).to.equal(false);
    expect(containsDesired(desired, { spec: { replicas: 2, template: { containers: [] } } })).to.equal(false);
    expect(containsDesired(desired, undefined)).to.equal(false);
  });
});
