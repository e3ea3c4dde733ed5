/**
 * The recorders' ConfigMap: `policies.json` (the compiled RecordingPolicies that apply, in evaluation
 * order, read through POLICY_FILE) and `recorder.json` (the configuration the environment carries, for
 * people and tools that inspect a running recorder).
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames } from './metadata.js';
import { buildRecorderEnv } from './recorder-env.js';

/** Version of the policies.json layout the recorder reads. */
export const POLICY_FILE_VERSION = 1;

/** Builds the ConfigMap from the recorder and its compiled policies (already in evaluation order). */
export function buildRecorderConfigMap(
  recorder: SiprecRecorder,
  policies: readonly CompiledPolicy[],
): V1ConfigMap {
  const env = Object.fromEntries(
    buildRecorderEnv(recorder).map((e) => [
      e.name,
      e.value ?? (e.valueFrom?.secretKeyRef ? '<from secret>' : '<from pod>'),
    ]),
  );
  return withSpecHash<V1ConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(recorder, childNames(recorder).configMap),
    data: {
      'policies.json': `${JSON.stringify({ version: POLICY_FILE_VERSION, policies }, null, 2)}\n`,
      'recorder.json': `${JSON.stringify({ env }, null, 2)}\n`,
    },
  });
}
