/**
 * The PodDisruptionBudget: voluntary evictions (node drains) take one recorder at a time, so the
 * others can take its calls. (A PDB does not limit the operator's own deletes, DESIGN.md §6.)
 */
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { withSpecHash } from './hash.js';
import { childMeta, childNames, selectorLabels } from './metadata.js';

/** Builds the PodDisruptionBudget of a SiprecRecorder. */
export function buildPodDisruptionBudget(recorder: SiprecRecorder): V1PodDisruptionBudget {
  return withSpecHash<V1PodDisruptionBudget>({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(recorder, childNames(recorder).pdb),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(recorder) },
      // A recorder that is not ready records nothing; evicting it costs no call.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
