/**
 * Starts the real recorder binary (`node dist/recorder/src/main.js`) as a child process for integration tests,
 * on free ports with its own recording directory, and stops it with SIGTERM (or SIGKILL, to test crashes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const VECTORS_DIR = resolve(REPO_ROOT, '../shared/interop/vectors');
const MAIN = join(REPO_ROOT, 'dist/recorder/src/main.js');

export interface RecorderProcess {
  readonly sipPort: number;
  readonly tlsPort: number | undefined;
  readonly httpPort: number;
  readonly recordingDir: string;
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  /** GET on the HTTP port; resolves with status and parsed JSON (or text). */
  http(path: string, method?: string): Promise<{ status: number; body: unknown }>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

let nextRtpBase = 30000 + Math.floor(Math.random() * 100) * 200;

/** A distinct RTP range per recorder so that tests running side by side never collide. */
export function allocateRtpRange(size = 200): { min: number; max: number } {
  const min = nextRtpBase;
  nextRtpBase += size;
  if (nextRtpBase > 60000) nextRtpBase = 30000;
  return { min, max: min + size - 1 };
}

export async function startRecorder(env: Record<string, string> = {}): Promise<RecorderProcess> {
  const recordingDir = env.RECORDING_DIR ?? (await mkdtemp(join(tmpdir(), 'siprec-rec-')));
  const rtp = allocateRtpRange();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      SIP_HOST: '127.0.0.1',
      SIP_PORT: '0',
      HTTP_PORT: '0',
      ADVERTISE_ADDRESS: '127.0.0.1',
      RTP_PORT_MIN: String(rtp.min),
      RTP_PORT_MAX: String(rtp.max),
      LOG_LEVEL: 'info',
      RECORDER_ID: 'test-recorder',
      ...env,
      RECORDING_DIR: recordingDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const started = new Promise<Record<string, unknown>>((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'recorder started') resolveStart(entry);
    });
    child.once('exit', (code) =>
      reject(new Error(`recorder exited with ${code} before starting: ${stderr}`)),
    );
    setTimeout(() => reject(new Error(`recorder did not start in 15 s: ${stderr}`)), 15_000).unref();
  });
  const info = await started;
  const httpPort = Number(info.http);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    sipPort: Number(info.sip),
    tlsPort: info.tls === undefined ? undefined : Number(info.tls),
    httpPort,
    recordingDir,
    child,
    logs,
    async http(path, method = 'GET') {
      const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, { method });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // metrics are text
      }
      return { status: res.status, body };
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until `count` final sidecars not in `known` exist (they are written just after the BYE's 200). */
export async function waitForNewSidecars(
  dir: string,
  known: ReadonlySet<string>,
  count = 1,
  timeoutMs = 5000,
): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const added = (await readdir(dir)).filter((f) => f.endsWith('.json') && !known.has(f));
    if (added.length >= count || Date.now() > deadline) return added.map((f) => join(dir, f));
    await new Promise((r) => setTimeout(r, 50));
  }
}
