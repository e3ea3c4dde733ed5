/**
 * The operator proper: informers for the two kinds and for every kind of child, the two controllers,
 * and the wiring between them. Started when this process leads (or at once without leader election).
 */
import type { Logger } from 'pino';
import { API_GROUP, FIELD_MANAGER, KIND_RECORDER, LABEL_MANAGED_BY, MANAGED_BY } from './api/constants.js';
import type { RecordingPolicy } from './api/generated/recording-policy.js';
import type { SiprecRecorder } from './api/generated/siprec-recorder.js';
import { objectKey, type KubeObject } from './api/meta.js';
import {
  CONFIGMAPS,
  PODDISRUPTIONBUDGETS,
  RECORDING_POLICIES,
  ROLEBINDINGS,
  ROLES,
  SERVICEACCOUNTS,
  SERVICES,
  SIPREC_RECORDERS,
  STATEFULSETS,
  type ResourceType,
} from './api/resources.js';
import { canonicalJson } from './builders/hash.js';
import { ChildSync } from './controllers/child-sync.js';
import { RecordingPolicyReconciler } from './controllers/recording-policy-controller.js';
import { ensureChildrenStep } from './controllers/siprec-recorder/ensure-children.js';
import { resolvePoliciesStep } from './controllers/siprec-recorder/resolve-policies.js';
import { updateStatusStep } from './controllers/siprec-recorder/update-status.js';
import { SiprecRecorderReconciler } from './controllers/siprec-recorder-controller.js';
import { recorderUsesPolicy } from './policy/select.js';
import type { Clock } from './runtime/clock.js';
import { Controller } from './runtime/controller.js';
import { EventRecorder } from './runtime/event-recorder.js';
import { Informer, type InformerOptions } from './runtime/informer.js';
import type { KubeClient } from './runtime/kube-client.js';
import type { OperatorMetrics } from './runtime/metrics.js';

/** Kinds of child the operator creates (and watches to repair). */
export const CHILD_RESOURCES: readonly ResourceType[] = [
  STATEFULSETS,
  SERVICES,
  CONFIGMAPS,
  SERVICEACCOUNTS,
  PODDISRUPTIONBUDGETS,
  ROLES,
  ROLEBINDINGS,
];

/** Operator settings. */
export interface OperatorOptions {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
  random?: () => number;
  /** '' watches every namespace. */
  watchNamespace: string;
  recorderImage: string;
  workers: number;
  resyncMs: number;
  watchTimeoutSeconds?: number;
}

/** Owner key (`namespace/name`) of a child, from its controller owner reference. */
function ownerKeyOf(child: KubeObject): string | undefined {
  const ref = child.metadata?.ownerReferences?.find(
    (r) => r.controller && r.kind === KIND_RECORDER && r.apiVersion.startsWith(`${API_GROUP}/`),
  );
  return ref ? `${child.metadata?.namespace ?? ''}/${ref.name}` : undefined;
}

/** The operator. */
export class Operator {
  readonly recorders: Informer<SiprecRecorder>;
  readonly policies: Informer<RecordingPolicy>;
  readonly children = new Map<ResourceType, Informer<KubeObject>>();
  readonly recorderController: Controller;
  readonly policyController: Controller;
  readonly #o: OperatorOptions;
  #started = false;
  #startup: Promise<void> | undefined;

  constructor(options: OperatorOptions) {
    this.#o = options;
    const { client, clock, logger, metrics } = options;
    const informer = <T extends KubeObject>(resource: ResourceType, labelSelector?: string) =>
      new Informer<T>({
        client,
        resource,
        namespace: options.watchNamespace,
        labelSelector,
        clock,
        logger,
        random: options.random,
        resyncMs: options.resyncMs,
        watchTimeoutSeconds: options.watchTimeoutSeconds,
        onRestart: () => metrics.informerRestarts.inc({ kind: resource.kind }),
      } satisfies InformerOptions);

    this.recorders = informer<SiprecRecorder>(SIPREC_RECORDERS);
    this.policies = informer<RecordingPolicy>(RECORDING_POLICIES);
    for (const r of CHILD_RESOURCES) this.children.set(r, informer(r, `${LABEL_MANAGED_BY}=${MANAGED_BY}`));

    const events = new EventRecorder({ client, clock, logger });
    const childSync = new ChildSync({
      client,
      clock,
      fieldManager: FIELD_MANAGER,
      lookup: (resource, ns, name) => this.children.get(resource)?.get(ns, name),
    });
    const buildOptions = { defaultImage: options.recorderImage };
    const recorderReconciler = new SiprecRecorderReconciler({
      getRecorder: (ns, name) => this.recorders.get(ns, name),
      childSync,
      logger,
      steps: [
        resolvePoliciesStep((ns) => this.policies.list(ns)),
        ensureChildrenStep({ childSync, events, logger, buildOptions }),
        updateStatusStep({
          client,
          clock,
          buildOptions,
          lookup: (ns, name) => this.children.get(STATEFULSETS)?.get(ns, name),
        }),
      ],
    });
    const common = { clock, logger, metrics, random: options.random, workers: options.workers };
    this.recorderController = new Controller({
      ...common,
      name: 'siprecrecorder',
      reconciler: recorderReconciler,
    });
    this.policyController = new Controller({
      ...common,
      workers: Math.max(1, Math.ceil(options.workers / 4)),
      name: 'recordingpolicy',
      reconciler: new RecordingPolicyReconciler({
        getPolicy: (ns, name) => this.policies.get(ns, name),
        client,
        events,
        clock,
      }),
    });

    const enqueueRecorder = (obj: KubeObject) => this.recorderController.enqueue(objectKey(obj));
    this.recorders.addHandlers({
      onAdd: enqueueRecorder,
      onUpdate: (_o, n) => enqueueRecorder(n),
      onDelete: enqueueRecorder,
    });

    const fanOut = (policy: RecordingPolicy) => {
      for (const r of this.recorders.list(policy.metadata.namespace ?? '')) {
        if (recorderUsesPolicy(r, policy)) enqueueRecorder(r);
      }
    };
    const enqueuePolicy = (p: RecordingPolicy) => this.policyController.enqueue(objectKey(p));
    this.policies.addHandlers({
      onAdd: (p) => {
        enqueuePolicy(p);
        fanOut(p);
      },
      onUpdate: (old, p) => {
        enqueuePolicy(p);
        // A spec or label change alters what recorders render (a status write does not); a resync
        // (old === p) re-checks them all.
        const changed =
          old.metadata.generation !== p.metadata.generation ||
          canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(p.metadata.labels ?? {});
        if (old === p || changed) {
          fanOut(old);
          fanOut(p);
        }
      },
      onDelete: (p) => fanOut(p),
    });

    for (const [resource, inf] of this.children) {
      const toOwner = (child: KubeObject) => {
        const key = ownerKeyOf(child);
        if (key) this.recorderController.enqueue(key);
      };
      inf.addHandlers({
        onAdd: toOwner,
        onUpdate: (_o, n) => toOwner(n),
        onDelete: (child) => {
          childSync.noteDeleted(resource, child);
          toOwner(child);
        },
      });
    }
  }

  /** Every informer of the operator. */
  get informers(): Informer<KubeObject>[] {
    return [this.recorders, this.policies, ...this.children.values()] as Informer<KubeObject>[];
  }

  /** True once every cache is filled and the controllers run. */
  ready(): boolean {
    return this.#started && this.informers.every((i) => i.synced);
  }

  /** Starts the informers, waits for their caches, then starts the controllers. */
  start(): Promise<void> {
    this.#startup ??= (async () => {
      for (const i of this.informers) i.start();
      await Promise.all(this.informers.map((i) => i.whenSynced()));
      this.recorderController.start();
      this.policyController.start();
      this.#started = true;
      this.#o.logger.info(
        { recorders: this.recorders.list().length, policies: this.policies.list().length },
        'caches synced, controllers started',
      );
    })();
    return this.#startup;
  }

  /** Stops the controllers (waiting for reconciles in flight), then the informers. */
  async stop(): Promise<void> {
    await Promise.all([this.recorderController.stop(), this.policyController.stop()]);
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
