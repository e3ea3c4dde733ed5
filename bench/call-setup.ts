/**
 * SIPREC call-setup benchmark (DESIGN.md §8): sipp plays the SRC against the real recorder binary over UDP with a
 * ~4 KB multipart INVITE (two streams, RFC 7865 metadata with vendor extension data) → 200 → ACK → BYE, at a
 * ramp of call rates. Prints JSON, one entry per rate:
 * - calls attempted / succeeded / failed (sipp's statistics file);
 * - INVITE → 200 latency p50/p90/p99/max as sipp saw it (`-trace_rtt -rtt_freq 1`, whole milliseconds, includes
 *   sipp's own scheduling) and as the recorder measured it (`siprec_invite_answer_seconds`, bucket upper bounds);
 * - recorder CPU from /proc/<pid>/stat utime+stime over the step (its media worker threads included) → CPU
 *   milliseconds per call and calls per CPU-second, i.e. calls/s per core — robust to the machine being shared
 *   with sipp and anything else; the load average is reported next to it; and the main thread's share alone
 *   (/proc/<pid>/task/<pid>/stat: SIP, sessions, sidecars, store — the media workers are the rest);
 * - recorder RSS after the step.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/call-setup.js [--rates 100,250,500,1000,1500] [--seconds 3]
 *     [--profile DIR]   (runs the recorder under `node --cpu-prof --cpu-prof-dir DIR`)
 *
 * Targets: ≥ 1000 calls/s per core; INVITE → 200 p99 ≤ 5 ms at 500 calls/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/recorder/src/main.js');
const SCENARIO = join(ROOT, 'test/fixtures/sipp/siprec-call-setup-4k.xml');
/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const CLOCK_TICKS = 100;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const RATES = (option('rates') ?? '100,250,500,1000,1500').split(',').map(Number);
const SECONDS = Number(option('seconds') ?? 3);
const PROFILE_DIR = option('profile');
/**
 * sipp's cap on calls in progress (`-l`). A recorder answering in 5 ms needs about rate × 10 ms ≈ 15 at
 * 1500 calls/s; one that falls behind is then held at its real capacity (latency ≈ limit / capacity) instead of
 * being buried under retransmissions.
 */
const CONCURRENCY_LIMIT = 50;

/** A port free for both UDP and TCP on 127.0.0.1 (the recorder binds both for SIP). */
async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await new Promise<number>((r) =>
      server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
    );
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      udp.once('error', () => r(false));
      udp.bind(port, '127.0.0.1', () => r(true));
    });
    udp.close();
    await new Promise((r) => server.close(r));
    if (ok) return port;
  }
}

/** utime + stime of a process, all threads, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * utime + stime of the process's main thread only (its task whose id is the pid): SIP, sessions, sidecars and
 * store, without the media workers — the part the signalling path costs.
 */
async function mainThreadCpuSeconds(pid: number): Promise<number> {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

async function statCpuSeconds(path: string): Promise<number> {
  const stat = await readFile(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 102.4) / 10;
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

/** Cumulative `siprec_invite_answer_seconds` buckets: le (ms) → count. */
async function answerHistogram(httpPort: number): Promise<Map<number, number>> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/^siprec_invite_answer_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
    buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, Number(m[2]));
  return buckets;
}

/** Quantile of the calls between two histogram snapshots, as the upper bound of its bucket (ms). */
function histogramQuantile(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | string | null {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total === 0) return null;
  for (const le of les) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total)
      return Number.isFinite(le) ? le : `>${les[les.length - 2] ?? 0}`;
  }
  return null;
}

interface StepResult {
  rate: number;
  seconds: number;
  wallSeconds: number;
  attempted: number;
  succeeded: number;
  failed: number;
  achievedCallsPerSecond: number;
  inviteTo200Ms: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  recorderAnswerMsUpperBound: {
    p50: number | string | null;
    p90: number | string | null;
    p99: number | string | null;
  };
  recorderCpuSeconds: number;
  /** Recorder CPU minus its idle baseline over the same time (timers, worker ticks). */
  recorderCallCpuSeconds: number;
  cpuMsPerCall: number | null;
  callsPerSecondPerCore: number | null;
  /** Main-thread CPU per call, the idle baseline removed (the worker threads' share is the rest). */
  mainThreadCpuMsPerCall: number | null;
  sippCpuSeconds: number;
  recorderRssMiB: number;
  loadAverage1m: number;
}

async function runStep(
  recorder: ChildProcess,
  sipPort: number,
  httpPort: number,
  rate: number,
  idle: { all: number; main: number },
  seconds = SECONDS,
): Promise<StepResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-sipp-'));
  const calls = Math.round(rate * seconds);
  const histBefore = await answerHistogram(httpPort);
  const cpuBefore = await cpuSeconds(recorder.pid!);
  const mainBefore = await mainThreadCpuSeconds(recorder.pid!);
  const started = Date.now();
  const sipp = spawn(
    'sipp',
    [
      `127.0.0.1:${sipPort}`, '-sf', SCENARIO, '-t', 'u1', '-i', '127.0.0.1', '-p', '0',
      '-m', String(calls), '-r', String(rate), '-rp', '1000',
      // Bounded concurrency: a recorder that falls behind shows up as latency and failures, not a runaway.
      '-l', String(CONCURRENCY_LIMIT),
      '-trace_rtt', '-rtt_freq', '1', '-trace_stat', '-fd', '1',
      '-timeout', `${SECONDS * 4 + 30}s`, '-recv_timeout', '10000', '-nostdin', '-max_socket', '1000',
    ], // prettier-ignore
    { cwd: dir, stdio: 'ignore' },
  );
  let sippCpu = 0;
  const poll = setInterval(() => {
    cpuSeconds(sipp.pid!).then(
      (s) => (sippCpu = s),
      () => undefined,
    );
  }, 200);
  await new Promise((r) => sipp.once('exit', r));
  clearInterval(poll);
  const wallSeconds = (Date.now() - started) / 1000;
  // Let deferred work (sidecars, recording finalisation) land in this step's CPU figure.
  await new Promise((r) => setTimeout(r, 1000));
  const recorderCpuSeconds = (await cpuSeconds(recorder.pid!)) - cpuBefore;
  const mainCpuSeconds = (await mainThreadCpuSeconds(recorder.pid!)) - mainBefore;
  const elapsed = (Date.now() - started) / 1000;
  const callCpu = Math.max(0, recorderCpuSeconds - idle.all * elapsed);
  const mainCallCpu = Math.max(0, mainCpuSeconds - idle.main * elapsed);
  const histAfter = await answerHistogram(httpPort);

  const files = await readdir(dir);
  const rttFile = files.find((f) => f.endsWith('_rtt.csv'));
  const statFile = files.find((f) => f.endsWith('_.csv'));
  const latencies = rttFile
    ? (await readFile(join(dir, rttFile), 'utf8'))
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(';')[1]))
        .filter((n) => Number.isFinite(n))
        .sort((a, b) => a - b)
    : [];
  let attempted = 0;
  let succeeded = 0;
  let failed = 0;
  if (statFile) {
    const lines = (await readFile(join(dir, statFile), 'utf8')).trim().split('\n');
    const head = (lines[0] ?? '').split(';');
    const last = (lines[lines.length - 1] ?? '').split(';');
    const col = (name: string): number => Number(last[head.indexOf(name)] ?? 0);
    attempted = col('TotalCallCreated');
    succeeded = col('SuccessfulCall(C)');
    failed = col('FailedCall(C)');
  }
  await rm(dir, { recursive: true, force: true });
  const round = (n: number, d = 3): number => Math.round(n * 10 ** d) / 10 ** d;
  return {
    rate,
    seconds,
    wallSeconds: round(wallSeconds, 2),
    attempted,
    succeeded,
    failed,
    achievedCallsPerSecond: round(succeeded / wallSeconds, 1),
    inviteTo200Ms: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? null,
    },
    recorderAnswerMsUpperBound: {
      p50: histogramQuantile(histBefore, histAfter, 0.5),
      p90: histogramQuantile(histBefore, histAfter, 0.9),
      p99: histogramQuantile(histBefore, histAfter, 0.99),
    },
    recorderCpuSeconds: round(recorderCpuSeconds, 2),
    recorderCallCpuSeconds: round(callCpu, 2),
    cpuMsPerCall: succeeded > 0 ? round((callCpu * 1000) / succeeded) : null,
    callsPerSecondPerCore: callCpu > 0 ? Math.round(succeeded / callCpu) : null,
    mainThreadCpuMsPerCall: succeeded > 0 ? round((mainCallCpu * 1000) / succeeded) : null,
    sippCpuSeconds: round(sippCpu, 2),
    recorderRssMiB: await rssMiB(recorder.pid!),
    loadAverage1m: round(loadavg()[0] ?? 0, 2),
  };
}

async function main(): Promise<void> {
  const recordingDir = await mkdtemp(join(tmpdir(), 'bench-rec-'));
  const [sipPort, httpPort] = [await freePort(), await freePort()];
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const recorder = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      SIP_HOST: '127.0.0.1',
      SIP_PORT: String(sipPort),
      HTTP_PORT: String(httpPort),
      ADVERTISE_ADDRESS: '127.0.0.1',
      RTP_PORT_MIN: '20000',
      RTP_PORT_MAX: '59999',
      RECORDING_DIR: recordingDir,
      MAX_CONCURRENT_CALLS: '0',
      LOG_LEVEL: 'warn',
      RECORDER_ID: 'bench',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (recorder.exitCode !== null || Date.now() > deadline) throw new Error('the recorder did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const loadBefore = loadavg()[0] ?? 0;
    // The idle baseline: what the recorder burns with no calls (sweeps, media worker ticks).
    const idleStart = await cpuSeconds(recorder.pid!);
    const idleMainStart = await mainThreadCpuSeconds(recorder.pid!);
    await new Promise((r) => setTimeout(r, 3000));
    const idle = {
      all: ((await cpuSeconds(recorder.pid!)) - idleStart) / 3,
      main: ((await mainThreadCpuSeconds(recorder.pid!)) - idleMainStart) / 3,
    };
    const idleCpuPerSecond = idle.all;
    // Warm-up (JIT, pools, first files), not reported.
    await runStep(recorder, sipPort, httpPort, 100, idle, 2);
    const steps: StepResult[] = [];
    for (const rate of RATES) steps.push(await runStep(recorder, sipPort, httpPort, rate, idle));
    const half = steps.find((s) => s.rate === 500);
    const bestPerCore = Math.max(0, ...steps.map((s) => s.callsPerSecondPerCore ?? 0));
    console.log(
      JSON.stringify(
        {
          benchmark: 'call-setup',
          transport: 'udp',
          inviteBytes: 4335,
          node: process.version,
          cpu: cpus()[0]?.model ?? 'unknown',
          cores: cpus().length,
          loadAverage1mBefore: Math.round(loadBefore * 100) / 100,
          recorderIdleCpuPercent: Math.round(idleCpuPerSecond * 1000) / 10,
          sippConcurrencyLimit: CONCURRENCY_LIMIT,
          note: 'sipp and the recorder share the machine; CPU per call is the per-core figure, wall-clock rates depend on the neighbours',
          targets: { callsPerSecondPerCore: 1000, p99MsAt500CallsPerSecond: 5 },
          summary: {
            bestCallsPerSecondPerCore: bestPerCore,
            p99MsAt500CallsPerSecond: half?.inviteTo200Ms.p99 ?? null,
            meetsPerCoreTarget: bestPerCore >= 1000,
            meetsLatencyTarget:
              half?.inviteTo200Ms.p99 !== null && (half?.inviteTo200Ms.p99 ?? Infinity) <= 5,
          },
          steps,
        },
        null,
        2,
      ),
    );
  } finally {
    recorder.kill('SIGTERM');
    await new Promise((r) => recorder.once('exit', r));
    await rm(recordingDir, { recursive: true, force: true });
  }
}

await main();
