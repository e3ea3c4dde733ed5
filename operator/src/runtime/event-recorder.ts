/**
 * Kubernetes Events for what a user should see (`kubectl describe srec` / `kubectl get events`).
 * Identical events for the same object are sent once per dedupWindow, so a retried failure does not
 * flood the API; sending never fails the caller.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/meta.js';
import { EVENTS } from '../api/resources.js';
import type { Clock } from './clock.js';
import type { KubeClient } from './kube-client.js';

/** Normal or Warning. */
export type EventType = 'Normal' | 'Warning';

/** Records events on behalf of the operator. */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #component: string;
  readonly #dedupMs: number;
  readonly #recent = new Map<string, number>();

  constructor(options: {
    client: KubeClient;
    clock: Clock;
    logger: Logger;
    component?: string;
    dedupWindowMs?: number;
  }) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#component = options.component ?? 'siprec-operator';
    this.#dedupMs = options.dedupWindowMs ?? 10 * 60_000;
  }

  /** Emits an event about `object` (fire and forget). */
  emit(object: KubeObject, type: EventType, reason: string, message: string): void {
    const meta = object.metadata ?? {};
    const now = this.#clock.now();
    const key = `${meta.uid ?? ''}|${type}|${reason}|${message}`;
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < this.#dedupMs) return;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) {
      for (const [k, at] of this.#recent) if (now - at >= this.#dedupMs) this.#recent.delete(k);
    }
    const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event: KubeObject & Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: meta.namespace ?? 'default', generateName: `${meta.name ?? 'object'}.` },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.#component },
      reportingComponent: this.#component,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    this.#client.create(EVENTS, meta.namespace ?? 'default', event).catch((err: unknown) => {
      this.#logger.warn({ reason, err: (err as Error).message }, 'could not record event');
    });
  }
}
