/**
 * Two operator processes (as the ServiceAccount of config/rbac): one leads and reconciles, the other
 * stands by; SIGKILL the leader and the standby takes over within the lease duration.
 */
import { expect } from 'chai';
import type { KubeObject } from '../../../operator/src/api/meta.js';
import { LEASES } from '../../../operator/src/api/resources.js';
import { applyObjects, createNamespace, eventually, getObject } from './support/cluster.js';
import { childrenMatch } from './support/expected-children.js';
import { OperatorProcess } from './support/operator-process.js';
import { OPERATOR_NAMESPACE, operatorKubeconfig } from './support/operator-rbac.js';

const NS = 'siprec-leader';
const IMAGE = 'registry.test/siprec-recorder:it';
const LEASE = 'siprec-operator-leader-test';
const LEASE_DURATION_MS = 4000;
const RETRY_PERIOD_MS = 500;

type Lease = KubeObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } };

const recorder = (name: string): KubeObject =>
  ({
    apiVersion: 'siprec.io/v1alpha1',
    kind: 'SiprecRecorder',
    metadata: { name },
    spec: { replicas: 1, sessionStore: {} },
  }) as KubeObject;

describe('operator integration: leader election on a Lease', function () {
  this.timeout(120_000);
  const operators: OperatorProcess[] = [];

  before(async () => {
    await createNamespace(NS);
    const kubeconfig = await operatorKubeconfig();
    for (const id of ['operator-a', 'operator-b']) {
      operators.push(
        await OperatorProcess.start({
          KUBECONFIG: kubeconfig,
          POD_NAME: id,
          WATCH_NAMESPACE: NS,
          LEADER_ELECTION: 'true',
          LEADER_ELECTION_NAMESPACE: OPERATOR_NAMESPACE,
          LEADER_ELECTION_ID: LEASE,
          LEASE_DURATION: `${LEASE_DURATION_MS}ms`,
          RENEW_DEADLINE: '3s',
          RETRY_PERIOD: `${RETRY_PERIOD_MS}ms`,
          RECORDER_IMAGE: IMAGE,
        }),
      );
    }
  });

  after(async () => {
    await Promise.all(operators.map((o) => o.kill()));
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed')
      for (const o of operators) console.error(`operator ${o.pid}:\n${o.logTail(30)}`);
  });

  async function leaders(): Promise<boolean[]> {
    return Promise.all(
      operators.map(async (o) => (await o.metric('siprec_operator_leader').catch(() => 0)) === 1),
    );
  }

  it('elects exactly one leader, which reconciles while the other stands by (and is ready)', async () => {
    const flags = await eventually('a leader', async () => {
      const l = await leaders();
      return l.filter(Boolean).length === 1 ? l : undefined;
    });
    const leader = operators[flags.indexOf(true)]!;
    const standby = operators[flags.indexOf(false)]!;
    const lease = await getObject<Lease>(LEASES, OPERATOR_NAMESPACE, LEASE);
    expect(lease?.spec?.holderIdentity).to.equal(flags[0] ? 'operator-a' : 'operator-b');
    await applyObjects([recorder('first')], NS);
    await eventually('children of first', () => childrenMatch(NS, 'first', IMAGE), 30_000);
    expect(
      await leader.metric('siprec_operator_api_writes_total', { kind: 'StatefulSet' }),
    ).to.be.greaterThan(0);
    expect(await standby.metric('siprec_operator_api_writes_total', {}, { kind: 'Lease' })).to.equal(0);
    expect(await standby.readyz()).to.equal(200);
  });

  it('the standby takes over within the lease duration when the leader is killed', async () => {
    const flags = await leaders();
    const leaderIndex = flags.indexOf(true);
    const leader = operators[leaderIndex]!;
    const standby = operators[1 - leaderIndex]!;
    const killedAt = Date.now();
    await leader.kill();
    await eventually(
      'the standby to lead',
      async () => (await standby.metric('siprec_operator_leader')) === 1,
      20_000,
      100,
    );
    const takeoverMs = Date.now() - killedAt;
    // It must wait out the lease (it cannot tell a dead leader from a slow one), then win on its
    // next attempt: at most one retry period (plus jitter) after expiry.
    expect(takeoverMs).to.be.at.most(LEASE_DURATION_MS + 2 * RETRY_PERIOD_MS + 1000);
    const lease = await getObject<Lease>(LEASES, OPERATOR_NAMESPACE, LEASE);
    expect(lease?.spec?.holderIdentity).to.equal(leaderIndex === 0 ? 'operator-b' : 'operator-a');
    expect(lease?.spec?.leaseTransitions).to.be.at.least(1);
    // The new leader does the work.
    await applyObjects([recorder('second')], NS);
    await eventually('children of second', () => childrenMatch(NS, 'second', IMAGE), 30_000);
    console.log(`      takeover after SIGKILL: ${takeoverMs} ms (lease ${LEASE_DURATION_MS} ms)`);
  });
});
