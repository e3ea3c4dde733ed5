/**
 * Failover benchmark (DESIGN.md §8): two real recorder binaries share a real redis-server and one RECORDING_DIR;
 * N calls (1, 100, 1000) are set up on A, A is killed with SIGKILL, and once its lease and heartbeat have lapsed
 * every SRC sends its re-INVITE to B at once (the worst case: a whole pod's calls failing over together) and starts
 * its media to B's ports as soon as the 200 arrives. Prints JSON per N:
 * - re-INVITE sent → 200 from B (client clock), and → B's first RTP packet of the call (the media worker's arrival
 *   time, from B's "first packet after takeover" log; same host, same clock);
 * - B's own figures: re-INVITE received → takeover done, and → first packet (target ≤ 50 ms);
 * - Redis commands and bytes per call over the call's life: A's (create, saves, lease renewals, before the kill)
 *   and B's (takeover, saves, renewals, end, release; B's idle heartbeats and sweeps subtracted), from /metrics;
 * - how long B took to finalise (assemble) the N recordings after their BYEs.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/failover.js [counts…]
 */
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverSrc, parseAnswer } from '../test/support/failover/failover-src.js';
import { RedisServer } from '../test/support/redis-server.js';
import { startRecorder, type RecorderProcess } from '../test/support/recorder-process.js';

const LEASE = '3s';
const HOLD_ON_A_MS = 4000;
/** Lease (3 s) and heartbeat TTL (3 × 1 s) have both lapsed after this. */
const DEATH_NOTICED_MS = 3500;
const SETUP_BATCH = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stats(values: number[]): { p50: number; p90: number; p99: number; max: number; n: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN) * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), n: s.length };
}

async function metric(r: RecorderProcess, name: string): Promise<number> {
  const { body } = await r.http('/metrics');
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(String(body));
  return m ? Number(m[1]) : 0;
}

async function storeCounters(r: RecorderProcess): Promise<{ commands: number; bytes: number }> {
  return {
    commands: await metric(r, 'siprec_store_commands'),
    bytes: await metric(r, 'siprec_store_bytes_sent'),
  };
}

async function run(calls: number): Promise<Record<string, unknown>> {
  const redis = await RedisServer.start();
  const dir = await mkdtemp(join(tmpdir(), 'bench-failover-'));
  const common = { REDIS_URL: redis.url, RECORDING_DIR: dir, SESSION_LEASE: LEASE, LOG_LEVEL: 'info' };
  const a = await startRecorder({
    ...common,
    RECORDER_ID: 'a',
    RTP_PORT_MIN: '20000',
    RTP_PORT_MAX: '24999',
  });
  const b = await startRecorder({
    ...common,
    RECORDER_ID: 'b',
    RTP_PORT_MIN: '25000',
    RTP_PORT_MAX: '29999',
  });
  const rtp = createSocket('udp4');
  await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r));
  const srcs: FailoverSrc[] = [];
  try {
    for (let i = 0; i < calls; i += SETUP_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(SETUP_BATCH, calls - i) }, async () => {
          const src = await FailoverSrc.open();
          const ok = await src.invite(a.sipPort);
          if (ok.status !== 200) throw new Error(`INVITE to A answered ${ok.raw.split('\r\n', 1)[0]}`);
          return src;
        }),
      );
      srcs.push(...batch);
    }
    await sleep(HOLD_ON_A_MS);
    const onA = await storeCounters(a);
    await a.kill();
    await sleep(DEATH_NOTICED_MS);
    const bIdle0 = await storeCounters(b);
    const idleStart = Date.now();
    await sleep(1000);
    const bIdle1 = await storeCounters(b);
    const idleRate = (bIdle1.commands - bIdle0.commands) / (Date.now() - idleStart);
    const idleBytesRate = (bIdle1.bytes - bIdle0.bytes) / (Date.now() - idleStart);
    const bBefore = bIdle1;
    const bStart = Date.now();

    const sentAt = new Map<string, number>();
    const toOk: number[] = [];
    let failures = 0;
    /** Why: the final status, or `no answer` when the SRC gave up retransmitting (8 s). */
    const failedBy: Record<string, number> = {};
    const packet = Buffer.alloc(172, 0xff);
    packet[0] = 0x80;
    packet[1] = 0; // PCMU, as offered
    await Promise.all(
      srcs.map(async (src, i) => {
        const t0 = Date.now();
        sentAt.set(src.callId, t0);
        const ok = await src.reinvite(b.sipPort).catch(() => undefined);
        if (!ok || ok.status !== 200) {
          failures++;
          const why = ok ? String(ok.status) : 'no answer';
          failedBy[why] = (failedBy[why] ?? 0) + 1;
          return;
        }
        toOk.push(Date.now() - t0);
        const ports = parseAnswer(ok.body).media.map((m) => m.port);
        for (let k = 0; k < 5; k++) {
          for (const [s, port] of ports.entries()) {
            packet.writeUInt16BE((1000 + k) & 0xffff, 2);
            packet.writeUInt32BE(160 * (1000 + k), 4);
            packet.writeUInt32BE(0x5000 + i * 4 + s, 8);
            rtp.send(packet, port, '127.0.0.1');
          }
          await sleep(20);
        }
      }),
    );
    // Liveness reports (with the exact arrival times) come about once a second.
    await sleep(2500);
    const takeover = new Map<string, { receivedAt: number; takeoverMs: number }>();
    const phaseLists: Record<string, number[]> = { foundMs: [], leasedMs: [], mediaMs: [] };
    const first = new Map<string, number>();
    for (const l of b.logs) {
      const callId = typeof l.callId === 'string' ? l.callId : '';
      if (l.msg === 'session taken over') {
        takeover.set(callId, { receivedAt: Number(l.receivedAt), takeoverMs: Number(l.takeoverMs) });
        for (const [k, v] of Object.entries(l)) {
          if (!k.endsWith('Ms') || k === 'takeoverMs' || typeof v !== 'number') continue;
          (phaseLists[k] ??= []).push(v);
        }
      }
      if (l.msg === 'first packet after takeover') {
        const at = Number(l.firstPacketAt);
        first.set(callId, Math.min(first.get(callId) ?? Infinity, at));
      }
    }
    // What B warned about or failed at during the takeovers (store timeouts, 503s, media worker errors…).
    const problems: Record<string, number> = {};
    for (const l of b.logs) {
      if (Number(l.level) < 40) continue;
      const key = `${String(l.msg)}${typeof l.err === 'string' ? `: ${l.err}` : ''}`.slice(0, 160);
      problems[key] = (problems[key] ?? 0) + 1;
    }
    const sentToFirst: number[] = [];
    const arrivedToFirst: number[] = [];
    const takeoverMs: number[] = [];
    for (const [callId, at] of first) {
      const sent = sentAt.get(callId);
      const t = takeover.get(callId);
      if (sent !== undefined) sentToFirst.push(at - sent);
      if (t) arrivedToFirst.push(at - t.receivedAt);
    }
    for (const t of takeover.values()) takeoverMs.push(t.takeoverMs);

    const byeStart = Date.now();
    await Promise.all(srcs.map((src) => src.bye(b.sipPort).catch(() => undefined)));
    const deadline = Date.now() + 120_000;
    let finals = 0;
    while (Date.now() < deadline) {
      finals = (await readdir(dir)).filter((f) => f.endsWith('.json')).length;
      if (finals >= calls) break;
      await sleep(100);
    }
    const finaliseMs = Date.now() - byeStart;
    await sleep(500);
    const bAfter = await storeCounters(b);
    const elapsed = Date.now() - bStart;
    const bCommands = Math.max(0, bAfter.commands - bBefore.commands - idleRate * elapsed);
    const bBytes = Math.max(0, bAfter.bytes - bBefore.bytes - idleBytesRate * elapsed);
    return {
      concurrentCalls: calls,
      failedReinvites: failures,
      failedBy,
      problemsAtB: problems,
      reinviteTo200Ms: stats(toOk),
      reinviteSentToFirstPacketMs: stats(sentToFirst),
      atRecorderB: {
        reinviteArrivedToFirstPacketMs: stats(arrivedToFirst),
        takeoverMs: stats(takeoverMs),
        /** Cumulative from arrival: session found in Redis, lease taken (fencing token), ports bound and configured. */
        phases: Object.fromEntries(Object.entries(phaseLists).map(([k, v]) => [k, stats(v)])),
        targetFirstPacketMs: 50,
      },
      redisPerCall: {
        recorderA: {
          commands: Math.round((onA.commands / calls) * 10) / 10,
          bytes: Math.round(onA.bytes / calls),
          callSecondsOnA: HOLD_ON_A_MS / 1000,
        },
        recorderB: {
          commands: Math.round((bCommands / calls) * 10) / 10,
          bytes: Math.round(bBytes / calls),
          idleCommandsPerSecond: Math.round(idleRate * 10_000) / 10,
        },
      },
      finalRecordings: finals,
      finaliseAfterByeMs: finaliseMs,
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    };
  } finally {
    for (const s of srcs) s.close();
    rtp.close();
    await a.kill();
    await b.kill();
    await redis.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

const counts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const results = [];
for (const n of counts.length > 0 ? counts : [1, 100, 1000]) results.push(await run(n));
process.stdout.write(
  JSON.stringify(
    {
      benchmark: 'failover',
      sessionLease: LEASE,
      note: 'SRC re-INVITEs sent together once the dead recorder lapsed; media to B right after its 200',
      results,
    },
    null,
    2,
  ) + '\n',
);
