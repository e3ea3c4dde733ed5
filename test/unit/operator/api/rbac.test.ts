import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  CLUSTER_ROLE_RESOURCES,
  LEASES,
  rbacRules,
  type PolicyRule,
} from '../../../../operator/src/api/resources.js';
import { buildRecorderRbac } from '../../../../operator/src/builders/rbac.js';
import type { SiprecRecorder } from '../../../../operator/src/api/generated/siprec-recorder.js';
import { loadFixture, loadYaml, repoRoot } from '../support/fixtures.js';

interface Role {
  rules: PolicyRule[];
}

const normalise = (rules: PolicyRule[]) =>
  rules.map((r) => ({
    apiGroups: [...r.apiGroups].sort(),
    resources: [...r.resources].sort(),
    verbs: [...r.verbs].sort(),
  }));

/** True when `rules` allow `verb` on `resource` of `group`. */
function allows(rules: PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
  );
}

describe('operator RBAC', () => {
  it('config/rbac/role.yaml grants exactly the verbs the code lists in api/resources.ts', () => {
    const role = loadYaml<Role>('config/rbac/role.yaml');
    expect(normalise(role.rules)).to.deep.equal(normalise(rbacRules(CLUSTER_ROLE_RESOURCES)));
  });

  it('the leader election Role grants exactly the Lease verbs', () => {
    const role = loadYaml<Role>('config/rbac/leader_election_role.yaml');
    expect(normalise(role.rules)).to.deep.equal(normalise(rbacRules([LEASES])));
  });

  it('the operator holds every permission it grants the recorders (RBAC escalation check)', () => {
    const operator = loadYaml<Role>('config/rbac/role.yaml').rules;
    const recorder = loadFixture<SiprecRecorder>('recorders/sample-defaulted.yaml');
    for (const rule of buildRecorderRbac(recorder).role.rules ?? []) {
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs)
            expect(allows(operator, group, resource, verb), `${resource} ${verb}`).to.equal(true);
    }
  });

  it('the Helm chart ships the same ClusterRole rules and the same CRDs', () => {
    expect(loadYaml<Role>('charts/siprec/files/clusterrole.yaml').rules).to.deep.equal(
      loadYaml<Role>('config/rbac/role.yaml').rules,
    );
    for (const crd of ['siprec.io_siprecrecorders.yaml', 'siprec.io_recordingpolicies.yaml']) {
      expect(readFileSync(path.join(repoRoot, 'charts/siprec/crds', crd), 'utf8')).to.equal(
        readFileSync(path.join(repoRoot, 'crds', crd), 'utf8'),
      );
    }
  });
});
