/**
 * The headless Service that gives every recorder pod a stable DNS name (`<pod>.<name>-pods`), so peers
 * can reach each other for handover and failover. Not-ready pods are published too: a draining pod
 * (readiness 503) must still be reachable by the peer taking its calls.
 */
import type { V1Service } from '@kubernetes/client-node';
import { RECORDER_HTTP_PORT } from '../api/constants.js';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames, selectorLabels } from './metadata.js';

/** Builds the headless Service of a SiprecRecorder. */
export function buildHeadlessService(recorder: SiprecRecorder): V1Service {
  const { sip } = recorder.spec;
  return withSpecHash<V1Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(recorder, childNames(recorder).headlessService),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(recorder),
      ports: [
        { name: 'sip-udp', port: sip.port, targetPort: 'sip-udp', protocol: 'UDP' },
        { name: 'sip-tcp', port: sip.port, targetPort: 'sip-tcp', protocol: 'TCP' },
        { name: 'http', port: RECORDER_HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  });
}
