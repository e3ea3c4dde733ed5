/**
 * Several real recorder binaries sharing one real redis-server and one RECORDING_DIR, as pods of a StatefulSet
 * share the store and a ReadWriteMany volume. Recorders are started, killed (SIGKILL) and restarted by id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../redis-server.js';
import { startRecorder, type RecorderProcess } from '../recorder-process.js';

export class RecorderCluster {
  readonly redis: RedisServer;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly recorders = new Map<string, RecorderProcess>();

  private constructor(redis: RedisServer, dir: string, env: Record<string, string>) {
    this.redis = redis;
    this.dir = dir;
    this.env = env;
  }

  /** Starts Redis and one recorder per id. `env` adds settings (SESSION_LEASE defaults to 2s here). */
  static async start(ids: readonly string[], env: Record<string, string> = {}): Promise<RecorderCluster> {
    const redis = await RedisServer.start();
    const dir = await mkdtemp(join(tmpdir(), 'siprec-failover-'));
    const cluster = new RecorderCluster(redis, dir, { SESSION_LEASE: '2s', ...env });
    try {
      await Promise.all(ids.map((id) => cluster.startRecorder(id)));
    } catch (err) {
      await cluster.cleanup();
      throw err;
    }
    return cluster;
  }

  /** Starts (or restarts) recorder `id` on fresh ports. */
  async startRecorder(id: string): Promise<RecorderProcess> {
    const r = await startRecorder({
      REDIS_URL: this.redis.url,
      RECORDER_ID: id,
      RECORDING_DIR: this.dir,
      ...this.env,
    });
    this.recorders.set(id, r);
    return r;
  }

  get(id: string): RecorderProcess {
    const r = this.recorders.get(id);
    if (!r) throw new Error(`no recorder ${id}`);
    return r;
  }

  /** SIGKILL: the recorder dies mid-call, as a pod killed by the node would. */
  async kill(id: string): Promise<void> {
    await this.get(id).kill();
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.recorders.values()].map((r) => r.kill()));
    await this.redis.cleanup();
    await rm(this.dir, { recursive: true, force: true });
  }
}
