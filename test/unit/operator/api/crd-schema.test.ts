import { expect } from 'chai';
import { loadYaml } from '../support/fixtures.js';

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string }[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}
interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      subresources?: { status?: object; scale?: object };
      additionalPrinterColumns: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const RECORDERS = 'crds/siprec.io_siprecrecorders.yaml';
const POLICIES = 'crds/siprec.io_recordingpolicies.yaml';

/** Every field path of a schema, with the schema at that path. */
function walk(schema: Schema, at: string, out: [string, Schema][] = []): [string, Schema][] {
  out.push([at, schema]);
  for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `${at}.${k}`, out);
  if (schema.items) walk(schema.items, `${at}[]`, out);
  if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${at}{}`, out);
  return out;
}

function rules(schema: Schema): string[] {
  return walk(schema, '').flatMap(([, s]) =>
    (s['x-kubernetes-validations'] ?? []).map((r) => r.message ?? r.messageExpression ?? ''),
  );
}

describe('operator API: CRD schema facts', () => {
  for (const file of [RECORDERS, POLICIES]) {
    const crd = loadYaml<Crd>(file);
    const version = crd.spec.versions[0]!;

    it(`${file}: every field has a description, so kubectl explain teaches the API`, () => {
      const missing = walk(version.schema.openAPIV3Schema, crd.spec.names.kind)
        // metadata is the standard ObjectMeta, which the API server forbids describing in a CRD.
        .filter(([p, s]) => !s.description?.trim() && p !== `${crd.spec.names.kind}.metadata`)
        .map(([p]) => p);
      expect(missing).to.deep.equal([]);
    });

    it(`${file}: namespaced siprec.io/v1alpha1 with a status subresource and the siprec category`, () => {
      expect(crd.spec.group).to.equal('siprec.io');
      expect(crd.spec.scope).to.equal('Namespaced');
      expect(version.name).to.equal('v1alpha1');
      expect(version.subresources?.status).to.deep.equal({});
      expect(crd.spec.names.categories).to.include('siprec');
    });

    it(`${file}: every CEL rule has a message a user can act on`, () => {
      for (const [, s] of walk(version.schema.openAPIV3Schema, '')) {
        for (const r of s['x-kubernetes-validations'] ?? []) {
          const text = r.message ?? r.messageExpression ?? '';
          expect(text.length, r.rule).to.be.greaterThan(20);
        }
      }
    });
  }

  it('SiprecRecorder: short name srec, printer columns READY ACTIVE FAILOVERS RECOVERIES HANDOVERS AGE, scale subresource', () => {
    const crd = loadYaml<Crd>(RECORDERS);
    const v = crd.spec.versions[0]!;
    expect(crd.spec.names.shortNames).to.deep.equal(['srec']);
    const shown = v.additionalPrinterColumns
      .filter((c) => !('priority' in c))
      .map((c) => c.name.toUpperCase());
    expect(shown).to.deep.equal(['READY', 'ACTIVE', 'FAILOVERS', 'RECOVERIES', 'HANDOVERS', 'AGE']);
    expect(v.subresources?.scale).to.deep.equal({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
  });

  it('RecordingPolicy: short name rpol, printer columns ACTION PRIORITY MATCHED AGE', () => {
    const crd = loadYaml<Crd>(POLICIES);
    const v = crd.spec.versions[0]!;
    expect(crd.spec.names.shortNames).to.deep.equal(['rpol']);
    const shown = v.additionalPrinterColumns
      .filter((c) => !('priority' in c))
      .map((c) => c.name.toUpperCase());
    expect(shown).to.deep.equal(['ACTION', 'PRIORITY', 'MATCHED', 'AGE']);
  });

  it('SiprecRecorder: cross-field rules for ports, TLS, replicas, the session store and durations', () => {
    const messages = rules(loadYaml<Crd>(RECORDERS).spec.versions[0]!.schema.openAPIV3Schema).join('\n');
    for (const needle of [
      'media.rtpPortMin and media.rtpPortMax must lie within 1024-65535',
      'must be lower than media.rtpPortMax',
      'sip.tlsSecretName must name a kubernetes.io/tls Secret',
      'spec.replicas must be 0 or more',
      'sessionStore.external needs exactly one of url or secretRef',
      'sessionStore.external and sessionStore.managed are mutually exclusive',
      'drain.timeout must be a duration such as 90s, 5m or 1h30m',
      'spec.storage cannot change once created',
    ]) {
      expect(messages).to.contain(needle);
    }
  });

  it('status keeps the pod-reported fields the recorders fill later', () => {
    const status = loadYaml<Crd>(RECORDERS).spec.versions[0]!.schema.openAPIV3Schema.properties!.status!;
    expect(Object.keys(status.properties ?? {})).to.include.members([
      'observedGeneration',
      'conditions',
      'replicas',
      'readyReplicas',
      'updatedReplicas',
      'currentVersion',
      'targetVersion',
      'activeSessions',
      'totalSessions',
      'failovers',
      'recoveries',
      'handovers',
      'recorders',
    ]);
    expect(Object.keys(status.properties!.recorders!.items!.properties ?? {})).to.deep.equal([
      'name',
      'ready',
      'draining',
      'activeSessions',
      'version',
      'lastHeartbeat',
    ]);
  });
});
