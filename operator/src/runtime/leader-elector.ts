/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-node has none). One replica holds the
 * Lease and runs the controllers; the others retry every retryPeriod and take over once the holder
 * has not renewed for leaseDuration. A leader that cannot renew within renewDeadline steps down
 * (the process then exits, as controller-runtime does), and a leader that shuts down releases the
 * Lease so a standby takes over at once.
 */
import type { Logger } from 'pino';
import { LEASES } from '../api/resources.js';
import type { KubeObject } from '../api/meta.js';
import { sleep, type Clock } from './clock.js';
import { KubeApiError, type KubeClient } from './kube-client.js';
import { decideLease, microTime, type LeaseObservation, type LeaseSpec } from './lease-decision.js';

/** Leader election settings. */
export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  clock: Clock;
  logger: Logger;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  random?: () => number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

type Lease = KubeObject & { spec?: LeaseSpec };

/** The elector. */
export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  readonly #stop = new AbortController();
  readonly #observation: LeaseObservation = { record: '', observedAtMs: 0 };
  #leading = false;
  #lastRenewMs = 0;
  #lease: Lease | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
  }

  /** True while this process holds the Lease. */
  get leading(): boolean {
    return this.#leading;
  }

  /** Starts campaigning in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops campaigning; releases the Lease if held. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    if (this.#leading) await this.#release();
  }

  async #run(): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs } = this.#o;
    const random = this.#o.random ?? Math.random;
    while (!this.#stop.signal.aborted) {
      const ok = await this.#tryAcquireOrRenew();
      if (this.#stop.signal.aborted) break;
      const now = clock.now();
      if (ok) {
        this.#lastRenewMs = now;
        if (!this.#leading) {
          this.#leading = true;
          this.#o.logger.info({ lease: this.#o.name, identity: this.#o.identity }, 'became leader');
          this.#o.onStartedLeading();
        }
      } else if (this.#leading && now - this.#lastRenewMs > renewDeadlineMs) {
        this.#leading = false;
        this.#o.logger.error({ lease: this.#o.name }, 'could not renew the lease in time, stepping down');
        this.#o.onStoppedLeading();
        return;
      }
      // Standbys add jitter (client-go JitterFactor 1.2) so they do not all hit the server together.
      const wait = this.#leading ? retryPeriodMs : retryPeriodMs * (1 + 0.2 * random());
      await sleep(clock, wait, this.#stop.signal);
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, clock, leaseDurationMs } = this.#o;
    try {
      const lease = await client.get<Lease>(LEASES, namespace, name);
      const decision = decideLease(lease?.spec, this.#observation, clock.now(), identity, leaseDurationMs);
      if (decision.action === 'wait') {
        this.#o.logger.debug(
          { holder: decision.holder, expiresInMs: decision.expiresInMs },
          'lease held by another',
        );
        return false;
      }
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace,
          ...(lease?.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
        },
        spec: decision.spec,
      };
      this.#lease =
        decision.action === 'create'
          ? await client.create<Lease>(LEASES, namespace, body)
          : await client.replace<Lease>(LEASES, namespace, name, body);
      this.#observation.record = JSON.stringify(this.#lease.spec ?? {});
      this.#observation.observedAtMs = clock.now();
      return true;
    } catch (err) {
      // 409: another candidate wrote first; anything else: try again next period.
      const level = err instanceof KubeApiError && err.status === 409 ? 'debug' : 'warn';
      this.#o.logger[level]({ err: (err as Error).message }, 'lease attempt failed');
      return false;
    }
  }

  /** client-go ReleaseOnCancel: empty holder, 1 s duration, so a standby need not wait. */
  async #release(): Promise<void> {
    const lease = this.#lease;
    this.#leading = false;
    if (!lease?.metadata?.name) return;
    try {
      await this.#o.client.replace(LEASES, this.#o.namespace, this.#o.name, <Lease>{
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTime(this.#o.clock.now()),
        },
      });
      this.#o.logger.info({ lease: this.#o.name }, 'released the lease');
    } catch (err) {
      this.#o.logger.warn({ err: (err as Error).message }, 'could not release the lease');
    }
  }
}
