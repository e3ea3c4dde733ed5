/**
 * The managed session store (spec.sessionStore.managed): one Redis pod and its Service. With
 * storageSize Redis keeps an append-only file on a volume claim; without it, memory only.
 */
import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { REDIS_PORT } from '../api/constants.js';
import type {
  SiprecRecorder,
  SiprecRecorderSpecSessionStoreManaged,
} from '../api/generated/siprec-recorder.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames, childLabels, selectorLabels } from './metadata.js';

/** The two children of a managed session store. */
export interface ManagedRedis {
  statefulSet: V1StatefulSet;
  service: V1Service;
}

const REDIS_UID = 999;

function quantities(map: Record<string, number | string> | undefined): Record<string, string> | undefined {
  return map ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)])) : undefined;
}

function redisArgs(managed: SiprecRecorderSpecSessionStoreManaged): string[] {
  return managed.storageSize
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', '/data', '--protected-mode', 'no']
    : ['--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
}

/** Builds the managed Redis, or undefined when the spec does not ask for one. */
export function buildManagedRedis(recorder: SiprecRecorder): ManagedRedis | undefined {
  const managed = recorder.spec.sessionStore?.managed;
  if (!managed) return undefined;
  const name = childNames(recorder).redis;
  const selector = selectorLabels(recorder, 'session-store');
  const statefulSet = withSpecHash<V1StatefulSet>({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(recorder, name, 'session-store'),
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: childLabels(recorder, 'session-store') },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: REDIS_UID,
            runAsGroup: REDIS_UID,
            fsGroup: REDIS_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'redis',
              image: managed.image,
              args: redisArgs(managed),
              ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
              readinessProbe: {
                exec: { command: ['redis-cli', 'ping'] },
                periodSeconds: 5,
                timeoutSeconds: 2,
              },
              livenessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 10, timeoutSeconds: 2 },
              ...(managed.resources
                ? {
                    resources: {
                      limits: quantities(managed.resources.limits),
                      requests: quantities(managed.resources.requests),
                    },
                  }
                : {}),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          ...(managed.storageSize ? {} : { volumes: [{ name: 'data', emptyDir: {} }] }),
        },
      },
      ...(managed.storageSize
        ? {
            volumeClaimTemplates: [
              {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                metadata: { name: 'data', labels: selector },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: managed.storageSize } },
                },
              },
            ],
          }
        : {}),
    },
  });
  const service = withSpecHash<V1Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(recorder, name, 'session-store'),
    spec: {
      selector,
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis', protocol: 'TCP' }],
    },
  });
  return { statefulSet, service };
}
