/**
 * Runs the recorder binary the way an operator does — chosen flags, a bare environment, a working directory — and
 * reports either how it exited (bad configuration, `--help`) or where it listens once started.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { REPO_ROOT } from './recorder-process.js';

const MAIN = join(REPO_ROOT, 'dist/recorder/src/main.js');

/** How one run of the binary went. */
export type CliOutcome =
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly stdout: string;
      readonly stderr: string;
      readonly ms: number;
    }
  | {
      readonly kind: 'started';
      /** The `recorder started` log line: sip, tls, http ports. */
      readonly info: Record<string, unknown>;
      /** SIGTERM, then the exit code. */
      stop(): Promise<number | null>;
    };

/**
 * Starts `node dist/recorder/src/main.js ...args` with exactly `env` (plus PATH) in `cwd`; resolves when it exits
 * or logs that it started, whichever comes first (a process still silent after `timeoutMs` is killed).
 */
export async function runRecorderCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs = 15_000,
): Promise<CliOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<CliOutcome>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (entry.msg !== 'recorder started') return;
      clearTimeout(timer);
      resolve({
        kind: 'started',
        info: entry,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      // Let readline deliver the last lines first.
      setImmediate(() => resolve({ kind: 'exited', code, stdout, stderr, ms: Date.now() - started }));
    });
  });
}
