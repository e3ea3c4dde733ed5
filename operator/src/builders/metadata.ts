/**
 * Names, labels and the owner reference of a SiprecRecorder's children (kubebuilder keeps these next
 * to the builders so every child is named the same way).
 */
import {
  GROUP_VERSION,
  KIND_RECORDER,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_PART_OF,
  MANAGED_BY,
} from '../api/constants.js';
import type { OwnerReference } from '../api/meta.js';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';

/** Names of every child of a SiprecRecorder. */
export function childNames(recorder: SiprecRecorder) {
  const name = recorder.metadata.name ?? '';
  return {
    statefulSet: name,
    headlessService: `${name}-pods`,
    sipService: `${name}-sip`,
    configMap: `${name}-config`,
    pdb: name,
    serviceAccount: `${name}-recorder`,
    role: `${name}-recorder`,
    roleBinding: `${name}-recorder`,
    redis: `${name}-redis`,
  } as const;
}

/** Component of a child (app.kubernetes.io/component). */
export type Component = 'recorder' | 'session-store';

/** Labels that select the pods of one component; fixed for the life of the StatefulSet. */
export function selectorLabels(
  recorder: SiprecRecorder,
  component: Component = 'recorder',
): Record<string, string> {
  return {
    [LABEL_NAME]: 'siprec-recorder',
    [LABEL_INSTANCE]: recorder.metadata.name ?? '',
    [LABEL_COMPONENT]: component,
  };
}

/** Labels of every child: the selector labels plus managed-by (the child informers select on it). */
export function childLabels(
  recorder: SiprecRecorder,
  component: Component = 'recorder',
): Record<string, string> {
  return {
    ...selectorLabels(recorder, component),
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_PART_OF]: 'siprec',
  };
}

/** The controller owner reference that makes the garbage collector delete children with their owner. */
export function ownerReference(recorder: SiprecRecorder): OwnerReference {
  return {
    apiVersion: GROUP_VERSION,
    kind: KIND_RECORDER,
    name: recorder.metadata.name ?? '',
    uid: recorder.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The metadata the operator sets on a child (assignable to client-node's V1ObjectMeta). */
export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
}

/** Metadata of a child named `name`. */
export function childMeta(
  recorder: SiprecRecorder,
  name: string,
  component: Component = 'recorder',
): ChildMeta {
  return {
    name,
    namespace: recorder.metadata.namespace ?? '',
    labels: childLabels(recorder, component),
    ownerReferences: [ownerReference(recorder)],
  };
}
