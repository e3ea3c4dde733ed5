/**
 * The SIP Service SRCs send their INVITEs to: one port per transport of spec.sip.transports, only
 * ready recorders behind it (a draining recorder leaves it, DESIGN.md §5).
 */
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames, selectorLabels } from './metadata.js';
import { tlsEnabled } from './recorder-env.js';

/** Builds the SIP Service of a SiprecRecorder. */
export function buildSipService(recorder: SiprecRecorder): V1Service {
  const { sip } = recorder.spec;
  const ports: V1ServicePort[] = [];
  if (sip.transports.includes('udp'))
    ports.push({ name: 'sip-udp', port: sip.port, targetPort: 'sip-udp', protocol: 'UDP' });
  if (sip.transports.includes('tcp'))
    ports.push({ name: 'sip-tcp', port: sip.port, targetPort: 'sip-tcp', protocol: 'TCP' });
  if (tlsEnabled(recorder))
    ports.push({ name: 'sip-tls', port: sip.tlsPort, targetPort: 'sip-tls', protocol: 'TCP' });
  return withSpecHash<V1Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(recorder, childNames(recorder).sipService),
    spec: {
      type: sip.serviceType,
      selector: selectorLabels(recorder),
      ports,
      // SIP over UDP has no connection: keep an SRC on one recorder so its requests meet their dialog.
      sessionAffinity: 'ClientIP',
      ...(sip.serviceType === 'ClusterIP' ? {} : { externalTrafficPolicy: 'Local' }),
    },
  });
}
