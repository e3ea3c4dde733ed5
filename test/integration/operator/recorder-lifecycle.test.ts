/**
 * A SiprecRecorder's life against a real control plane, with the operator running as its
 * ServiceAccount bound to config/rbac (never as admin): children created, repaired, updated, status
 * reported, policies validated and fanned out, no writes in steady state, children garbage-collected.
 */
import { expect } from 'chai';
import type { RecordingPolicy } from '../../../operator/src/api/generated/recording-policy.js';
import type { SiprecRecorder } from '../../../operator/src/api/generated/siprec-recorder.js';
import type { KubeObject } from '../../../operator/src/api/meta.js';
import {
  CONFIGMAPS,
  LEASES,
  RECORDING_POLICIES,
  ROLES,
  SERVICES,
  SIPREC_RECORDERS,
  STATEFULSETS,
} from '../../../operator/src/api/resources.js';
import {
  EVENTS,
  adminClient,
  applyFile,
  applyObjects,
  createNamespace,
  eventually,
  getObject,
  loadDocuments,
} from './support/cluster.js';
import { childrenMatch, expectedChildren } from './support/expected-children.js';
import { OperatorProcess } from './support/operator-process.js';
import { OPERATOR_NAMESPACE, operatorKubeconfig } from './support/operator-rbac.js';

const NS = 'siprec-lifecycle';
const IMAGE = 'registry.test/siprec-recorder:it';
const LEASE = 'siprec-operator-lifecycle';

type Sts = KubeObject & {
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } };
  };
};
type Cm = KubeObject & { data?: Record<string, string> };

const condition = (r: SiprecRecorder | undefined, type: string) =>
  r?.status?.conditions?.find((c) => c.type === type);

describe('operator integration: SiprecRecorder lifecycle (operator as its ServiceAccount)', function () {
  this.timeout(120_000);
  let operator: OperatorProcess;
  let uid = '';

  before(async () => {
    await createNamespace(NS);
    operator = await OperatorProcess.start({
      KUBECONFIG: await operatorKubeconfig(),
      WATCH_NAMESPACE: NS,
      LEADER_ELECTION: 'true',
      LEADER_ELECTION_NAMESPACE: OPERATOR_NAMESPACE,
      LEADER_ELECTION_ID: LEASE,
      LEASE_DURATION: '4s',
      RENEW_DEADLINE: '3s',
      RETRY_PERIOD: '1s',
      RESYNC_PERIOD: '5s',
      RECORDER_IMAGE: IMAGE,
    });
  });

  after(async () => {
    await operator?.kill();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`operator log:\n${operator.logTail(60)}`);
  });

  it('applies the samples: every child appears with the right spec and owner reference', async () => {
    await applyFile('config/samples/siprec_v1alpha1_recordingpolicy.yaml', NS);
    await applyFile('config/samples/siprec_v1alpha1_recordingpolicy_skip_internal.yaml', NS);
    const [recorder] = await applyFile('config/samples/siprec_v1alpha1_siprecrecorder.yaml', NS);
    uid = recorder?.metadata?.uid ?? '';
    const live = await eventually(
      'children of the sample',
      () => childrenMatch(NS, 'recorder', IMAGE),
      60_000,
    );
    expect([...live.keys()].sort()).to.deep.equal([
      'ConfigMap/recorder-config',
      'PodDisruptionBudget/recorder',
      'Role/recorder-recorder',
      'RoleBinding/recorder-recorder',
      'Service/recorder-pods',
      'Service/recorder-redis',
      'Service/recorder-sip',
      'ServiceAccount/recorder-recorder',
      'StatefulSet/recorder',
      'StatefulSet/recorder-redis',
    ]);
    for (const obj of live.values()) {
      expect(obj.metadata?.ownerReferences).to.deep.equal([
        {
          apiVersion: 'siprec.io/v1alpha1',
          kind: 'SiprecRecorder',
          name: 'recorder',
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    // The policies the recorder selects (by label) are compiled into its ConfigMap, highest priority first.
    const cm = live.get('ConfigMap/recorder-config') as Cm;
    const file = JSON.parse(cm.data?.['policies.json'] ?? '{}') as { policies: { name: string }[] };
    expect(file.policies.map((p) => p.name)).to.deep.equal(['skip-internal', 'sales']);
    expect(await operator.metric('siprec_operator_api_requests_total', { code: '403' })).to.equal(0);
  });

  it('reports status: observedGeneration, Ready/Progressing/Degraded, replicas from the StatefulSet, Events', async () => {
    const recorder = await eventually('status of the sample', async () => {
      const r = await getObject<SiprecRecorder>(SIPREC_RECORDERS, NS, 'recorder');
      // kube-controller-manager creates the pods (no kubelet runs them, so none becomes ready).
      return r?.status?.observedGeneration === 1 && r.status.replicas === 2 ? r : undefined;
    });
    expect(condition(recorder, 'Ready')).to.include({
      status: 'False',
      reason: 'RecordersNotReady',
      message: '0/2 recorders ready',
    });
    expect(condition(recorder, 'Progressing')).to.include({ status: 'True', observedGeneration: 1 });
    expect(condition(recorder, 'Degraded')).to.include({ status: 'False', reason: 'AsExpected' });
    expect(recorder.status).to.deep.include({
      targetVersion: IMAGE,
      activeSessions: 0,
      failovers: 0,
      recoveries: 0,
      handovers: 0,
    });
    const policy = await eventually('policy status', async () => {
      const p = await getObject<RecordingPolicy>(RECORDING_POLICIES, NS, 'sales');
      return p?.status?.valid === true ? p : undefined;
    });
    expect(policy.status?.conditions?.[0]).to.include({ type: 'Valid', status: 'True' });
    const { items } = await adminClient().list<
      KubeObject & { reason?: string; involvedObject?: { uid?: string } }
    >(EVENTS, {
      namespace: NS,
    });
    const reasons = items.filter((e) => e.involvedObject?.uid === uid).map((e) => e.reason);
    expect(reasons).to.include('Created');
  });

  it('repairs children that are deleted or edited by hand', async () => {
    const client = adminClient();
    const before = await getObject(CONFIGMAPS, NS, 'recorder-config');
    await client.delete(CONFIGMAPS, NS, 'recorder-config');
    await client.delete(SERVICES, NS, 'recorder-sip');
    await client.delete(ROLES, NS, 'recorder-recorder');
    // Someone scales the StatefulSet behind the operator's back.
    await client.apply(
      STATEFULSETS,
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'recorder', namespace: NS },
        spec: { replicas: 7 },
      } as KubeObject,
      'kubectl-edit',
    );
    const live = await eventually('repaired children', () => childrenMatch(NS, 'recorder', IMAGE), 30_000);
    expect(live.get('ConfigMap/recorder-config')?.metadata?.uid).to.not.equal(before?.metadata?.uid);
    expect((live.get('StatefulSet/recorder') as Sts).spec?.replicas).to.equal(2);
  });

  it('applies a spec change, and status.observedGeneration follows', async () => {
    const [doc] = loadDocuments('config/samples/siprec_v1alpha1_siprecrecorder.yaml') as SiprecRecorder[];
    const changed = { ...doc!, spec: { ...doc!.spec, replicas: 3, logLevel: 'debug' as const } };
    const [applied] = await applyObjects([changed], NS);
    expect(applied?.metadata?.generation).to.equal(2);
    const live = await eventually('updated StatefulSet', () => childrenMatch(NS, 'recorder', IMAGE), 30_000);
    const sts = live.get('StatefulSet/recorder') as Sts;
    expect(sts.spec?.replicas).to.equal(3);
    expect(
      sts.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === 'LOG_LEVEL')?.value,
    ).to.equal('debug');
    const recorder = await eventually('observedGeneration 2', async () => {
      const r = await getObject<SiprecRecorder>(SIPREC_RECORDERS, NS, 'recorder');
      return r?.status?.observedGeneration === 2 ? r : undefined;
    });
    expect(recorder.status?.conditions?.every((c) => c.observedGeneration === 2)).to.equal(true);
  });

  it('re-renders a recorder when a policy it uses changes, and reports invalid policies', async () => {
    const [sales] = loadDocuments('config/samples/siprec_v1alpha1_recordingpolicy.yaml') as RecordingPolicy[];
    await applyObjects([{ ...sales!, spec: { ...sales!.spec, retention: { days: 30 } } }], NS);
    await eventually('ConfigMap with the new retention', async () => {
      const cm = await getObject<Cm>(CONFIGMAPS, NS, 'recorder-config');
      const file = JSON.parse(cm?.data?.['policies.json'] ?? '{}') as {
        policies?: { name: string; retention: { days: number } }[];
      };
      return file.policies?.find((p) => p.name === 'sales')?.retention.days === 30;
    });

    const broken = {
      apiVersion: 'siprec.io/v1alpha1',
      kind: 'RecordingPolicy',
      metadata: { name: 'broken', labels: { 'siprec.io/tenant': 'default' } },
      spec: { match: { participants: [{ pattern: '^sip:(\\d+@example\\.com$', syntax: 'regex' }] } },
    } as KubeObject;
    await applyObjects([broken], NS);
    const policy = await eventually('invalid policy status', async () => {
      const p = await getObject<RecordingPolicy>(RECORDING_POLICIES, NS, 'broken');
      return p?.status?.valid === false ? p : undefined;
    });
    expect(policy.status?.message).to.match(/^match\.participants\[0\]\.pattern: Invalid regular expression/);
    expect(policy.status?.conditions?.[0]).to.include({
      type: 'Valid',
      status: 'False',
      reason: 'InvalidPattern',
    });
    const degraded = await eventually('Degraded recorder', async () => {
      const r = await getObject<SiprecRecorder>(SIPREC_RECORDERS, NS, 'recorder');
      return condition(r, 'Degraded')?.status === 'True' ? r : undefined;
    });
    expect(condition(degraded, 'Degraded')).to.include({ reason: 'PolicyInvalid' });
    expect(condition(degraded, 'Degraded')?.message).to.contain(
      'RecordingPolicy broken is invalid and not applied',
    );
    // The valid policies still apply.
    const cm = await getObject<Cm>(CONFIGMAPS, NS, 'recorder-config');
    expect(cm?.data?.['policies.json']).to.contain('"sales"').and.not.contain('"broken"');

    await adminClient().delete(RECORDING_POLICIES, NS, 'broken');
    await eventually('recovered recorder', async () => {
      const r = await getObject<SiprecRecorder>(SIPREC_RECORDERS, NS, 'recorder');
      return condition(r, 'Degraded')?.status === 'False';
    });
  });

  it('makes no API writes in steady state (several resync periods, lease renewals aside)', async () => {
    const notLease = { kind: LEASES.kind };
    // Let the last changes settle: no write for 3 s.
    let last = -1;
    await eventually(
      'quiet operator',
      async () => {
        const now = await operator.metric('siprec_operator_api_writes_total', {}, notLease);
        const quiet = now === last;
        last = now;
        return quiet;
      },
      30_000,
      3000,
    );
    const writes = await operator.metric('siprec_operator_api_writes_total', {}, notLease);
    const reconciles = await operator.metric('siprec_operator_reconcile_total', {
      controller: 'siprecrecorder',
    });
    // 15 s with RESYNC_PERIOD=5s: three full re-checks of every object (a minute's worth at the
    // production resync rate several times over).
    await new Promise((r) => setTimeout(r, 15_000));
    expect(
      await operator.metric('siprec_operator_reconcile_total', { controller: 'siprecrecorder' }),
    ).to.be.greaterThan(reconciles + 2);
    expect(await operator.metric('siprec_operator_api_writes_total', {}, notLease)).to.equal(writes);
    expect(
      await operator.metric('siprec_operator_api_requests_total', {}, { verb: 'watch' }),
    ).to.be.greaterThan(0);
  });

  it('lets the garbage collector remove every child when the SiprecRecorder is deleted', async () => {
    const children = await expectedChildren(NS, 'recorder', IMAGE);
    await adminClient().delete(SIPREC_RECORDERS, NS, 'recorder');
    await eventually(
      'children garbage-collected',
      async () => {
        for (const c of children) if (await getObject(c.resource, NS, c.object.metadata.name)) return false;
        return true;
      },
      90_000,
      500,
    );
  });

  it('shuts down gracefully on SIGTERM and releases its Lease', async () => {
    expect(await operator.stop()).to.equal(0);
    const lease = await getObject<KubeObject & { spec?: { holderIdentity?: string } }>(
      LEASES,
      OPERATOR_NAMESPACE,
      LEASE,
    );
    expect(lease?.spec?.holderIdentity).to.equal('');
  });
});
