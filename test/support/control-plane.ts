/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) for integration tests, started
 * through hack/control-plane.sh (DESIGN.md §7: real components, envtest-style; no Docker here).
 *
 * The first start on a machine builds the Kubernetes binaries from their Go modules (tens of minutes on two cores);
 * later starts reuse the cache and take seconds. Starting once per mocha run is the caller's job (a root hook).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse as parseYaml } from 'yaml';

/** A running control plane. */
export interface ControlPlane {
  /** Admin kubeconfig (client certificate in group system:masters), credentials embedded. */
  readonly kubeconfigPath: string;
  /** The apiserver's URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** Where pids, logs (`<component>.log`), certificates and kubeconfigs live. */
  readonly stateDir: string;
  /** Stops every component; idempotent. Removes the state dir when this helper created it. */
  stop(): Promise<void>;
  /** Stops and starts kube-apiserver alone on the same port; resolves once `/readyz` is OK again. */
  restartApiServer(): Promise<void>;
  /**
   * Writes a kubeconfig that authenticates as `system:serviceaccount:<namespace>:<serviceAccount>` with a
   * TokenRequest token (24 h) and returns its path. The ServiceAccount must exist.
   */
  tokenKubeconfig(namespace: string, serviceAccount: string): Promise<string>;
}

/** Options for {@link startControlPlane}. */
export interface StartControlPlaneOptions {
  /** State directory; default: a fresh temporary directory, removed by `stop()`. */
  stateDir?: string;
  /** Upper bound for `up`, which may include the first build; default 60 minutes. */
  timeoutMs?: number;
  /** Where the script's progress lines go; default process.stderr. */
  progress?: NodeJS.WritableStream;
}

/** Raised when hack/control-plane.sh fails; `output` holds the tail of what it printed (component log tails included). */
export class ControlPlaneError extends Error {
  readonly code = 'CONTROL_PLANE_FAILED';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n${output}`);
    this.name = 'ControlPlaneError';
  }
}

const DEFAULT_UP_TIMEOUT_MS = 60 * 60 * 1000;
const COMMAND_TIMEOUT_MS = 3 * 60 * 1000;
/** Enough of the script's stderr to show a component's log tail, bounded so a chatty build cannot grow it unbounded. */
const MAX_KEPT_OUTPUT = 64 * 1024;

/** Finds the repository root from this file's location (src or dist), by the script it needs. */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'hack', 'control-plane.sh'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new ControlPlaneError('hack/control-plane.sh not found above this module', '');
    dir = parent;
  }
}

interface RunOptions {
  timeoutMs: number;
  progress: NodeJS.WritableStream | undefined;
}

/** Runs the script, resolving with its stdout; its stderr is forwarded to `progress` and kept for errors. */
function runScript(
  script: string,
  stateDir: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, ['--state-dir', stateDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      opts.progress?.write(chunk);
      stderr = (stderr + chunk).slice(-MAX_KEPT_OUTPUT);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new ControlPlaneError(`cannot run ${script}: ${err.message}`, stderr));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        const how = signal
          ? `was killed by ${signal} (timeout ${opts.timeoutMs} ms?)`
          : `exited with ${code}`;
        reject(new ControlPlaneError(`hack/control-plane.sh ${args.join(' ')} ${how}`, stderr));
      }
    });
  });
}

/** Reads the apiserver URL from the admin kubeconfig the script wrote. */
async function serverOf(kubeconfigPath: string): Promise<string> {
  const doc = parseYaml(await readFile(kubeconfigPath, 'utf8')) as {
    clusters?: { cluster?: { server?: unknown } }[];
  };
  const server = doc.clusters?.[0]?.cluster?.server;
  if (typeof server !== 'string' || !server.startsWith('https://')) {
    throw new ControlPlaneError(`no server URL in ${kubeconfigPath}`, '');
  }
  return server;
}

/**
 * Starts (building on first use) a control plane in `opts.stateDir` or a fresh temporary directory.
 * If a plane is already running in that state dir it is reused.
 */
export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const script = path.join(findRepoRoot(), 'hack', 'control-plane.sh');
  const ownsStateDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'siprec-cp-')));
  const progress = opts.progress ?? process.stderr;
  const run = (args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> =>
    runScript(script, stateDir, args, { timeoutMs, progress });

  let out: string;
  try {
    out = await run(['up'], opts.timeoutMs ?? DEFAULT_UP_TIMEOUT_MS);
  } catch (err) {
    // A failed `up` may have started some components: leave nothing behind.
    await run(['down']).catch(() => undefined);
    throw err;
  }
  const match = /^export KUBECONFIG=(.+)$/m.exec(out);
  if (!match?.[1]) throw new ControlPlaneError('hack/control-plane.sh up printed no KUBECONFIG', out);
  const kubeconfigPath = match[1].trim();
  const server = await serverOf(kubeconfigPath);

  let stopped = false;
  return {
    kubeconfigPath,
    server,
    stateDir,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await run(['down']);
      if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    },
    async restartApiServer(): Promise<void> {
      await run(['restart-apiserver']);
    },
    async tokenKubeconfig(namespace: string, serviceAccount: string): Promise<string> {
      const printed = await run(['token-kubeconfig', namespace, serviceAccount]);
      return printed.trim();
    },
  };
}
