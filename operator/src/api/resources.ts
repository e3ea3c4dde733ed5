/**
 * Every API resource the operator talks to, with the verbs it uses on each. The REST client builds
 * its paths from these descriptors, and config/rbac/role.yaml must grant exactly these verbs (a unit
 * test compares the two), so the operator's RBAC is listed from the code.
 */
import { API_GROUP, API_VERSION } from './constants.js';

/** An API resource: where it lives and what the operator does with it. */
export interface ResourceType {
  /** API group ('' for core). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural used in paths and RBAC rules. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** RBAC verbs the operator needs on the resource. */
  readonly verbs: readonly string[];
  /** Subresources the operator writes, with their verbs. */
  readonly subresources?: Readonly<Record<string, readonly string[]>>;
  /** Held only so that the recorders' Role may grant it (RBAC refuses to grant what one does not hold). */
  readonly grantedToRecorders?: boolean;
}

const WATCH = ['list', 'watch'] as const;
/** Server-side apply: `patch`, and `create` when the apply creates the object. */
const APPLY = ['create', 'patch'] as const;

export const SIPREC_RECORDERS: ResourceType = {
  group: API_GROUP,
  version: API_VERSION,
  kind: 'SiprecRecorder',
  plural: 'siprecrecorders',
  namespaced: true,
  verbs: [...WATCH],
  // Owner references with blockOwnerDeletion need update on finalizers when the
  // OwnerReferencesPermissionEnforcement admission plugin is on.
  subresources: { status: ['patch'], finalizers: ['update'] },
};

export const RECORDING_POLICIES: ResourceType = {
  group: API_GROUP,
  version: API_VERSION,
  kind: 'RecordingPolicy',
  plural: 'recordingpolicies',
  namespaced: true,
  verbs: [...WATCH],
  subresources: { status: ['patch'] },
};

export const STATEFULSETS: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  namespaced: true,
  verbs: [...WATCH, ...APPLY],
};

export const SERVICES: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
  verbs: [...WATCH, ...APPLY],
};

export const CONFIGMAPS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
  // get: granted to the recorders (they read their own ConfigMap).
  verbs: ['get', ...WATCH, ...APPLY],
};

export const SERVICEACCOUNTS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
  verbs: [...WATCH, ...APPLY],
};

export const PODDISRUPTIONBUDGETS: ResourceType = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
  verbs: [...WATCH, ...APPLY],
};

export const ROLES: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
  verbs: [...WATCH, ...APPLY],
};

export const ROLEBINDINGS: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
  verbs: [...WATCH, ...APPLY],
};

/** The recorders look their peers up; the operator never reads pods itself. */
export const PODS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
  verbs: ['get', 'list'],
  grantedToRecorders: true,
};

export const EVENTS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  verbs: ['create'],
};

/** Leader election (its own Role in the operator's namespace, config/rbac/leader_election_role.yaml). */
export const LEASES: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  verbs: ['get', 'create', 'update'],
};

/** Resources granted by the operator's ClusterRole (everything but the Lease). */
export const CLUSTER_ROLE_RESOURCES: readonly ResourceType[] = [
  SIPREC_RECORDERS,
  RECORDING_POLICIES,
  STATEFULSETS,
  SERVICES,
  CONFIGMAPS,
  SERVICEACCOUNTS,
  PODDISRUPTIONBUDGETS,
  ROLES,
  ROLEBINDINGS,
  PODS,
  EVENTS,
];

/** An RBAC PolicyRule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * The rules a ClusterRole (or Role) needs for the given resources: one rule per resource and one per
 * written subresource, verbs sorted.
 */
export function rbacRules(resources: readonly ResourceType[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const r of resources) {
    rules.push({ apiGroups: [r.group], resources: [r.plural], verbs: [...r.verbs].sort() });
    for (const [sub, verbs] of Object.entries(r.subresources ?? {})) {
      rules.push({ apiGroups: [r.group], resources: [`${r.plural}/${sub}`], verbs: [...verbs].sort() });
    }
  }
  return rules;
}
