/**
 * Operator benchmark (DESIGN.md §8): 500 SiprecRecorders created at once against a real control plane
 * (etcd + kube-apiserver + kube-controller-manager, hack/control-plane.sh); the operator runs as a
 * child process (`node dist/operator/src/main.js`). Prints one JSON object:
 * time until every child exists and every status is current, the operator's API requests (by verb),
 * its CPU and memory, and its writes per minute once converged (target: ≤ 30 s, 0 writes/min).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/operator-500.js [count]
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../operator/src/api/meta.js';
import {
  CONFIGMAPS,
  PODDISRUPTIONBUDGETS,
  ROLEBINDINGS,
  ROLES,
  SERVICEACCOUNTS,
  SERVICES,
  SIPREC_RECORDERS,
  STATEFULSETS,
  type ResourceType,
} from '../operator/src/api/resources.js';
import { KubeClient } from '../operator/src/runtime/kube-client.js';
import { startControlPlane } from '../test/support/control-plane.js';
import { OperatorProcess } from '../test/integration/operator/support/operator-process.js';

const COUNT = Number(process.argv[2] ?? 500);
const NS = 'bench';
const CRDS: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
  verbs: [],
};
const NAMESPACES: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
  verbs: [],
};
const SERVICE_CIDRS: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'ServiceCIDR',
  plural: 'servicecidrs',
  namespaced: false,
  verbs: [],
};
/** Children of a recorder without a managed Redis: SA, Role, RoleBinding, ConfigMap, 2 Services, PDB, StatefulSet. */
const CHILD_KINDS: [ResourceType, number][] = [
  [SERVICEACCOUNTS, 1],
  [ROLES, 1],
  [ROLEBINDINGS, 1],
  [CONFIGMAPS, 1],
  [SERVICES, 2],
  [PODDISRUPTIONBUDGETS, 1],
  [STATEFULSETS, 1],
];
const SELECTOR = 'app.kubernetes.io/managed-by=siprec-operator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Runs `fn` over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const plane = await startControlPlane({ progress: process.stderr });
  let operator: OperatorProcess | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    const admin = await KubeClient.create(kc, { maxSockets: 64 });
    for (const f of ['crds/siprec.io_siprecrecorders.yaml', 'crds/siprec.io_recordingpolicies.yaml']) {
      const { parse } = await import('yaml');
      await admin.apply(CRDS, parse(readFileSync(f, 'utf8')) as KubeObject, 'bench');
    }
    await admin.apply(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, 'bench');
    // Every recorder's SIP Service takes a ClusterIP; the test plane's service range is a /24, so add
    // a second range (ServiceCIDR API, GA since Kubernetes 1.33) for 500 of them.
    await admin.apply(
      SERVICE_CIDRS,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'ServiceCIDR',
        metadata: { name: 'bench' },
        spec: { cidrs: ['10.96.0.0/16'] },
      } as KubeObject,
      'bench',
    );
    for (;;) {
      const crd = await admin.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(CRDS, '', 'siprecrecorders.siprec.io');
      if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await sleep(200);
    }

    operator = await OperatorProcess.start({
      KUBECONFIG: plane.kubeconfigPath,
      WATCH_NAMESPACE: NS,
      LEADER_ELECTION: 'false',
      LOG_LEVEL: 'info',
      WORKERS: '16',
      RESYNC_PERIOD: '20s',
      RECORDER_IMAGE: 'registry.test/siprec-recorder:bench',
    });
    while ((await operator.readyz()) !== 200) await sleep(100);
    const requestsBefore = await operator.metric('siprec_operator_api_requests_total');
    const cpuBefore = await operator.metric('process_cpu_seconds_total');

    const started = Date.now();
    const names = Array.from({ length: COUNT }, (_, i) => `rec-${String(i).padStart(4, '0')}`);
    await pool(names, 50, (name) =>
      admin.create(SIPREC_RECORDERS, NS, {
        apiVersion: 'siprec.io/v1alpha1',
        kind: 'SiprecRecorder',
        metadata: { name },
        spec: { replicas: 1, sip: { transports: ['udp', 'tcp'] }, storage: { size: '1Gi' } },
      } as KubeObject),
    );
    const createdMs = Date.now() - started;

    // Converged: every child exists, and every status describes the current generation.
    let childrenMs = 0;
    let convergedMs = 0;
    while (Date.now() - started < 600_000) {
      if (!childrenMs) {
        let all = true;
        for (const [kind, per] of CHILD_KINDS) {
          const { items } = await admin.list(kind, { namespace: NS, labelSelector: SELECTOR });
          if (items.length < per * COUNT) all = false;
        }
        if (all) childrenMs = Date.now() - started;
      }
      if (childrenMs) {
        const { items } = await admin.list<
          KubeObject & { status?: { observedGeneration?: number; replicas?: number } }
        >(SIPREC_RECORDERS, { namespace: NS });
        const current = items.filter(
          (r) => r.status?.observedGeneration === r.metadata?.generation && r.status?.replicas === 1,
        ).length;
        if (current === COUNT) {
          convergedMs = Date.now() - started;
          break;
        }
      }
      await sleep(250);
    }

    const requests = (await operator.metric('siprec_operator_api_requests_total')) - requestsBefore;
    const byVerb: Record<string, number> = {};
    for (const verb of ['list', 'watch', 'get', 'apply', 'patch_status', 'create', 'update']) {
      byVerb[verb] = await operator.metric('siprec_operator_api_requests_total', { verb });
    }
    const cpuSeconds = (await operator.metric('process_cpu_seconds_total')) - cpuBefore;
    const rssAtConvergence = await operator.metric('process_resident_memory_bytes');

    // Steady state: after a quiet spell, count writes over a full minute (three resyncs of everything).
    let lastWrites = -1;
    for (;;) {
      const w = await operator.metric('siprec_operator_api_writes_total');
      if (w === lastWrites) break;
      lastWrites = w;
      await sleep(5000);
    }
    const writesBefore = await operator.metric('siprec_operator_api_writes_total');
    const reconcilesBefore = await operator.metric('siprec_operator_reconcile_total', {
      controller: 'siprecrecorder',
    });
    await sleep(60_000);
    const writesPerMinute = (await operator.metric('siprec_operator_api_writes_total')) - writesBefore;
    const reconcilesPerMinute =
      (await operator.metric('siprec_operator_reconcile_total', { controller: 'siprecrecorder' })) -
      reconcilesBefore;

    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'operator-500',
          recorders: COUNT,
          childrenPerRecorder: 8,
          createRequestsMs: createdMs,
          allChildrenExistMs: childrenMs,
          allStatusesCurrentMs: convergedMs,
          targetMs: 30_000,
          operatorApiRequests: requests,
          operatorApiRequestsByVerb: byVerb,
          operatorCpuSeconds: Number(cpuSeconds.toFixed(2)),
          operatorRssBytesAtConvergence: rssAtConvergence,
          operatorPeakRssBytes: peakRss(operator.pid),
          steadyStateWritesPerMinute: writesPerMinute,
          steadyStateReconcilesPerMinute: reconcilesPerMinute,
          leaderElection: false,
          machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
        },
        null,
        2,
      )}\n`,
    );
    admin.close();
  } finally {
    await operator?.kill();
    await plane.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`operator-500: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
