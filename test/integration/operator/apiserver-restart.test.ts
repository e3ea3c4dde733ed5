/**
 * The informers survive a kube-apiserver restart: their watches break, the reconnect is refused for a
 * while, and they must relist and watch again on their own (client-node's ListWatch would stop).
 */
import { expect } from 'chai';
import type { KubeObject } from '../../../operator/src/api/meta.js';
import { CONFIGMAPS } from '../../../operator/src/api/resources.js';
import {
  adminClient,
  applyObjects,
  controlPlane,
  createNamespace,
  eventually,
  getObject,
} from './support/cluster.js';
import { childrenMatch } from './support/expected-children.js';
import { OperatorProcess } from './support/operator-process.js';

const NS = 'siprec-restart';
const IMAGE = 'registry.test/siprec-recorder:it';

const recorder = (name: string): KubeObject =>
  ({
    apiVersion: 'siprec.io/v1alpha1',
    kind: 'SiprecRecorder',
    metadata: { name },
    spec: { replicas: 1 },
  }) as KubeObject;

describe('operator integration: kube-apiserver restart', function () {
  this.timeout(180_000);
  let operator: OperatorProcess;

  before(async () => {
    await createNamespace(NS);
    operator = await OperatorProcess.start({
      KUBECONFIG: controlPlane().kubeconfigPath,
      WATCH_NAMESPACE: NS,
      LEADER_ELECTION: 'false',
      RECORDER_IMAGE: IMAGE,
    });
    await applyObjects([recorder('before-restart')], NS);
    await eventually('children before the restart', () => childrenMatch(NS, 'before-restart', IMAGE), 30_000);
  });

  after(async () => {
    await operator?.kill();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`operator log:\n${operator.logTail(60)}`);
  });

  it('relists and watches again, then reconciles new objects and repairs old ones', async () => {
    await controlPlane().restartApiServer();
    await applyObjects([recorder('after-restart')], NS);
    await eventually('children after the restart', () => childrenMatch(NS, 'after-restart', IMAGE), 90_000);
    // A change to a child of an object seen before the restart is seen too (its watch is live again).
    const old = await getObject(CONFIGMAPS, NS, 'before-restart-config');
    await adminClient().delete(CONFIGMAPS, NS, 'before-restart-config');
    const repaired = await eventually('repaired ConfigMap', async () => {
      const cm = await getObject(CONFIGMAPS, NS, 'before-restart-config');
      return cm && cm.metadata?.uid !== old?.metadata?.uid ? cm : undefined;
    });
    expect(repaired.metadata?.ownerReferences?.[0]?.name).to.equal('before-restart');
    expect(await operator.metric('siprec_operator_informer_restarts_total')).to.be.greaterThan(0);
    expect(await operator.readyz()).to.equal(200);
  });
});
