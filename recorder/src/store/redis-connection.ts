/**
 * The one connection a Redis store uses: how it connects (fail fast, reconnect forever), how scripts run (EVALSHA,
 * the source once after a NOSCRIPT), and what it noticed (last error, a Redis that restarted and may have lost
 * our data). Nothing here queues or retries a command: the write queue does, bounded and coalesced.
 */
import { Redis } from 'ioredis';
import { meterCommands, type CommandCounts } from './command-meter.js';
import { SCRIPTS, type LuaScript } from './redis-scripts.js';
import type { LeaseOutcome } from './session-store.js';
import { StoreError } from './store-error.js';

/** Options of {@link RedisConnection}. */
export interface RedisConnectionOptions {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly retryMaxMs: number;
  /** Every Redis error, for logging (the store never throws them into callers). */
  readonly onError: ((error: Error) => void) | undefined;
  /** Connected (again), scripts loaded; `restarted` when Redis is a different process than before. */
  readonly onReady: (restarted: boolean) => void;
}

export class RedisConnection {
  readonly redis: Redis;
  readonly meter: CommandCounts;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #onReady: (restarted: boolean) => void;
  #runId: string | undefined;
  #lastError: string | null = null;
  #closed = false;

  constructor(opts: RedisConnectionOptions) {
    this.#onError = opts.onError;
    this.#onReady = opts.onReady;
    this.redis = new Redis(opts.url, {
      // Fail fast instead of queueing inside ioredis: a command while disconnected fails at once, one caught by a
      // disconnect is not re-sent later; the write queue keeps the state and retries it, bounded and coalesced.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: opts.connectTimeoutMs,
      commandTimeout: opts.commandTimeoutMs,
      // Reconnect forever, backing off to retryMaxMs: Redis coming back must be noticed without a restart.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), opts.retryMaxMs),
      connectionName: 'siprec-recorder',
    });
    this.meter = meterCommands(this.redis);
    this.redis.on('error', (err: Error) => this.noteError(err));
    this.redis.on('ready', () => void this.#ready());
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connected(): boolean {
    return !this.#closed && this.redis.status === 'ready';
  }

  /** Runs `script` atomically on the server. */
  async run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'session store closed');
    try {
      return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // Redis forgets scripts when it restarts (NOSCRIPT): send the source once, which caches it again.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await this.redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  noteError(err: Error): void {
    this.#lastError = err.message;
    this.#onError?.(err);
  }

  /** For reads that cannot be answered: "not found" would make a recorder answer 481 to a dialog that exists. */
  unavailable(): never {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `session store unreachable: ${this.#lastError ?? 'not connected'}`,
    );
  }

  /** Lease operations resolve instead of rejecting. */
  leaseUnavailable(err: unknown): LeaseOutcome {
    this.noteError(err as Error);
    return { ok: false, reason: 'unavailable', error: this.#lastError ?? 'not connected' };
  }

  /** Stops using the connection (at once: no command runs after this call), then QUITs or disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit();
        return;
      } catch {
        // Fall through to a hard disconnect.
      }
    }
    this.redis.disconnect();
  }

  /**
   * On every (re)connection: scripts are loaded, and if Redis is a different process than before (`run_id`
   * changed), it may have lost our data (no persistence, or a replica promoted before it caught up).
   */
  async #ready(): Promise<void> {
    let restarted = false;
    try {
      // Load the scripts before the queue floods in: otherwise every concurrent first call pays a NOSCRIPT
      // round trip and sends the script source.
      for (const script of SCRIPTS) await this.redis.script('LOAD', script.source);
      const info = await this.redis.info('server');
      const runId = /run_id:([0-9a-f]+)/.exec(info)?.[1];
      if (runId !== undefined) {
        restarted = this.#runId !== undefined && runId !== this.#runId;
        this.#runId = runId;
      }
    } catch (err) {
      this.noteError(err as Error);
    }
    this.#onReady(restarted);
  }
}
