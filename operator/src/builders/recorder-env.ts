/**
 * The recorder's environment (DESIGN.md §9 contract) rendered from a SiprecRecorder spec. The
 * recorder reads nothing else, so this function is the whole translation from API to process.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { RECORDER_HTTP_PORT, RECORDER_PATHS, REDIS_PORT } from '../api/constants.js';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { childNames } from './metadata.js';

const plain = (name: string, value: string | number): V1EnvVar => ({ name, value: String(value) });
const field = (name: string, fieldPath: string): V1EnvVar => ({
  name,
  valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } },
});

/** True when the spec turns SIP over TLS on. */
export function tlsEnabled(recorder: SiprecRecorder): boolean {
  return recorder.spec.sip.transports.includes('tls') && Boolean(recorder.spec.sip.tlsSecretName);
}

/** REDIS_URL: from the user's Secret, the URL they gave, or the managed Redis Service; none → in-memory. */
function redisUrl(recorder: SiprecRecorder): V1EnvVar | undefined {
  const store = recorder.spec.sessionStore;
  if (store?.external?.secretRef) {
    const { name, key } = store.external.secretRef;
    return { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name, key } } };
  }
  if (store?.external?.url) return plain('REDIS_URL', store.external.url);
  if (store?.managed) {
    const host = `${childNames(recorder).redis}.${recorder.metadata.namespace ?? ''}.svc`;
    return plain('REDIS_URL', `redis://${host}:${REDIS_PORT}`);
  }
  return undefined;
}

/** The env of the recorder container, in an order where $(VAR) references resolve. */
export function buildRecorderEnv(recorder: SiprecRecorder): V1EnvVar[] {
  const { sip, media, drain } = recorder.spec;
  const env: V1EnvVar[] = [
    field('POD_NAME', 'metadata.name'),
    field('POD_NAMESPACE', 'metadata.namespace'),
    field('POD_IP', 'status.podIP'),
    plain('RECORDER_ID', '$(POD_NAME)'),
    plain('SIP_HOST', '0.0.0.0'),
    plain('SIP_PORT', sip.port),
  ];
  if (tlsEnabled(recorder)) {
    env.push(
      plain('SIP_TLS_PORT', sip.tlsPort),
      plain('TLS_CERT_FILE', `${RECORDER_PATHS.tls}/tls.crt`),
      plain('TLS_KEY_FILE', `${RECORDER_PATHS.tls}/tls.key`),
    );
    if (sip.clientCASecretName) env.push(plain('TLS_CA_FILE', `${RECORDER_PATHS.clientCa}/ca.crt`));
  }
  env.push(
    plain('ADVERTISE_ADDRESS', media.advertisedAddress || '$(POD_IP)'),
    plain('RTP_PORT_MIN', media.rtpPortMin),
    plain('RTP_PORT_MAX', media.rtpPortMax),
    plain('SRTP_POLICY', media.srtpPolicy),
    plain('RECORDING_DIR', RECORDER_PATHS.recordings),
  );
  const redis = redisUrl(recorder);
  if (redis) env.push(redis);
  env.push(plain('HTTP_PORT', RECORDER_HTTP_PORT));
  if (recorder.spec.maxConcurrentCalls !== undefined)
    env.push(plain('MAX_CONCURRENT_CALLS', recorder.spec.maxConcurrentCalls));
  if (recorder.spec.sessionTimeout) env.push(plain('SESSION_TIMEOUT', recorder.spec.sessionTimeout));
  if (sip.allowedSources && sip.allowedSources.length > 0)
    env.push(plain('ALLOWED_SOURCES', sip.allowedSources.join(',')));
  env.push(
    plain('LOG_LEVEL', recorder.spec.logLevel),
    plain('POLICY_FILE', RECORDER_PATHS.policyFile),
    plain('DRAIN_TIMEOUT', drain.timeout),
    plain('DRAIN_LADDER', drain.ladder.join(',')),
  );
  return env;
}
