/**
 * The API server itself refuses invalid SiprecRecorders and RecordingPolicies with the CEL messages
 * of the CRDs (no operator involved), and accepts the samples as they are.
 */
import { expect } from 'chai';
import type { KubeObject } from '../../../operator/src/api/meta.js';
import { RECORDING_POLICIES, SIPREC_RECORDERS } from '../../../operator/src/api/resources.js';
import { KubeApiError } from '../../../operator/src/runtime/kube-client.js';
import { adminClient, applyFile, createNamespace, loadDocuments } from './support/cluster.js';

const NS = 'crd-validation';

async function refusal(resource: typeof SIPREC_RECORDERS, object: KubeObject): Promise<string> {
  try {
    await adminClient().create(resource, NS, object);
  } catch (err) {
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as KubeApiError).status).to.equal(422);
    return (err as KubeApiError).message;
  }
  throw new Error(`the API server accepted ${JSON.stringify(object)}`);
}

const recorder = (name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'siprec.io/v1alpha1', kind: 'SiprecRecorder', metadata: { name }, spec }) as KubeObject;
const policy = (name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'siprec.io/v1alpha1', kind: 'RecordingPolicy', metadata: { name }, spec }) as KubeObject;

describe('operator integration: the API server validates the CRDs', () => {
  before(async () => {
    await createNamespace(NS);
  });

  it('accepts every sample of config/samples as it is', async () => {
    for (const file of [
      'config/samples/siprec_v1alpha1_recordingpolicy.yaml',
      'config/samples/siprec_v1alpha1_recordingpolicy_skip_internal.yaml',
      'config/samples/siprec_v1alpha1_siprecrecorder.yaml',
    ]) {
      const [applied] = await applyFile(file, NS);
      expect(applied?.metadata?.uid, file).to.be.a('string');
    }
    expect(loadDocuments('config/samples/siprec_v1alpha1_siprecrecorder.yaml')).to.have.length(1);
  });

  const recorderCases: [string, Record<string, unknown>, string][] = [
    [
      'ports-reversed',
      { media: { rtpPortMin: 30000, rtpPortMax: 20000 } },
      'media.rtpPortMin must be lower than media.rtpPortMax',
    ],
    [
      'ports-privileged',
      { media: { rtpPortMin: 80, rtpPortMax: 20000 } },
      'media.rtpPortMin and media.rtpPortMax must lie within 1024-65535',
    ],
    [
      'tls-without-secret',
      { sip: { transports: ['udp', 'tls'] } },
      'sip.transports includes tls, so sip.tlsSecretName must name',
    ],
    [
      'client-ca-without-tls',
      { sip: { clientCASecretName: 'ca' } },
      'sip.clientCASecretName (client certificate check) needs tls',
    ],
    ['negative-replicas', { replicas: -1 }, 'spec.replicas must be 0 or more'],
    [
      'redis-nothing',
      { sessionStore: { external: {} } },
      'sessionStore.external needs exactly one of url or secretRef',
    ],
    [
      'redis-both',
      { sessionStore: { external: { url: 'redis://r:6379', secretRef: { name: 's' } } } },
      'sessionStore.external needs exactly one of url or secretRef',
    ],
    [
      'redis-scheme',
      { sessionStore: { external: { url: 'http://r:6379' } } },
      'sessionStore.external.url must start with redis://',
    ],
    [
      'redis-managed-and-external',
      { sessionStore: { managed: {}, external: { url: 'redis://r:6379' } } },
      'sessionStore.external and sessionStore.managed are mutually exclusive',
    ],
    [
      'drain-timeout',
      { drain: { timeout: 'five minutes' } },
      'drain.timeout must be a duration such as 90s, 5m or 1h30m',
    ],
    [
      'drain-ladder',
      { drain: { ladder: ['bye', 'wait'] } },
      'drain.ladder must end with bye when it contains bye',
    ],
    [
      'bad-cidr',
      { sip: { allowedSources: ['10.0.0.0/40'] } },
      'sip.allowedSources entry 10.0.0.0/40 is not a CIDR',
    ],
    ['bad-size', { storage: { size: 'lots' } }, 'storage.size must be a quantity such as 10Gi'],
  ];
  for (const [name, spec, message] of recorderCases) {
    it(`refuses a SiprecRecorder (${name}) saying "${message}"`, async () => {
      expect(await refusal(SIPREC_RECORDERS, recorder(name, spec))).to.contain(message);
    });
  }

  it('refuses to change the recordings storage of an existing SiprecRecorder', async () => {
    const client = adminClient();
    await client.create(SIPREC_RECORDERS, NS, recorder('fixed-storage', { storage: { size: '10Gi' } }));
    let message = '';
    try {
      await client.apply(
        SIPREC_RECORDERS,
        {
          ...recorder('fixed-storage', { storage: { size: '20Gi' } }),
          metadata: { name: 'fixed-storage', namespace: NS },
        },
        'integration-test',
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.contain('spec.storage cannot change once created');
  });

  const policyCases: [string, Record<string, unknown>, string][] = [
    [
      'header-name',
      { match: { headers: [{ name: 'X Tenant', pattern: 'a' }] } },
      'match.headers name must be a SIP header name',
    ],
    [
      'glob-space',
      { match: { participants: [{ pattern: 'sip:a b' }] } },
      'participant glob patterns cannot contain spaces',
    ],
    [
      'dtmf',
      { pause: { triggers: [{ type: 'dtmf', pauseOn: 'pause' }] } },
      "a dtmf pause trigger's pauseOn must be a DTMF sequence",
    ],
    [
      'header-trigger',
      { pause: { triggers: [{ type: 'header', pauseOn: 'on' }] } },
      'a pause trigger of type header needs header',
    ],
    [
      'source-cidr',
      { match: { sourceCIDRs: ['192.0.2.1'] } },
      'match.sourceCIDRs entry 192.0.2.1 is not a CIDR',
    ],
  ];
  for (const [name, spec, message] of policyCases) {
    it(`refuses a RecordingPolicy (${name}) saying "${message}"`, async () => {
      expect(await refusal(RECORDING_POLICIES, policy(name, spec))).to.contain(message);
    });
  }
});
