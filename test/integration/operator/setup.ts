/**
 * Root hooks of the operator's integration tier: one real control plane (etcd, kube-apiserver,
 * kube-controller-manager; hack/control-plane.sh) for the whole run, with the CRDs installed.
 * Run with: npx mocha --timeout 120000 --file dist/test/integration/operator/setup.js 'dist/test/integration/operator/**\/*.test.js'
 */
import type { KubeObject } from '../../../operator/src/api/meta.js';
import { startControlPlane, type ControlPlane } from '../../support/control-plane.js';
import {
  CRDS,
  applyFile,
  eventually,
  getObject,
  releaseControlPlane,
  useControlPlane,
} from './support/cluster.js';

let plane: ControlPlane | undefined;

before(async function () {
  // The first run on a machine builds Kubernetes from its Go modules.
  this.timeout(60 * 60 * 1000);
  plane = await startControlPlane();
  await useControlPlane(plane);
  await applyFile('crds/siprec.io_siprecrecorders.yaml');
  await applyFile('crds/siprec.io_recordingpolicies.yaml');
  for (const name of ['siprecrecorders.siprec.io', 'recordingpolicies.siprec.io']) {
    await eventually(`CRD ${name} established`, async () => {
      const crd = await getObject<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(CRDS, '', name);
      return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
});

after(async function () {
  this.timeout(120_000);
  releaseControlPlane();
  await plane?.stop();
});
