/**
 * A real `redis-server` for tests: started on a free port with its own temporary directory and no persistence
 * (`--save '' --appendonly no`), so a restart comes back empty like a Redis pod that lost its data. `kill()` is a
 * crash (SIGKILL), `stop()` a clean shutdown, `restart()` brings it back on the same port. Never the shared 6379.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A port nobody listens on right now (bound to 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `PING` on the port answers `+PONG`, or rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: '127.0.0.1', port });
      let data = '';
      const done = (v: boolean): void => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(500, () => done(false));
      sock.once('error', () => done(false));
      sock.once('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d: Buffer) => {
        data += d.toString();
        if (data.includes('\r\n')) done(data.startsWith('+PONG'));
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class RedisServer {
  readonly port: number;
  readonly dir: string;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts a server on a free port (or `port`, e.g. one a client was already told to use). */
  static async start(port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), await mkdtemp(join(tmpdir(), 'redis-test-')));
    await server.restart();
    return server;
  }

  /** A server that is not started: its port is reserved in name only, for "Redis never came up" tests. */
  static async notStarted(): Promise<RedisServer> {
    return new RedisServer(await freePort(), await mkdtemp(join(tmpdir(), 'redis-test-')));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts (again) on the same port; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error('redis-server already running');
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const c of running) c.kill('SIGKILL');
      });
    }
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    this.#child = child;
    child.stdout.on('data', (d: Buffer) => (this.#log = (this.#log + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (this.#log = (this.#log + d.toString()).slice(-4000)));
    child.once('exit', () => {
      running.delete(child);
      if (this.#child === child) this.#child = undefined;
    });
    try {
      await waitForPong(this.port, 5000);
    } catch (err) {
      await this.kill();
      throw new Error(`${(err as Error).message}\n${this.#log}`, { cause: err });
    }
  }

  /** Clean shutdown (SIGTERM). */
  stop(): Promise<void> {
    return this.#signal('SIGTERM');
  }

  /** A crash (SIGKILL). */
  kill(): Promise<void> {
    return this.#signal('SIGKILL');
  }

  /** Kills the server if running and removes its directory (for after hooks). */
  async cleanup(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
