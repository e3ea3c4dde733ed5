/**
 * The controller loop (controller-runtime's pkg/internal/controller): workers take keys from the work
 * queue and reconcile them. A reconcile is level-triggered: it gets only a key, reads the current
 * state and converges. Success forgets the key's failures (optionally requeueing after a delay); an
 * error retries with per-key back-off; a TerminalError is not retried (the reconciler has already
 * put it in a condition, and a new generation will trigger it again).
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { OperatorMetrics } from './metrics.js';
import { WorkQueue } from './work-queue.js';

/** What a reconcile asks for. */
export interface ReconcileResult {
  /** Reconcile the key again after this long even if nothing changes. */
  requeueAfterMs?: number;
}

/** A reconciler of one kind. */
export interface Reconciler {
  reconcile(key: string): Promise<ReconcileResult | void>;
}

/** An error that retrying cannot fix. */
export class TerminalError extends Error {
  readonly code = 'OPERATOR_TERMINAL';
}

/** Controller settings. */
export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
  workers?: number;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Runs a reconciler over a work queue. */
export class Controller {
  readonly name: string;
  readonly #o: ControllerOptions;
  readonly #queue: WorkQueue;
  #workers: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#o = options;
    const depth = options.metrics.queueDepth.labels({ controller: options.name });
    this.#queue = new WorkQueue({
      clock: options.clock,
      random: options.random,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      onDepth: (n) => depth.set(n),
    });
  }

  /** Asks for `key` to be reconciled. */
  enqueue(key: string): void {
    this.#queue.add(key);
  }

  /** Keys waiting. */
  get depth(): number {
    return this.#queue.length;
  }

  /** Starts the workers. */
  start(): void {
    if (this.#workers.length > 0) return;
    for (let i = 0; i < (this.#o.workers ?? 4); i++) this.#workers.push(this.#work());
  }

  /** Stops handing out keys and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    this.#queue.shutDown();
    await Promise.all(this.#workers);
  }

  async #work(): Promise<void> {
    const { metrics, logger, clock, reconciler } = this.#o;
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      const started = clock.now();
      try {
        const result = await reconciler.reconcile(key);
        this.#queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          this.#queue.addAfter(key, result.requeueAfterMs);
          metrics.reconciles.inc({ controller: this.name, result: 'requeue' });
        } else {
          metrics.reconciles.inc({ controller: this.name, result: 'success' });
        }
      } catch (err) {
        metrics.reconcileErrors.inc({ controller: this.name });
        if (err instanceof TerminalError) {
          this.#queue.forget(key);
          metrics.reconciles.inc({ controller: this.name, result: 'terminal' });
          logger.warn({ controller: this.name, key, err: err.message }, 'reconcile failed for good');
        } else {
          const delay = this.#queue.addRateLimited(key);
          metrics.reconciles.inc({ controller: this.name, result: 'error' });
          logger.warn(
            { controller: this.name, key, err: (err as Error).message, retryInMs: delay },
            'reconcile failed',
          );
        }
      } finally {
        metrics.reconcileDuration.observe({ controller: this.name }, (clock.now() - started) / 1000);
        this.#queue.done(key);
      }
    }
  }
}
