/**
 * The test control plane behaves like the Kubernetes the operator will meet: the controller-manager runs the
 * StatefulSet, garbage-collector and service-account controllers, RBAC is enforced for TokenRequest-authenticated
 * ServiceAccounts, and the API comes back with its data after kube-apiserver restarts.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { expect } from 'chai';

import { startControlPlane, type ControlPlane } from '../../support/control-plane.js';

const NAMESPACE = 'cp-test';

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The HTTP status of a failed client-node call, or undefined when it did not fail with one. */
async function statusOf(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    if (err instanceof ApiException) return (err as ApiException<unknown>).code;
    throw err;
  }
}

function clients(kubeconfigPath: string): { core: CoreV1Api; apps: AppsV1Api; rbac: RbacAuthorizationV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
  };
}

function recorderStatefulSet(): V1StatefulSet {
  const labels = { app: 'recorder' };
  return {
    metadata: { name: 'recorder', namespace: NAMESPACE },
    spec: {
      replicas: 2,
      serviceName: 'recorder',
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'recorder', image: 'siprec/recorder:test' }] },
      },
    },
  };
}

describe('test control plane (hack/control-plane.sh)', function () {
  let plane: ControlPlane;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let rbac: RbacAuthorizationV1Api;

  before(async function () {
    // The first run on a machine compiles Kubernetes from its Go modules; later runs start in seconds.
    this.timeout(60 * 60 * 1000);
    plane = await startControlPlane();
    ({ core, apps, rbac } = clients(plane.kubeconfigPath));
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  });

  after(async function () {
    this.timeout(60_000);
    await plane?.stop();
  });

  it('serves the API on a free loopback port with the admin kubeconfig', async function () {
    expect(plane.server).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ns = await core.readNamespace({ name: 'default' });
    expect(ns.status?.phase).to.equal('Active');
  });

  it('runs the StatefulSet controller: revisions and status, one unscheduled pod without nodes', async function () {
    this.timeout(60_000);
    await apps.createNamespacedStatefulSet({ namespace: NAMESPACE, body: recorderStatefulSet() });

    const sts = await eventually('StatefulSet status from the controller-manager', async () => {
      const s = await apps.readNamespacedStatefulSet({ name: 'recorder', namespace: NAMESPACE });
      return s.status?.observedGeneration === 1 && s.status.updateRevision && s.status.currentRevision
        ? s
        : undefined;
    });
    expect(sts.status?.updateRevision).to.match(/^recorder-[a-z0-9]+$/);
    expect(sts.status?.readyReplicas ?? 0).to.equal(0);

    // No scheduler and no kubelet: pod 0 is created and stays Pending on no node, and OrderedReady keeps
    // the controller from creating pod 1 until pod 0 is Ready — which never happens here.
    const pods = await eventually('pod recorder-0', async () => {
      const list = await core.listNamespacedPod({ namespace: NAMESPACE });
      return list.items.length > 0 ? list.items : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const again = await core.listNamespacedPod({ namespace: NAMESPACE });
    expect(again.items.map((p) => p.metadata?.name)).to.deep.equal(['recorder-0']);
    const pod = pods[0];
    expect(pod?.spec?.nodeName).to.equal(undefined);
    expect(pod?.status?.phase).to.equal('Pending');
    expect(pod?.metadata?.ownerReferences?.[0]).to.include({ kind: 'StatefulSet', name: 'recorder' });
    expect(pod?.metadata?.labels?.['controller-revision-hash']).to.equal(sts.status?.updateRevision);
  });

  it('runs the garbage collector: deleting an owner removes what it owns', async function () {
    this.timeout(60_000);
    const owner = await core.createNamespacedConfigMap({
      namespace: NAMESPACE,
      body: { metadata: { name: 'owner' }, data: { role: 'owner' } },
    });
    const uid = owner.metadata?.uid;
    expect(uid).to.be.a('string');
    await core.createNamespacedConfigMap({
      namespace: NAMESPACE,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: uid ?? '' }],
        },
        data: { role: 'owned' },
      },
    });

    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: NAMESPACE });
    await eventually('the owned ConfigMap to be garbage-collected', async () =>
      (await statusOf(core.readNamespacedConfigMap({ name: 'owned', namespace: NAMESPACE }))) === 404
        ? true
        : undefined,
    );
  });

  it('enforces RBAC for a ServiceAccount authenticated by a TokenRequest token', async function () {
    this.timeout(60_000);
    await core.createNamespacedServiceAccount({
      namespace: NAMESPACE,
      body: { metadata: { name: 'reader' } },
    });
    const tokenClients = clients(await plane.tokenKubeconfig(NAMESPACE, 'reader'));

    expect(await statusOf(tokenClients.core.listNamespacedConfigMap({ namespace: NAMESPACE }))).to.equal(403);

    await rbac.createNamespacedRole({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NAMESPACE }],
      },
    });
    const list = await eventually('the RoleBinding to take effect', async () => {
      const r = await tokenClients.core
        .listNamespacedConfigMap({ namespace: NAMESPACE })
        .catch(() => undefined);
      return r;
    });
    // kube-root-ca.crt is published into every namespace by the controller-manager.
    expect(list.items.map((c) => c.metadata?.name)).to.include('kube-root-ca.crt');
    expect(await statusOf(tokenClients.core.listNamespacedSecret({ namespace: NAMESPACE }))).to.equal(403);
  });

  it('keeps its data across a kube-apiserver restart on the same port', async function () {
    this.timeout(120_000);
    const before = plane.server;
    await plane.restartApiServer();
    expect(plane.server).to.equal(before);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).to.include(NAMESPACE);
    const sts = await apps.readNamespacedStatefulSet({ name: 'recorder', namespace: NAMESPACE });
    expect(sts.status?.observedGeneration).to.equal(1);
  });
});
