/**
 * The operator's identity from config/rbac: its ServiceAccount in siprec-system, bound to the
 * ClusterRole and the leader-election Role, and a kubeconfig holding that ServiceAccount's token, so
 * the tests run the operator with exactly the permissions a real installation grants.
 */
import { applyFile, controlPlane, createNamespace } from './cluster.js';

/** Namespace of the operator's ServiceAccount and Lease (as in config/rbac). */
export const OPERATOR_NAMESPACE = 'siprec-system';

let kubeconfig: Promise<string> | undefined;

/** Applies config/rbac once and returns a kubeconfig for system:serviceaccount:siprec-system:siprec-operator. */
export function operatorKubeconfig(): Promise<string> {
  kubeconfig ??= (async () => {
    await createNamespace(OPERATOR_NAMESPACE);
    for (const file of [
      'config/rbac/service_account.yaml',
      'config/rbac/role.yaml',
      'config/rbac/role_binding.yaml',
      'config/rbac/leader_election_role.yaml',
      'config/rbac/leader_election_role_binding.yaml',
    ]) {
      await applyFile(file);
    }
    return controlPlane().tokenKubeconfig(OPERATOR_NAMESPACE, 'siprec-operator');
  })();
  return kubeconfig;
}

/** Forgets the kubeconfig (a new control plane needs a new one). */
export function resetOperatorKubeconfig(): void {
  kubeconfig = undefined;
}
