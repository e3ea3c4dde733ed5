/**
 * The recorder StatefulSet: stable pod names (the RECORDER_ID peers and the session store know), one
 * recordings volume claim per pod, probes on the recorder's /healthz and /readyz, and a locked-down
 * security context (non-root, read-only root filesystem, no privilege escalation, no capabilities).
 */
import type {
  V1Affinity,
  V1Container,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { RECORDER_HTTP_PORT, RECORDER_PATHS } from '../api/constants.js';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { parseDuration } from './duration.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames, childLabels, selectorLabels } from './metadata.js';
import { buildRecorderEnv, tlsEnabled } from './recorder-env.js';

/** Settings of the operator that shape the StatefulSet but are not in the spec. */
export interface RecorderBuildOptions {
  /** Image used when spec.image is empty (the operator's RECORDER_IMAGE). */
  defaultImage: string;
}

/** UID/GID of the recorder process (the image's non-root user). */
const RECORDER_UID = 65532;

/** Quantities as strings (the API server stores them so; numbers would be re-rendered). */
function quantities(map: Record<string, number | string> | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
}

/** The recorder image the spec asks for. */
export function recorderImage(recorder: SiprecRecorder, options: RecorderBuildOptions): string {
  return recorder.spec.image || options.defaultImage;
}

function recorderContainer(recorder: SiprecRecorder, options: RecorderBuildOptions): V1Container {
  const { sip } = recorder.spec;
  const tls = tlsEnabled(recorder);
  const mounts: V1VolumeMount[] = [
    { name: 'recordings', mountPath: RECORDER_PATHS.recordings },
    { name: 'config', mountPath: RECORDER_PATHS.config, readOnly: true },
    { name: 'tmp', mountPath: RECORDER_PATHS.tmp },
  ];
  if (tls) mounts.push({ name: 'tls', mountPath: RECORDER_PATHS.tls, readOnly: true });
  if (tls && sip.clientCASecretName)
    mounts.push({ name: 'client-ca', mountPath: RECORDER_PATHS.clientCa, readOnly: true });
  const resources = recorder.spec.resources;
  return {
    name: 'recorder',
    image: recorderImage(recorder, options),
    imagePullPolicy: recorder.spec.imagePullPolicy,
    ports: [
      { name: 'sip-udp', containerPort: sip.port, protocol: 'UDP' },
      { name: 'sip-tcp', containerPort: sip.port, protocol: 'TCP' },
      ...(tls ? [{ name: 'sip-tls', containerPort: sip.tlsPort, protocol: 'TCP' }] : []),
      { name: 'http', containerPort: RECORDER_HTTP_PORT, protocol: 'TCP' },
    ],
    env: buildRecorderEnv(recorder),
    // /readyz answers 503 while draining (DESIGN.md §5), which takes the pod out of the SIP Service.
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
      successThreshold: 1,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    },
    ...(resources
      ? { resources: { limits: quantities(resources.limits), requests: quantities(resources.requests) } }
      : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
  };
}

function volumes(recorder: SiprecRecorder): V1Volume[] {
  const names = childNames(recorder);
  const list: V1Volume[] = [
    { name: 'config', configMap: { name: names.configMap } },
    { name: 'tmp', emptyDir: {} },
  ];
  if (tlsEnabled(recorder)) {
    list.push({ name: 'tls', secret: { secretName: recorder.spec.sip.tlsSecretName ?? '' } });
    if (recorder.spec.sip.clientCASecretName) {
      list.push({ name: 'client-ca', secret: { secretName: recorder.spec.sip.clientCASecretName } });
    }
  }
  return list;
}

/**
 * With hostNetwork two recorders on one node would fight over the SIP and RTP ports, so unless the
 * user chose an affinity the pods are spread one per node.
 */
function affinity(recorder: SiprecRecorder): V1Affinity | undefined {
  const given = recorder.spec.scheduling?.affinity;
  if (given) return given;
  if (recorder.spec.media.networkMode !== 'hostNetwork') return undefined;
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: selectorLabels(recorder) }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  };
}

/** Builds the recorder StatefulSet of a SiprecRecorder (spec hash annotation included). */
export function buildRecorderStatefulSet(
  recorder: SiprecRecorder,
  options: RecorderBuildOptions,
): V1StatefulSet {
  const names = childNames(recorder);
  const hostNetwork = recorder.spec.media.networkMode === 'hostNetwork';
  const scheduling = recorder.spec.scheduling;
  const drainMs = parseDuration(recorder.spec.drain.timeout) ?? 300_000;
  const podAffinity = affinity(recorder);
  return withSpecHash<V1StatefulSet>({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(recorder, names.statefulSet),
    spec: {
      replicas: recorder.spec.replicas,
      serviceName: names.headlessService,
      selector: { matchLabels: selectorLabels(recorder) },
      // Pods carry no ordinal-dependent state at start; rolling upgrades with drain and handover are
      // orchestrated by the operator in a later step (DESIGN.md §6), until then the StatefulSet rolls.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      // Recordings are never deleted with the pods (DESIGN.md §1: no recording is ever lost).
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: { labels: childLabels(recorder) },
        spec: {
          serviceAccountName: names.serviceAccount,
          ...(hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          // A drain may take spec.drain.timeout; the kubelet must not kill the pod before it ends.
          terminationGracePeriodSeconds: Math.ceil(drainMs / 1000) + 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RECORDER_UID,
            runAsGroup: RECORDER_UID,
            fsGroup: RECORDER_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [recorderContainer(recorder, options)],
          volumes: volumes(recorder),
          ...(scheduling?.nodeSelector ? { nodeSelector: scheduling.nodeSelector } : {}),
          ...(scheduling?.tolerations ? { tolerations: scheduling.tolerations } : {}),
          ...(podAffinity ? { affinity: podAffinity } : {}),
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'recordings', labels: selectorLabels(recorder) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: recorder.spec.storage.size } },
            ...(recorder.spec.storage.storageClassName
              ? { storageClassName: recorder.spec.storage.storageClassName }
              : {}),
          },
        },
      ],
    },
  });
}
