/**
 * Converges one child object on its desired state with as few writes as possible.
 *
 * A child is written (server-side apply) only when it is missing, when its spec-hash annotation
 * differs from the desired one, or when someone changed a field the operator sets (drift: the live
 * object no longer contains the desired one). What the operator last wrote is remembered by
 * resourceVersion, so a field the API server normalises differently, or one another manager also
 * sets, costs one apply and never a hot loop; and an informer cache that has not yet seen the
 * operator's own write is waited for rather than written again.
 */
import type { KubeObject } from '../api/meta.js';
import type { ResourceType } from '../api/resources.js';
import type { DesiredChild } from '../builders/children.js';
import { specHashOf } from '../builders/hash.js';
import type { Clock } from '../runtime/clock.js';
import type { KubeClient } from '../runtime/kube-client.js';

/** What happened to one child. */
export type ChildAction = 'unchanged' | 'waiting' | 'created' | 'updated' | 'repaired';

/** Outcome of syncing one child. */
export interface ChildOutcome {
  child: DesiredChild;
  action: ChildAction;
  /** The error of a failed write. */
  error?: unknown;
}

/** Reads a child from the informer caches. */
export type ChildLookup = (resource: ResourceType, namespace: string, name: string) => KubeObject | undefined;

interface AppliedRecord {
  hash: string;
  resourceVersion: string;
  atMs: number;
}

/**
 * True when every field of `desired` has the same value in `live` (objects: recursively, ignoring
 * fields only `live` has, such as server defaults and status; arrays: same length, element-wise).
 */
export function containsDesired(desired: unknown, live: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => containsDesired(d, live[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => containsDesired(v, l[k]));
  }
  return desired === live;
}

const childKey = (c: DesiredChild) =>
  `${c.resource.group}/${c.resource.plural}/${c.object.metadata.namespace}/${c.object.metadata.name}`;

/** Child synchroniser shared by the reconciles of every owner. */
export class ChildSync {
  readonly #client: KubeClient;
  readonly #lookup: ChildLookup;
  readonly #clock: Clock;
  readonly #fieldManager: string;
  readonly #staleCacheMs: number;
  readonly #records = new Map<string, Map<string, AppliedRecord>>();
  readonly #deleted = new Set<string>();

  constructor(options: {
    client: KubeClient;
    lookup: ChildLookup;
    clock: Clock;
    fieldManager: string;
    staleCacheMs?: number;
  }) {
    this.#client = options.client;
    this.#lookup = options.lookup;
    this.#clock = options.clock;
    this.#fieldManager = options.fieldManager;
    this.#staleCacheMs = options.staleCacheMs ?? 30_000;
  }

  /** Called by the child informers when a child disappears (so it is re-created, as a repair). */
  noteDeleted(resource: ResourceType, obj: KubeObject): void {
    const key = `${resource.group}/${resource.plural}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    for (const records of this.#records.values()) if (records.delete(key)) this.#deleted.add(key);
  }

  /** Forgets everything about an owner that no longer exists. */
  forgetOwner(ownerKey: string): void {
    const records = this.#records.get(ownerKey);
    if (!records) return;
    for (const key of records.keys()) this.#deleted.delete(key);
    this.#records.delete(ownerKey);
  }

  /** Converges one child of `ownerKey`. Never throws: a failed write is returned in the outcome. */
  async sync(ownerKey: string, child: DesiredChild): Promise<ChildOutcome> {
    const key = childKey(child);
    const { namespace, name } = child.object.metadata;
    const live = this.#lookup(child.resource, namespace, name);
    const hash = specHashOf(child.object) ?? '';
    let records = this.#records.get(ownerKey);
    if (!records) this.#records.set(ownerKey, (records = new Map<string, AppliedRecord>()));
    const record = records.get(key);
    const fresh =
      record !== undefined && this.#clock.now() - record.atMs < this.#staleCacheMs && record.hash === hash;
    const liveRv = live?.metadata?.resourceVersion ?? '';

    let action: ChildAction;
    if (!live) {
      if (fresh && !this.#deleted.has(key)) return { child, action: 'waiting' };
      action = this.#deleted.has(key) ? 'repaired' : 'created';
    } else if (specHashOf(live) !== hash) {
      if (fresh && record.resourceVersion !== liveRv) return { child, action: 'waiting' };
      action = 'updated';
    } else if (record && record.resourceVersion === liveRv) {
      return { child, action: 'unchanged' };
    } else if (containsDesired(child.object, live)) {
      records.set(key, { hash, resourceVersion: liveRv, atMs: this.#clock.now() });
      return { child, action: 'unchanged' };
    } else {
      action = 'repaired';
    }
    try {
      const written = await this.#client.apply(child.resource, child.object, this.#fieldManager);
      records.set(key, {
        hash,
        resourceVersion: written.metadata?.resourceVersion ?? '',
        atMs: this.#clock.now(),
      });
      this.#deleted.delete(key);
      return { child, action };
    } catch (error) {
      return { child, action, error };
    }
  }
}
