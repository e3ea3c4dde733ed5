/**
 * Runs sipp (Debian `sip-tester`) as the SRC against a recorder and reports how the scenario went.
 */
import { spawn } from 'node:child_process';
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
    String(20000 + Math.floor(Math.random() * 20000) * 2),
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
