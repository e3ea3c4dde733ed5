/**
 * A supervised informer: list, then watch from the list's resourceVersion, keeping a cache of the
 * objects and telling handlers what changed.
 *
 * client-node 1.4.0's ListWatch (cache.js) relists on 410 but stops for good on any other error (the
 * first reconnect attempt while the API server restarts is one), and cannot rebuild a watch that went
 * silent. This one never stops until told: every error relists after an exponential back-off, the
 * server is asked to end each watch after `watchTimeoutSeconds`, and a watch with no event or bookmark
 * for longer than that plus a margin is aborted and rebuilt. (1.4.0's Watch no longer aborts every
 * watch after 30 s, the 2.0.0 bug #3020: its timeout signal is overwritten, checked in watch.js.)
 * A periodic resync replays the cache to the update handlers so level-triggered controllers re-check
 * everything without a request.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/meta.js';
import type { ResourceType } from '../api/resources.js';
import { backoffDelay, sleep, type Clock, type TimerHandle } from './clock.js';
import { KubeApiError, type KubeClient } from './kube-client.js';

/** What an informer tells its handlers. */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  /** Also called by resyncs and relists with unchanged objects (old === new then). */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** Informer settings. */
export interface InformerOptions {
  client: KubeClient;
  resource: ResourceType;
  /** '' or undefined: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  clock: Clock;
  logger: Logger;
  random?: () => number;
  /** How often the cache is replayed to onUpdate. */
  resyncMs?: number;
  /** Server-side end of each watch. */
  watchTimeoutSeconds?: number;
  /** How long after the expected end of a watch it is declared dead. */
  silenceMarginMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Called each time the informer relists after an error. */
  onRestart?: (error: unknown) => void;
}

const keyOf = (obj: KubeObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/** The informer. */
export class Informer<T extends KubeObject> {
  readonly #o: Required<Omit<InformerOptions, 'namespace' | 'labelSelector' | 'onRestart'>> &
    Pick<InformerOptions, 'namespace' | 'labelSelector' | 'onRestart'>;
  readonly #store = new Map<string, T>();
  readonly #handlers: InformerHandlers<T>[] = [];
  readonly #stop = new AbortController();
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #watch: { abort(): void } | undefined;
  #resyncTimer: TimerHandle | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: InformerOptions) {
    this.#o = {
      ...options,
      random: options.random ?? Math.random,
      resyncMs: options.resyncMs ?? 10 * 60_000,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
      silenceMarginMs: options.silenceMarginMs ?? 30_000,
      backoffBaseMs: options.backoffBaseMs ?? 200,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
    };
  }

  /** The resource this informer caches. */
  get resource(): ResourceType {
    return this.#o.resource;
  }

  /** True once the first list has filled the cache. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Resolves once the cache has been filled (or the informer stopped). */
  whenSynced(): Promise<void> {
    if (this.#synced || this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  /** A cached object. */
  get(namespace: string, name: string): T | undefined {
    return this.#store.get(`${namespace}/${name}`);
  }

  /** Cached objects, of one namespace or all. */
  list(namespace?: string): T[] {
    const all = [...this.#store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  /** Starts listing and watching in the background. */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run();
    this.#scheduleResync();
  }

  /** Stops the informer and waits for its loop to end. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#watch?.abort();
    if (this.#resyncTimer) this.#o.clock.clearTimeout(this.#resyncTimer);
    for (const w of this.#syncWaiters.splice(0)) w();
    await this.#loop;
  }

  #scheduleResync(): void {
    this.#resyncTimer = this.#o.clock.setTimeout(() => {
      if (this.#stop.signal.aborted) return;
      for (const obj of this.#store.values()) this.#emit('update', obj, obj);
      this.#scheduleResync();
    }, this.#o.resyncMs);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        if (!this.#resourceVersion) await this.#relist();
        failures = 0;
        await this.#watchOnce();
      } catch (err) {
        if (this.#stop.signal.aborted) break;
        this.#resourceVersion = '';
        if (
          err instanceof KubeApiError &&
          (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone')
        ) {
          this.#o.logger.debug({ kind: this.#o.resource.kind }, 'watch expired, relisting');
          continue;
        }
        failures++;
        const delay = backoffDelay(failures, this.#o.backoffBaseMs, this.#o.backoffMaxMs, this.#o.random);
        this.#o.onRestart?.(err);
        this.#o.logger.warn(
          { kind: this.#o.resource.kind, err: (err as Error).message, retryInMs: delay },
          'informer failed, relisting after back-off',
        );
        await sleep(this.#o.clock, delay, this.#stop.signal);
      }
    }
  }

  async #relist(): Promise<void> {
    const { items, resourceVersion } = await this.#o.client.list<T>(this.#o.resource, {
      namespace: this.#o.namespace,
      labelSelector: this.#o.labelSelector,
    });
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    for (const [key, old] of this.#store) {
      if (!fresh.has(key)) {
        this.#store.delete(key);
        this.#emit('delete', old, old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.#store.get(key);
      this.#store.set(key, obj);
      if (!old) this.#emit('add', obj, obj);
      else this.#emit('update', old, obj);
    }
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  async #watchOnce(): Promise<void> {
    const { clock, watchTimeoutSeconds, silenceMarginMs } = this.#o;
    // Randomise the server-side timeout (as client-go does) so that watches do not all end together.
    const timeoutSeconds = Math.round(watchTimeoutSeconds * (1 + this.#o.random()));
    let silent = false;
    let timer: TimerHandle | undefined;
    const stream = this.#o.client.watch(
      this.#o.resource,
      {
        namespace: this.#o.namespace,
        labelSelector: this.#o.labelSelector,
        resourceVersion: this.#resourceVersion,
        timeoutSeconds,
      },
      (type, obj) => {
        arm();
        this.#onWatchEvent(type, obj as T);
      },
    );
    const arm = () => {
      if (timer) clock.clearTimeout(timer);
      timer = clock.setTimeout(
        () => {
          silent = true;
          stream.abort();
        },
        timeoutSeconds * 1000 + silenceMarginMs,
      );
    };
    arm();
    this.#watch = stream;
    try {
      await stream.done;
    } catch (err) {
      if (silent) throw new KubeApiError(`watch silent for over ${timeoutSeconds}s`, 0, 'SilentWatch');
      throw err;
    } finally {
      if (timer) clock.clearTimeout(timer);
      this.#watch = undefined;
    }
    if (silent) throw new KubeApiError(`watch silent for over ${timeoutSeconds}s`, 0, 'SilentWatch');
  }

  #onWatchEvent(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    const key = keyOf(obj);
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.#store.get(key);
        if (old && old.metadata?.resourceVersion === rv) break;
        this.#store.set(key, obj);
        if (old) this.#emit('update', old, obj);
        else this.#emit('add', obj, obj);
        break;
      }
      case 'DELETED': {
        const old = this.#store.get(key);
        this.#store.delete(key);
        if (old) this.#emit('delete', obj, obj);
        break;
      }
      default:
        // BOOKMARK: nothing but the resourceVersion moves.
        break;
    }
    if (rv) this.#resourceVersion = rv;
  }

  #emit(kind: 'add' | 'update' | 'delete', oldObj: T, obj: T): void {
    for (const h of this.#handlers) {
      try {
        if (kind === 'add') h.onAdd?.(obj);
        else if (kind === 'update') h.onUpdate?.(oldObj, obj);
        else h.onDelete?.(obj);
      } catch (err) {
        this.#o.logger.error(
          { kind: this.#o.resource.kind, err: (err as Error).message },
          'informer handler threw',
        );
      }
    }
  }
}
