/**
 * Every child a SiprecRecorder should have, in the order they are applied (identity and config before
 * the pods that use them).
 */
import type { KubeObject } from '../api/meta.js';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import {
  CONFIGMAPS,
  PODDISRUPTIONBUDGETS,
  ROLEBINDINGS,
  ROLES,
  SERVICEACCOUNTS,
  SERVICES,
  STATEFULSETS,
  type ResourceType,
} from '../api/resources.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { buildRecorderConfigMap } from './configmap.js';
import { buildHeadlessService } from './headless-service.js';
import { buildPodDisruptionBudget } from './pdb.js';
import { buildRecorderRbac } from './rbac.js';
import { buildManagedRedis } from './redis.js';
import { buildSipService } from './sip-service.js';
import { buildRecorderStatefulSet, type RecorderBuildOptions } from './statefulset.js';

/** A child object with the resource it belongs to. */
export interface DesiredChild {
  resource: ResourceType;
  object: KubeObject & { metadata: { name: string; namespace: string } };
}

const child = (resource: ResourceType, object: unknown): DesiredChild => ({
  resource,
  object: object as DesiredChild['object'],
});

/** Builds the full desired child set of a SiprecRecorder. */
export function buildRecorderChildren(
  recorder: SiprecRecorder,
  policies: readonly CompiledPolicy[],
  options: RecorderBuildOptions,
): DesiredChild[] {
  const rbac = buildRecorderRbac(recorder);
  const redis = buildManagedRedis(recorder);
  return [
    child(SERVICEACCOUNTS, rbac.serviceAccount),
    child(ROLES, rbac.role),
    child(ROLEBINDINGS, rbac.roleBinding),
    child(CONFIGMAPS, buildRecorderConfigMap(recorder, policies)),
    ...(redis ? [child(SERVICES, redis.service), child(STATEFULSETS, redis.statefulSet)] : []),
    child(SERVICES, buildHeadlessService(recorder)),
    child(SERVICES, buildSipService(recorder)),
    child(PODDISRUPTIONBUDGETS, buildPodDisruptionBudget(recorder)),
    child(STATEFULSETS, buildRecorderStatefulSet(recorder, options)),
  ];
}
