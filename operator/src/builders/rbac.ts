/**
 * The recorders' identity: a ServiceAccount, and a Role bound to it that lets a recorder read its own
 * ConfigMap, find its peer pods and emit Events. (The operator holds these permissions itself: RBAC
 * refuses to grant what the granter does not have.)
 */
import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames } from './metadata.js';

/** The three RBAC children of a SiprecRecorder. */
export interface RecorderRbac {
  serviceAccount: V1ServiceAccount;
  role: V1Role;
  roleBinding: V1RoleBinding;
}

/** Builds the ServiceAccount, Role and RoleBinding of a SiprecRecorder's pods. */
export function buildRecorderRbac(recorder: SiprecRecorder): RecorderRbac {
  const names = childNames(recorder);
  return {
    serviceAccount: withSpecHash<V1ServiceAccount>({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: childMeta(recorder, names.serviceAccount),
    }),
    role: withSpecHash<V1Role>({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: childMeta(recorder, names.role),
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [names.configMap],
          verbs: ['get', 'watch'],
        },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      ],
    }),
    roleBinding: withSpecHash<V1RoleBinding>({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: childMeta(recorder, names.roleBinding),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.role },
      subjects: [
        { kind: 'ServiceAccount', name: names.serviceAccount, namespace: recorder.metadata.namespace ?? '' },
      ],
    }),
  };
}
