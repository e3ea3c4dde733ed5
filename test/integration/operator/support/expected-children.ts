/**
 * What the children of a live SiprecRecorder must contain, computed with the same pure builders the
 * operator uses from the objects as the API server holds them.
 */
import type { RecordingPolicy } from '../../../../operator/src/api/generated/recording-policy.js';
import type { SiprecRecorder } from '../../../../operator/src/api/generated/siprec-recorder.js';
import type { KubeObject } from '../../../../operator/src/api/meta.js';
import { RECORDING_POLICIES, SIPREC_RECORDERS } from '../../../../operator/src/api/resources.js';
import { buildRecorderChildren, type DesiredChild } from '../../../../operator/src/builders/children.js';
import { containsDesired } from '../../../../operator/src/controllers/child-sync.js';
import { compilePolicy } from '../../../../operator/src/policy/compile.js';
import { selectPolicies } from '../../../../operator/src/policy/select.js';
import { adminClient, getObject } from './cluster.js';

/** Desired children of the named recorder, from the live recorder and policies. */
export async function expectedChildren(
  namespace: string,
  name: string,
  recorderImage: string,
): Promise<DesiredChild[]> {
  const recorder = await getObject<SiprecRecorder>(SIPREC_RECORDERS, namespace, name);
  if (!recorder) throw new Error(`SiprecRecorder ${namespace}/${name} does not exist`);
  const { items } = await adminClient().list<RecordingPolicy>(RECORDING_POLICIES, { namespace });
  const compiled = selectPolicies(recorder, items).policies.flatMap((p) => {
    const r = compilePolicy(p);
    return r.valid ? [r.policy] : [];
  });
  return buildRecorderChildren(recorder, compiled, { defaultImage: recorderImage });
}

/** Resolves with the live children when every expected child exists and contains what it should. */
export async function childrenMatch(
  namespace: string,
  name: string,
  recorderImage: string,
): Promise<Map<string, KubeObject> | undefined> {
  const live = new Map<string, KubeObject>();
  for (const child of await expectedChildren(namespace, name, recorderImage)) {
    const obj = await getObject(child.resource, namespace, child.object.metadata.name);
    if (!obj || !containsDesired(child.object, obj)) return undefined;
    live.set(`${child.resource.kind}/${child.object.metadata.name}`, obj);
  }
  return live;
}
