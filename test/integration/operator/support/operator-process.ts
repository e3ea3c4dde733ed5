/**
 * Runs `siprec-operator` (dist/operator/src/main.js) as a child process, the way a Deployment would:
 * its own kubeconfig, its metrics port (picked free, read from its first log line), and a kill that
 * is a real SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './cluster.js';

/** A running operator process. */
export class OperatorProcess {
  readonly #child: ChildProcess;
  readonly #log: string[] = [];
  readonly #exited: Promise<number | null>;
  #port = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts an operator; resolves once its metrics server listens. */
  static async start(env: Record<string, string>, timeoutMs = 30_000): Promise<OperatorProcess> {
    if (env.LOG_LEVEL && !['trace', 'debug', 'info'].includes(env.LOG_LEVEL)) {
      throw new Error(
        'OperatorProcess reads the metrics port from an info log line: LOG_LEVEL must be info or lower',
      );
    }
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist/operator/src/main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const op = new OperatorProcess(child);
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          op.#log.push(line);
          if (op.#log.length > 5000) op.#log.shift();
          if (!op.#port && line.includes('"metrics server listening"')) {
            op.#port = (JSON.parse(line) as { port: number }).port;
            resolve();
          }
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => op.#log.push(c.toString('utf8')));
      child.once('exit', (code) =>
        reject(new Error(`operator exited with ${code} before listening:\n${op.logTail()}`)),
      );
      setTimeout(() => {
        if (op.#port) return;
        child.kill('SIGKILL');
        reject(new Error(`operator did not listen within ${timeoutMs} ms:\n${op.logTail()}`));
      }, timeoutMs).unref();
    });
    return op;
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get port(): number {
    return this.#port;
  }

  /** The last log lines (for failure messages). */
  logTail(lines = 40): string {
    return this.#log.slice(-lines).join('\n');
  }

  /** Log lines matching a message. */
  logLines(msg: string): string[] {
    return this.#log.filter((l) => l.includes(`"msg":"${msg}"`));
  }

  /** Scrapes /metrics and sums the samples of `name` whose labels include `labels`. */
  async metric(
    name: string,
    labels: Record<string, string> = {},
    exclude: Record<string, string> = {},
  ): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.#port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const l: Record<string, string | undefined> = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1] ?? '', x[2]]),
      );
      if (
        Object.entries(labels).every(([k, v]) => l[k] === v) &&
        !Object.entries(exclude).some(([k, v]) => l[k] === v)
      ) {
        sum += Number(m[3]);
      }
    }
    return sum;
  }

  /** HTTP status of /readyz. */
  async readyz(): Promise<number> {
    return (await fetch(`http://127.0.0.1:${this.#port}/readyz`)).status;
  }

  /** SIGKILL: a crash, no Lease release. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM and wait for a graceful exit (SIGKILL after 15 s). Returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return this.#child.exitCode;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }
}
