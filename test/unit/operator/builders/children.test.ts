import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { stringify } from 'yaml';
import type { V1ConfigMap, V1EnvVar, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { RecordingPolicy } from '../../../../operator/src/api/generated/recording-policy.js';
import type { SiprecRecorder } from '../../../../operator/src/api/generated/siprec-recorder.js';
import { ANNOTATION_SPEC_HASH } from '../../../../operator/src/api/constants.js';
import { buildRecorderChildren, type DesiredChild } from '../../../../operator/src/builders/children.js';
import { stableHash } from '../../../../operator/src/builders/hash.js';
import { compilePolicy, type CompiledPolicy } from '../../../../operator/src/policy/compile.js';
import { selectPolicies } from '../../../../operator/src/policy/select.js';
import { fixturePath, loadFixture, loadYamlDocuments } from '../support/fixtures.js';

const OPTIONS = { defaultImage: 'ghcr.io/siprec-k8s/siprec-recorder:0.1.0' };
const POLICIES = ['sales-defaulted', 'skip-internal-defaulted', 'other-tenant-defaulted'].map((n) =>
  loadFixture<RecordingPolicy>(`policies/${n}.yaml`),
);

function compiledFor(recorder: SiprecRecorder): CompiledPolicy[] {
  return selectPolicies(recorder, POLICIES).policies.flatMap((p) => {
    const r = compilePolicy(p);
    return r.valid ? [r.policy] : [];
  });
}

function build(fixture: string): DesiredChild[] {
  const recorder = loadFixture<SiprecRecorder>(`recorders/${fixture}.yaml`);
  return buildRecorderChildren(recorder, compiledFor(recorder), OPTIONS);
}

function find<T>(children: DesiredChild[], kind: string, name: string): T {
  const c = children.find((x) => x.resource.kind === kind && x.object.metadata.name === name);
  expect(c, `${kind} ${name}`).to.not.equal(undefined);
  return c!.object as T;
}

function envOf(sts: V1StatefulSet): Map<string, V1EnvVar> {
  return new Map((sts.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e]));
}

describe('operator builders: SiprecRecorder children', () => {
  // Golden objects: the complete desired state for three real-world shapes. Regenerate after an
  // intended change with UPDATE_GOLDEN=1 and review the diff.
  for (const fixture of ['sample-defaulted', 'tls-hostnetwork-external-secret', 'minimal-defaulted']) {
    it(`renders exactly the golden children of ${fixture}`, () => {
      const rendered = build(fixture).map((c) => c.object);
      const golden = `golden/${fixture}.yaml`;
      if (process.env.UPDATE_GOLDEN === '1') {
        writeFileSync(fixturePath(golden), rendered.map((o) => stringify(o)).join('---\n'));
      }
      const expected = loadYamlDocuments<unknown>(`test/fixtures/operator/${golden}`);
      expect(JSON.parse(JSON.stringify(rendered))).to.deep.equal(expected);
    });
  }

  it('renders the recorder environment contract (DESIGN.md §9) from the sample', () => {
    const env = envOf(find<V1StatefulSet>(build('sample-defaulted'), 'StatefulSet', 'recorder'));
    const value = (n: string) => env.get(n)?.value;
    expect(value('SIP_PORT')).to.equal('5060');
    expect(value('RTP_PORT_MIN')).to.equal('20000');
    expect(value('RTP_PORT_MAX')).to.equal('29999');
    expect(value('SRTP_POLICY')).to.equal('optional');
    expect(value('RECORDING_DIR')).to.equal('/var/lib/siprec/recordings');
    expect(value('REDIS_URL')).to.equal('redis://recorder-redis.calls.svc:6379');
    expect(value('RECORDER_ID')).to.equal('$(POD_NAME)');
    expect(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.name');
    expect(value('ADVERTISE_ADDRESS')).to.equal('$(POD_IP)');
    expect(value('HTTP_PORT')).to.equal('8080');
    expect(value('MAX_CONCURRENT_CALLS')).to.equal('800');
    expect(value('SESSION_TIMEOUT')).to.equal('2m');
    expect(value('ALLOWED_SOURCES')).to.equal('10.0.0.0/8,192.168.0.0/16');
    expect(value('LOG_LEVEL')).to.equal('info');
    expect(value('POLICY_FILE')).to.equal('/etc/siprec/config/policies.json');
    // TLS is off: no TLS variables at all, so the recorder does not try to load certificates.
    for (const n of ['SIP_TLS_PORT', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CA_FILE'])
      expect(env.has(n), n).to.equal(false);
    // $(VAR) references resolve only to variables defined earlier.
    const names = [...env.keys()];
    expect(names.indexOf('POD_NAME')).to.be.lessThan(names.indexOf('RECORDER_ID'));
    expect(names.indexOf('POD_IP')).to.be.lessThan(names.indexOf('ADVERTISE_ADDRESS'));
  });

  it('turns TLS, client certificates, hostNetwork and a Redis Secret into mounts, env and scheduling', () => {
    const children = build('tls-hostnetwork-external-secret');
    const sts = find<V1StatefulSet>(children, 'StatefulSet', 'edge');
    const pod = sts.spec!.template.spec!;
    const env = envOf(sts);
    expect(env.get('SIP_TLS_PORT')?.value).to.equal('5081');
    expect(env.get('TLS_CERT_FILE')?.value).to.equal('/etc/siprec/tls/tls.crt');
    expect(env.get('TLS_KEY_FILE')?.value).to.equal('/etc/siprec/tls/tls.key');
    expect(env.get('TLS_CA_FILE')?.value).to.equal('/etc/siprec/client-ca/ca.crt');
    expect(env.get('ADVERTISE_ADDRESS')?.value).to.equal('203.0.113.10');
    expect(env.get('REDIS_URL')?.valueFrom?.secretKeyRef).to.deep.equal({
      name: 'redis-credentials',
      key: 'url',
    });
    expect(env.get('REDIS_URL')?.value).to.equal(undefined);
    expect(pod.volumes?.find((v) => v.name === 'tls')?.secret?.secretName).to.equal('edge-sip-tls');
    expect(pod.volumes?.find((v) => v.name === 'client-ca')?.secret?.secretName).to.equal('sbc-ca');
    expect(pod.hostNetwork).to.equal(true);
    expect(pod.dnsPolicy).to.equal('ClusterFirstWithHostNet');
    expect(
      pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.topologyKey,
    ).to.equal('kubernetes.io/hostname');
    expect(pod.nodeSelector).to.deep.equal({ 'node-role.example.com/edge': 'true' });
    expect(pod.containers[0]?.image).to.equal('registry.example.com/siprec/siprec-recorder:1.4.2');
    // 1h30m drain plus 30 s to finalise.
    expect(pod.terminationGracePeriodSeconds).to.equal(5430);
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName).to.equal('fast-ssd');
    // Only TLS is offered to SRCs, on the TLS port, through a LoadBalancer.
    const sip = find<V1Service>(children, 'Service', 'edge-sip');
    expect(sip.spec?.type).to.equal('LoadBalancer');
    expect(sip.spec?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`)).to.deep.equal([
      'sip-tls/TCP/5081',
    ]);
    // No managed Redis when an external one is given.
    expect(children.some((c) => c.object.metadata.name === 'edge-redis')).to.equal(false);
  });

  it('locks every recorder pod down: non-root, read-only root filesystem, no privilege escalation, probes', () => {
    for (const fixture of ['sample-defaulted', 'tls-hostnetwork-external-secret', 'minimal-defaulted']) {
      const sts = build(fixture).find(
        (c) => c.resource.kind === 'StatefulSet' && !c.object.metadata.name.endsWith('-redis'),
      )!.object as V1StatefulSet;
      const pod = sts.spec!.template.spec!;
      const c = pod.containers[0]!;
      expect(pod.securityContext?.runAsNonRoot).to.equal(true);
      expect(c.securityContext).to.deep.include({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
      });
      expect(c.securityContext?.capabilities?.drop).to.deep.equal(['ALL']);
      expect(c.readinessProbe?.httpGet?.path).to.equal('/readyz');
      expect(c.livenessProbe?.httpGet?.path).to.equal('/healthz');
      // The read-only root still needs a writable /tmp and the recordings volume.
      expect(c.volumeMounts?.map((m) => m.mountPath)).to.include.members([
        '/tmp',
        '/var/lib/siprec/recordings',
      ]);
      expect(sts.spec?.persistentVolumeClaimRetentionPolicy).to.deep.equal({
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      });
      if (fixture !== 'tls-hostnetwork-external-secret') expect(pod.hostNetwork).to.equal(undefined);
    }
  });

  it('owns every child with a controller reference, labels it, and stamps the hash of its content', () => {
    const recorder = loadFixture<SiprecRecorder>('recorders/sample-defaulted.yaml');
    const children = build('sample-defaulted');
    expect(children.map((c) => `${c.resource.kind}/${c.object.metadata.name}`)).to.deep.equal([
      'ServiceAccount/recorder-recorder',
      'Role/recorder-recorder',
      'RoleBinding/recorder-recorder',
      'ConfigMap/recorder-config',
      'Service/recorder-redis',
      'StatefulSet/recorder-redis',
      'Service/recorder-pods',
      'Service/recorder-sip',
      'PodDisruptionBudget/recorder',
      'StatefulSet/recorder',
    ]);
    for (const { object } of children) {
      expect(object.metadata.namespace).to.equal('calls');
      expect(object.metadata.ownerReferences).to.deep.equal([
        {
          apiVersion: 'siprec.io/v1alpha1',
          kind: 'SiprecRecorder',
          name: 'recorder',
          uid: recorder.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(object.metadata.labels?.['app.kubernetes.io/managed-by']).to.equal('siprec-operator');
      const { [ANNOTATION_SPEC_HASH]: hash, ...rest } = object.metadata.annotations ?? {};
      const { annotations: _a, ...metadata } = object.metadata;
      const withoutHash = {
        ...object,
        metadata: Object.keys(rest).length ? { ...metadata, annotations: rest } : metadata,
      };
      expect(hash).to.equal(stableHash(withoutHash));
    }
  });

  it('changes the hash of exactly the children a spec change affects', () => {
    const recorder = loadFixture<SiprecRecorder>('recorders/sample-defaulted.yaml');
    const hashes = (r: SiprecRecorder) =>
      new Map(
        buildRecorderChildren(r, compiledFor(r), OPTIONS).map((c) => [
          `${c.resource.kind}/${c.object.metadata.name}`,
          c.object.metadata.annotations?.[ANNOTATION_SPEC_HASH],
        ]),
      );
    const before = hashes(recorder);
    expect(hashes(structuredClone(recorder))).to.deep.equal(before);
    const scaled = structuredClone(recorder);
    scaled.spec.replicas = 5;
    const after = hashes(scaled);
    const changed = [...before.keys()].filter((k) => before.get(k) !== after.get(k));
    expect(changed).to.deep.equal(['StatefulSet/recorder']);
  });

  it('writes the compiled policies that apply, highest priority first, into the ConfigMap', () => {
    const cm = find<V1ConfigMap>(build('sample-defaulted'), 'ConfigMap', 'recorder-config');
    const file = JSON.parse(cm.data?.['policies.json'] ?? '') as {
      version: number;
      policies: CompiledPolicy[];
    };
    expect(file.version).to.equal(1);
    // The support tenant's policy is not selected by the recorder's label selector.
    expect(file.policies.map((p) => p.name)).to.deep.equal(['skip-internal', 'sales']);
    const sales = file.policies[1]!;
    const aor = new RegExp(
      sales.match.participants[0]!.regex.source,
      sales.match.participants[0]!.regex.flags,
    );
    expect(aor.test('sip:+15551234567@pbx.example.com')).to.equal(true);
    expect(aor.test('SIP:+15551234567@PBX.example.com')).to.equal(true);
    expect(aor.test('sip:+15561234567@pbx.example.com')).to.equal(false);
    expect(sales.pause.triggers[0]).to.deep.equal({
      type: 'dtmf',
      pauseOn: '*1',
      resumeOn: '*2',
      maxPauseMs: 180_000,
    });
  });
});
