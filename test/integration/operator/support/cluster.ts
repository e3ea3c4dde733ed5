/**
 * The control plane shared by the operator's integration tests (started once by setup.ts) and an
 * admin API client with the helpers the tests use: apply YAML, wait for a condition, read objects.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../../operator/src/api/meta.js';
import {
  CONFIGMAPS,
  LEASES,
  PODDISRUPTIONBUDGETS,
  RECORDING_POLICIES,
  ROLEBINDINGS,
  ROLES,
  SERVICEACCOUNTS,
  SERVICES,
  SIPREC_RECORDERS,
  STATEFULSETS,
  type ResourceType,
} from '../../../../operator/src/api/resources.js';
import { KubeClient } from '../../../../operator/src/runtime/kube-client.js';
import type { ControlPlane } from '../../../support/control-plane.js';

/** The repository root (this file runs from dist/test/integration/operator/support/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

const meta = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
  verbs: [],
});

export const NAMESPACES = meta('', 'v1', 'Namespace', 'namespaces', false);
export const CRDS = meta(
  'apiextensions.k8s.io',
  'v1',
  'CustomResourceDefinition',
  'customresourcedefinitions',
  false,
);
export const CLUSTER_ROLES = meta('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false);
export const CLUSTER_ROLE_BINDINGS = meta(
  'rbac.authorization.k8s.io',
  'v1',
  'ClusterRoleBinding',
  'clusterrolebindings',
  false,
);
export const PODS = meta('', 'v1', 'Pod', 'pods', true);
export const EVENTS = meta('', 'v1', 'Event', 'events', true);

const BY_KIND = new Map<string, ResourceType>(
  [
    NAMESPACES,
    CRDS,
    CLUSTER_ROLES,
    CLUSTER_ROLE_BINDINGS,
    SIPREC_RECORDERS,
    RECORDING_POLICIES,
    STATEFULSETS,
    SERVICES,
    CONFIGMAPS,
    SERVICEACCOUNTS,
    PODDISRUPTIONBUDGETS,
    ROLES,
    ROLEBINDINGS,
    LEASES,
  ].map((r) => [r.kind, r]),
);

/** The resource type of a kind the tests handle. */
export function resourceOf(kind: string): ResourceType {
  const r = BY_KIND.get(kind);
  if (!r) throw new Error(`no resource type for kind ${kind}`);
  return r;
}

let plane: ControlPlane | undefined;
let admin: KubeClient | undefined;

/** Records the started control plane (setup.ts). */
export async function useControlPlane(cp: ControlPlane): Promise<void> {
  plane = cp;
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  admin = await KubeClient.create(kc);
}

/** Forgets it (setup.ts). */
export function releaseControlPlane(): void {
  admin?.close();
  admin = undefined;
  plane = undefined;
}

/** The running control plane. */
export function controlPlane(): ControlPlane {
  if (!plane)
    throw new Error(
      'the control plane is not started: run mocha with --file dist/test/integration/operator/setup.js',
    );
  return plane;
}

/** An admin client. */
export function adminClient(): KubeClient {
  if (!admin) throw new Error('the control plane is not started');
  return admin;
}

/** Parses the documents of a repository YAML file. */
export function loadDocuments(relative: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path.join(repoRoot, relative), 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

/** Server-side applies objects as the test (namespace given for namespaced objects without one). */
export async function applyObjects<T extends KubeObject>(
  objects: T[],
  namespace?: string,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const obj of objects) {
    const resource = resourceOf(obj.kind ?? '');
    const body =
      resource.namespaced && namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
    out.push(await adminClient().apply(resource, body, 'integration-test'));
  }
  return out;
}

/** Server-side applies a repository YAML file. */
export function applyFile(relative: string, namespace?: string): Promise<KubeObject[]> {
  return applyObjects(loadDocuments(relative), namespace);
}

/** Creates a namespace (idempotent). */
export async function createNamespace(name: string): Promise<void> {
  await adminClient().apply(
    NAMESPACES,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    'integration-test',
  );
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Reads an object as admin. */
export function getObject<T extends KubeObject>(
  resource: ResourceType,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  return adminClient().get<T>(resource, namespace, name);
}
