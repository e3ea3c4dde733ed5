/**
 * Runs sipp (Debian `sip-tester`) as the SRC against a recorder and reports how the scenario went.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippResult {
  /** 0: every call succeeded; 1: at least one failed; other values: sipp could not run. */
  readonly exitCode: number | null;
  readonly stdout: string;
  /** The -trace_err log, when there were errors. */
  readonly errors: string;
  /** The -trace_msg log: every message sent and received. */
  readonly messages: string;
}

export interface SippOptions {
  readonly scenario: string;
  readonly target: string;
  readonly transport?: 'u1' | 'un' | 't1' | 'tn';
  readonly calls?: number;
  readonly rate?: number;
  readonly timeoutSeconds?: number;
  readonly extraArgs?: readonly string[];
}

/**
 * A media port base for sipp's `-mp` with the four ports above it free. Taken below the kernel's ephemeral range
 * (32768+) and below the recorders' RTP ranges (30000+, `allocateRtpRange`), so neither a socket bound to port 0 nor
 * a recorder can hold it by chance; probed by binding, since other tests run sipp at the same time.
 */
async function freeMediaPortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10000 + Math.floor(Math.random() * 4990) * 4;
    if (await portsFree(base, 4)) return base;
  }
  throw new Error('no free media port range for sipp');
}

async function portsFree(base: number, count: number): Promise<boolean> {
  const sockets = Array.from({ length: count }, () => createSocket('udp4'));
  try {
    const bound = await Promise.all(
      sockets.map(
        (socket, i) =>
          new Promise<boolean>((resolve) => {
            socket.once('error', () => resolve(false));
            socket.bind(base + i, '127.0.0.1', () => resolve(true));
          }),
      ),
    );
    return bound.every(Boolean);
  } finally {
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // never bound
      }
    }
  }
}

export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sipp-'));
  const args = [
    opts.target,
    '-sf',
    opts.scenario,
    '-m',
    String(opts.calls ?? 1),
    '-r',
    String(opts.rate ?? 10),
    '-t',
    opts.transport ?? 'u1',
    '-i',
    '127.0.0.1',
    '-p',
    '0',
    '-mp',
    String(await freeMediaPortBase()),
    '-nostdin',
    '-trace_err',
    '-trace_msg',
    '-timeout',
    `${opts.timeoutSeconds ?? 30}s`,
    '-timeout_error',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const files = await readdir(dir);
  const read = async (suffix: string): Promise<string> => {
    const name = files.find((f) => f.endsWith(suffix));
    return name ? readFile(join(dir, name), 'utf8') : '';
  };
  return { exitCode, stdout, errors: await read('_errors.log'), messages: await read('_messages.log') };
}
