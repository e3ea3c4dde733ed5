/**
 * Main-thread memory per active call (DESIGN.md §8: ≤ 64 KiB per call beyond a fixed base). Starts the real
 * recorder binary (in-memory store, no media timeout) and sets up N, then another N, long-lived two-stream SIPREC
 * calls with the call-setup benchmark's ~4 KB multipart INVITE (INVITE → 200 → ACK, no BYE, no RTP). After each
 * batch, and once the RFC 3261 transaction timers of the last batch have run out (`--settle`), the recorder writes
 * a heap snapshot (`--heapsnapshot-signal`, which collects garbage first); the difference between the snapshots
 * at N and 2N calls, divided by N, is what one active call keeps on the main thread. Prints JSON: heap per call
 * and the largest contributors by node type and constructor name.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/session-memory.js [--calls 500] [--settle 34] [--top 25] [--keep]
 *
 * `--keep` leaves the snapshots (and the recordings) in the directory it prints, to open in DevTools' Memory tab.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/recorder/src/main.js');
const SCENARIO = join(ROOT, 'test/fixtures/sipp/siprec-call-setup-4k.xml');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const CALLS = option('calls', 500);
/** Timer L (RFC 6026, 64·T1 = 32 s) keeps an accepted INVITE's server transaction; wait past it. */
const SETTLE_SECONDS = option('settle', 34);
const TOP = option('top', 25);
const KEEP = process.argv.includes('--keep');

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const template = ((): string => {
  const xml = readFileSync(SCENARIO, 'utf8');
  const cdata = /<send[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>/.exec(xml)?.[1];
  if (cdata === undefined) throw new Error(`no INVITE in ${SCENARIO}`);
  return cdata
    .replace(/^\s*\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n')
    .map((line) => line.trimStart())
    .join('\r\n');
})();

/** The scenario's INVITE for call `n`, as sipp would send it from `localPort`. */
function invite(n: number, sipPort: number, localPort: number): Buffer {
  const values: Record<string, string> = {
    remote_ip: '127.0.0.1',
    remote_port: String(sipPort),
    local_ip: '127.0.0.1',
    local_port: String(localPort),
    transport: 'UDP',
    branch: `z9hG4bK-mem-${n}`,
    call_number: String(n),
    call_id: `${n}-memory@127.0.0.1`,
    local_ip_type: '4',
    media_ip_type: '4',
    media_ip: '127.0.0.1',
    media_port: '6000',
    'media_port+2': '6002',
  };
  const text = `${template.replace(/\[([a-z_+0-9]+)\]/g, (whole, key: string) => values[key] ?? whole)}\r\n`;
  const bodyBytes = Buffer.byteLength(text.slice(text.indexOf('\r\n\r\n') + 4), 'utf8');
  return Buffer.from(text.replace('[len]', String(bodyBytes)), 'utf8');
}

/** A UDP SRC holding many calls: INVITE, wait for the 2xx, ACK with the recorder's To tag. */
class Src {
  readonly #socket: Socket = createSocket('udp4');
  readonly #waiting = new Map<string, (response: string) => void>();

  constructor(readonly sipPort: number) {
    this.#socket.on('message', (msg) => {
      const text = msg.toString('latin1');
      const callId = /^Call-ID:\s*(\S+)/im.exec(text)?.[1];
      const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
      if (callId !== undefined && status >= 200) this.#waiting.get(callId)?.(text);
    });
  }

  async open(): Promise<void> {
    await new Promise<void>((done) => this.#socket.bind(0, '127.0.0.1', done));
  }

  get port(): number {
    return this.#socket.address().port;
  }

  async call(n: number): Promise<boolean> {
    const callId = `${n}-memory@127.0.0.1`;
    const answered = new Promise<string | undefined>((done) => {
      const timer = setTimeout(() => done(undefined), 20_000);
      this.#waiting.set(callId, (response) => {
        clearTimeout(timer);
        done(response);
      });
    });
    this.#socket.send(invite(n, this.sipPort, this.port), this.sipPort, '127.0.0.1');
    const response = await answered;
    this.#waiting.delete(callId);
    if (response === undefined || !response.startsWith('SIP/2.0 200')) return false;
    const to = /^To:\s*(.*)$/im.exec(response)?.[1]?.trim() ?? '';
    const ack = [
      `ACK sip:srs@127.0.0.1:${this.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK-mem-ack-${n}`,
      `From: <sip:SRC@127.0.0.1:${this.port}>;tag=bench${n}`,
      `To: ${to}`,
      `Call-ID: ${callId}`,
      'CSeq: 1 ACK',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#socket.send(ack, this.sipPort, '127.0.0.1');
    return true;
  }

  close(): void {
    this.#socket.close();
  }
}

/** Self sizes of a snapshot's nodes, summed per `type:name` (objects by constructor, strings by kind). */
interface HeapSummary {
  readonly total: number;
  readonly groups: Map<string, { bytes: number; count: number }>;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function summarize(path: string): HeapSummary {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    const named = type === 'object' || type === 'closure' || type === 'hidden' || type === 'array';
    const key = named ? `${type}:${snap.strings[snap.nodes[i + nameAt]!]?.slice(0, 60)}` : type;
    const group = groups.get(key) ?? { bytes: 0, count: 0 };
    group.bytes += size;
    group.count++;
    groups.set(key, group);
  }
  return { total, groups };
}

async function heapSnapshot(recorder: ChildProcess, dir: string, httpPort: number): Promise<string> {
  const before = new Set(readdirSync(dir));
  recorder.kill('SIGUSR2');
  // The snapshot is written synchronously on the main thread: once it answers HTTP again, the file is complete.
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const fresh = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (fresh === undefined) continue;
    const ok = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return join(dir, fresh);
  }
}

async function setUp(src: Src, from: number, count: number): Promise<number> {
  let failures = 0;
  let next = from;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < from + count) if (!(await src.call(next++))) failures++;
    }),
  );
  return failures;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'session-memory-'));
  const [sipPort, httpPort] = [await freePort(), await freePort()];
  const recorder = spawn(
    process.execPath,
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${work}`, MAIN],
    {
      env: {
        PATH: process.env.PATH ?? '',
        SIP_HOST: '127.0.0.1',
        SIP_PORT: String(sipPort),
        HTTP_PORT: String(httpPort),
        ADVERTISE_ADDRESS: '127.0.0.1',
        RTP_PORT_MIN: '20000',
        RTP_PORT_MAX: '39999',
        RECORDING_DIR: join(work, 'recordings'),
        MEDIA_TIMEOUT: '0',
        LOG_LEVEL: 'warn',
        RECORDER_ID: 'bench',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const src = new Src(sipPort);
  try {
    for (const deadline = Date.now() + 15_000; ;) {
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (recorder.exitCode !== null || Date.now() > deadline) throw new Error('the recorder did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await src.open();
    // Warm-up batch (JIT, pools, first sidecar writes) so the first measured batch is not charged for it.
    let failures = await setUp(src, 1, 50);
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    failures += await setUp(src, 1000, CALLS);
    await settle();
    const first = summarize(await heapSnapshot(recorder, work, httpPort));
    failures += await setUp(src, 1000 + CALLS, CALLS);
    const earlySnapshot = summarize(await heapSnapshot(recorder, work, httpPort));
    await settle();
    const second = summarize(await heapSnapshot(recorder, work, httpPort));
    const perCall = (a: HeapSummary, b: HeapSummary): number => (b.total - a.total) / CALLS / 1024;
    const rows = [...second.groups]
      .map(([key, g]) => {
        const was = first.groups.get(key) ?? { bytes: 0, count: 0 };
        return {
          key,
          bytesPerCall: round((g.bytes - was.bytes) / CALLS, 0),
          countPerCall: round((g.count - was.count) / CALLS, 2),
        };
      })
      .sort((a, b) => b.bytesPerCall - a.bytesPerCall)
      .slice(0, TOP);
    console.log(
      JSON.stringify(
        {
          benchmark: 'session-memory',
          calls: CALLS,
          setupFailures: failures,
          settleSeconds: SETTLE_SECONDS,
          heapPerCallKiB: round(perCall(first, second)),
          heapPerCallBeforeTimersKiB: round(perCall(first, earlySnapshot)),
          top: rows,
          loadAverage: loadavg().map((l) => round(l, 2)),
        },
        null,
        2,
      ),
    );
  } finally {
    src.close();
    recorder.kill('SIGTERM');
    await new Promise((r) => recorder.once('exit', r));
    if (KEEP) console.error(`snapshots kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
