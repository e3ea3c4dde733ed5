/**
 * Media load benchmark (DESIGN.md §8): N concurrent two-stream G.711 calls, set up through SIP against the real
 * recorder binary, media sent at 20 ms pacing by a separate generator process (bench/rtp-generator.ts), plain RTP
 * and then SRTP AES_CM_128_HMAC_SHA1_80, for increasing N. Prints JSON: per level the packet loss (generator's
 * sent vs the sidecars' received), the recorder's CPU (from /proc/<pid>/stat, all threads) — as cores used and
 * as calls per core from CPU time per packet, which a busy host does not distort —, its RSS per call beyond the
 * idle baseline, a correlation check of one recording, and per mode the largest N with ≤ 0.01 % loss. The
 * generator shares the machine, so its CPU and lateness are reported too.
 *
 * Memory is split to show where it goes: RSS per call once the calls are set up (before any media: sockets,
 * sessions, recordings), RSS per call at the end of the media (adds buffers in use and the garbage packets leave
 * between collections), and of that the main thread's V8 heap (SIP sessions) from the recorder's own metrics —
 * the rest is the media workers' heaps and native memory.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/media-load.js [--plain 100,200,400] [--srtp 100,200] [--seconds 10]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocateRtpRange, startRecorder, type RecorderProcess } from '../test/support/recorder-process.js';
import { SiprecSrc, type OfferStream } from '../test/support/media-engine/siprec-src.js';
import {
  readRecording,
  waitForSidecar,
  type MediaSidecar,
} from '../test/support/media-engine/recording-check.js';
import { compareAudio } from '../test/support/audio-compare.js';
import { encodeUlaw, ulawDecodeTable } from '../recorder/src/media/codecs/g711.js';

const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const CLK_TCK = 100;
const LOSS_TARGET_PERCENT = 0.01;
const GENERATOR = fileURLToPath(new URL('./rtp-generator.js', import.meta.url));

interface Options {
  readonly plain: number[];
  readonly srtp: number[];
  readonly seconds: number;
}

interface Level {
  mode: 'plain' | 'srtp';
  calls: number;
  setupFailures: number;
  packetsSent: number;
  packetsReceived: number;
  lossPercent: number;
  recorderCpuCores: number;
  recorderCpuSeconds: number;
  cpuPerCallPercentOfCore: number;
  callsPerCore: number;
  rssBaselineMiB: number;
  rssSetupPerCallKiB: number;
  rssPerCallKiB: number;
  mainHeapPerCallKiB: number;
  generatorCpuSeconds: number;
  generatorWallSeconds: number;
  generatorLateTicks: number;
  audioCorrelation: number | null;
  loadAverage: number[];
}

function parseArgs(argv: string[]): Options {
  const get = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const list = (s: string): number[] =>
    s === ''
      ? []
      : s
          .split(',')
          .map(Number)
          .filter((n) => n > 0);
  return {
    plain: list(get('plain', '100,200,400,600,800')),
    srtp: list(get('srtp', '100,200,400,600')),
    seconds: Number(get('seconds', '10')),
  };
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/** The recorder's main-thread V8 heap in use (KiB), from its Prometheus default metrics. */
async function mainHeapKiB(recorder: RecorderProcess): Promise<number> {
  const { body } = await recorder.http('/metrics');
  const text = typeof body === 'string' ? body : '';
  const value = /^siprec_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
  return value === undefined ? 0 : Number(value) / 1024;
}

async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

interface Call {
  readonly src: SiprecSrc;
  readonly ports: number[];
  readonly keys: (Buffer | undefined)[];
}

async function setUpCalls(
  recorder: RecorderProcess,
  n: number,
  srtp: boolean,
): Promise<{ calls: Call[]; failures: number }> {
  let failures = 0;
  const made = await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (): Promise<Call | undefined> => {
      const src = await SiprecSrc.open(recorder.sipPort);
      const keys = [0, 1].map(() => (srtp ? randomBytes(30) : undefined));
      const streams: OfferStream[] = keys.map((k, i) => ({
        codec: 'PCMU',
        label: String(i + 1),
        ...(k ? { srtp: { suite: SUITE, keySalt: k } } : {}),
      }));
      try {
        const { response, answer } = await src.invite(streams);
        if (response.status !== 200) throw new Error(`INVITE answered ${response.status}`);
        return { src, ports: answer.map((a) => a.port), keys };
      } catch {
        failures++;
        src.close();
        return undefined;
      }
    },
  );
  return { calls: made.filter((c): c is Call => c !== undefined), failures };
}

interface GeneratorResult {
  sent: number[];
  failed: number;
  lateTicks: number;
  wallSeconds: number;
  cpuSeconds: number;
}

function runGenerator(planPath: string): Promise<GeneratorResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GENERATOR, planPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`generator exited with ${code}`));
      else resolve(JSON.parse(out) as GeneratorResult);
    });
  });
}

/** The tone the generator sends, decoded: what a recording of it must correlate with. */
function generatorReference(seconds: number): Int16Array {
  const table = ulawDecodeTable();
  const out = new Int16Array(seconds * 8000);
  for (let i = 0; i < out.length; i++)
    out[i] = table[encodeUlaw(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))]!;
  return out;
}

async function runLevel(mode: 'plain' | 'srtp', n: number, seconds: number): Promise<Level> {
  const range = allocateRtpRange(n * 4 + 400);
  const recorder = await startRecorder({
    RTP_PORT_MIN: String(range.min),
    RTP_PORT_MAX: String(range.max),
    MEDIA_TIMEOUT: '0',
  });
  const work = mkdtempSync(join(tmpdir(), 'media-load-'));
  const pid = recorder.child.pid!;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const rssBase = rssKiB(pid);
    const heapBase = await mainHeapKiB(recorder);
    const { calls, failures } = await setUpCalls(recorder, n, mode === 'srtp');
    const rssSetup = rssKiB(pid);
    const plan = {
      durationMs: seconds * 1000,
      host: '127.0.0.1',
      streams: calls.flatMap((c, ci) =>
        c.ports.map((port, si) => ({
          port,
          ssrc: ci * 2 + si + 1,
          ...(c.keys[si] ? { suite: SUITE, keySalt: c.keys[si].toString('base64') } : {}),
        })),
      ),
    };
    const planPath = join(work, 'plan.json');
    writeFileSync(planPath, JSON.stringify(plan));
    // CPU from the generator's start until every packet is processed (it may fall behind and catch up on a busy
    // host, so a fixed window would miss work); RSS at the end of the media, every call's buffers in use.
    const cpu0 = cpuTicks(pid);
    const generated = await runGenerator(planPath);
    const rss = rssKiB(pid);
    const heap = await mainHeapKiB(recorder);
    await new Promise((r) => setTimeout(r, 500));
    const cpu1 = cpuTicks(pid);
    await pool(calls, 16, async (c) => {
      await c.src.bye().catch(() => undefined);
      c.src.close();
    });
    const sidecars: MediaSidecar[] = await pool(calls, 16, (c) =>
      waitForSidecar(recorder.recordingDir, c.src.callId, 60_000),
    );
    const received = sidecars.reduce(
      (sum, s) => sum + s.streams.reduce((a, st) => a + st.packetsReceived, 0),
      0,
    );
    const sent = generated.sent.reduce((a, b) => a + b, 0);
    let audioCorrelation: number | null = null;
    const first = sidecars[0];
    if (first?.recording && first.streams[0]?.firstPacketAt) {
      // From the first packet on (the call was set up before the generator started), the tone and nothing else.
      const wav = readRecording(recorder.recordingDir, first);
      const from = Math.round(
        ((Date.parse(first.streams[0].firstPacketAt) - Date.parse(first.startedAt)) * 8000) / 1000,
      );
      const recorded = wav.channels[0]!.subarray(Math.max(0, from - 400), from + (seconds - 1) * 8000);
      audioCorrelation = compareAudio(generatorReference(seconds - 1), recorded, 8000, {
        maxLagMs: 60,
      }).correlation;
    }
    const cpuSeconds = (cpu1 - cpu0) / CLK_TCK;
    const cores = cpuSeconds / (generated.wallSeconds + 0.5);
    // Per-core capacity from CPU time per packet: robust to a neighbour-loaded host and a late generator.
    const cpuPerCallSecond = received > 0 ? (cpuSeconds / received) * 100 : 0;
    return {
      mode,
      calls: calls.length,
      setupFailures: failures,
      packetsSent: sent,
      packetsReceived: received,
      lossPercent: sent > 0 ? Math.max(0, ((sent - received) / sent) * 100) : 0,
      recorderCpuCores: round(cores, 3),
      recorderCpuSeconds: round(cpuSeconds, 2),
      cpuPerCallPercentOfCore: round(cpuPerCallSecond * 100, 4),
      callsPerCore: cpuPerCallSecond > 0 ? Math.round(1 / cpuPerCallSecond) : 0,
      rssBaselineMiB: round(rssBase / 1024, 1),
      rssSetupPerCallKiB: round((rssSetup - rssBase) / Math.max(1, calls.length), 1),
      rssPerCallKiB: round((rss - rssBase) / Math.max(1, calls.length), 1),
      mainHeapPerCallKiB: round((heap - heapBase) / Math.max(1, calls.length), 1),
      generatorCpuSeconds: round(generated.cpuSeconds, 2),
      generatorWallSeconds: round(generated.wallSeconds, 2),
      generatorLateTicks: generated.lateTicks,
      audioCorrelation: audioCorrelation === null ? null : round(audioCorrelation, 5),
      loadAverage: loadavg().map((l) => round(l, 2)),
    };
  } finally {
    await recorder.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(recorder.recordingDir, { recursive: true, force: true });
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const levels: Level[] = [];
  for (const [mode, ns] of [
    ['plain', options.plain],
    ['srtp', options.srtp],
  ] as const) {
    for (const n of ns) {
      const level = await runLevel(mode, n, options.seconds);
      levels.push(level);
      process.stderr.write(`${JSON.stringify(level)}\n`);
    }
  }
  const summary = (mode: 'plain' | 'srtp'): Record<string, number | null> => {
    const ok = levels.filter(
      (l) => l.mode === mode && l.setupFailures === 0 && l.lossPercent <= LOSS_TARGET_PERCENT,
    );
    const best = ok.sort((a, b) => b.calls - a.calls)[0];
    return {
      largestCallsWithinLossTarget: best?.calls ?? null,
      recorderCpuCoresThere: best?.recorderCpuCores ?? null,
      callsPerCoreThere: best?.callsPerCore ?? null,
      rssPerCallKiBThere: best?.rssPerCallKiB ?? null,
    };
  };
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'media-load',
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, loadAverageAtEnd: loadavg() },
        seconds: options.seconds,
        lossTargetPercent: LOSS_TARGET_PERCENT,
        targets: { plainCallsPerCore: 800, srtpCallsPerCore: 550, kibPerCall: 64 },
        plain: summary('plain'),
        srtp: summary('srtp'),
        levels,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`media-load: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
