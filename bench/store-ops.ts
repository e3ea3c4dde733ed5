/**
 * Micro-benchmark of the Redis session store over a typical call's life — create, two metadata updates
 * (RFC 7866 UPDATE), a re-INVITE, end (final state + lease release) — for 1, 100 and 1000 concurrent calls against
 * a real redis-server started on a free port. Prints JSON: Redis commands and bytes sent per call (counted at the
 * client, see `command-meter.ts`), p50/p99 write latency (save() call → resolution), and the lease-renewal cost per
 * minute of call. SRTP keys and SDP are encrypted (STORE_ENCRYPTION_KEY set), as in production.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/store-ops.js
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { EncryptionKey } from '../recorder/src/store/encryption-key.js';
import { RedisSessionStore } from '../recorder/src/store/redis-session-store.js';
import type { WriteOutcome } from '../recorder/src/store/session-store.js';
import type { StoredSession } from '../recorder/src/store/stored-session.js';
import { realisticSession } from '../test/integration/recorder/store/realistic-session.js';
import { RedisServer } from '../test/support/redis-server.js';

const LEASE_MS = 10_000;
const RENEW_EVERY_MS = LEASE_MS / 3;

interface Row {
  concurrentCalls: number;
  encrypted: boolean;
  commandsPerCall: number;
  bytesPerCall: number;
  bytesPerStep: Record<string, number>;
  writeLatencyMs: { p50: number; p99: number; max: number };
  /** Write outcomes by status: anything but `written` means the store was not keeping up. */
  outcomes: Record<string, number>;
  storeErrors: number;
  /** Recorder-side CPU (encode, seal, ioredis) per call: robust to a loaded machine, unlike latency. */
  cpuMsPerCall: number;
  wallMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

/** The states a call goes through, in order. */
function callStates(s0: StoredSession): [string, StoredSession][] {
  const doc = s0.metadata.raw[0]?.document ?? '';
  const upd = (n: number, at: number): StoredSession['metadata'] => ({
    ...s0.metadata,
    raw: [
      ...s0.metadata.raw,
      ...Array.from({ length: n }, (_, i) => ({
        receivedAt: new Date(at + i).toISOString(),
        method: 'UPDATE',
        document: doc.replace('complete', 'partial'),
      })),
    ],
  });
  const m1 = {
    ...s0,
    lastSignalAt: s0.startedAt + 20_000,
    dialog: { ...s0.dialog, remoteCSeq: s0.dialog.remoteCSeq + 1 },
    metadata: upd(1, s0.startedAt + 20_000),
    counters: { ...s0.counters, updates: 1, metadataUpdates: 1 },
  };
  const m2 = {
    ...m1,
    lastSignalAt: s0.startedAt + 40_000,
    dialog: { ...s0.dialog, remoteCSeq: s0.dialog.remoteCSeq + 2 },
    metadata: upd(2, s0.startedAt + 20_000),
    counters: { ...m1.counters, updates: 2, metadataUpdates: 2 },
  };
  const reinvite: StoredSession = {
    ...m2,
    lastSignalAt: s0.startedAt + 60_000,
    dialog: { ...m2.dialog, remoteCSeq: s0.dialog.remoteCSeq + 3 },
    sdp: { ...m2.sdp, offerVersion: '2', answerVersion: 2 },
    counters: { ...m2.counters, reinvites: 1 },
  };
  const ended: StoredSession = {
    ...reinvite,
    state: 'ended',
    lastSignalAt: s0.startedAt + 120_000,
    endedAt: s0.startedAt + 120_000,
    endReason: 'bye',
    segments: reinvite.segments.map((seg) => ({ ...seg, end: s0.startedAt + 120_000 })),
  };
  return [
    ['metadataUpdate1', m1],
    ['metadataUpdate2', m2],
    ['reinvite', reinvite],
    ['end', ended],
  ];
}

async function run(url: string, calls: number, encrypted: boolean): Promise<Row> {
  const store = new RedisSessionStore({
    url,
    ...(encrypted ? { encryptionKey: EncryptionKey.fromBase64(randomBytes(32).toString('base64')) } : {}),
  });
  while (!store.health().ok) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 200)); // let the connection load its scripts (not a per-call cost)
  const sessions = Array.from({ length: calls }, () => {
    const id = randomUUID();
    return realisticSession(id, `${id}@198.51.100.20`);
  });
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const timed = async (p: () => Promise<WriteOutcome>): Promise<WriteOutcome> => {
    const t0 = performance.now();
    const out = await p();
    latencies.push(performance.now() - t0);
    outcomes[out.status] = (outcomes[out.status] ?? 0) + 1;
    return out;
  };
  const bytesPerStep: Record<string, number> = {};
  let last = store.stats();
  const mark = (step: string): void => {
    const now = store.stats();
    bytesPerStep[step] = round((now.bytesSent - last.bytesSent) / calls, 0);
    last = now;
  };
  const start = store.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(sessions.map((s) => timed(() => store.create(s, 'bench-recorder', LEASE_MS))));
  mark('create');
  const states = sessions.map(callStates);
  for (let step = 0; step < 4; step++) {
    await Promise.all(
      states.flatMap((st) => {
        const state = st[step]?.[1];
        return state === undefined ? [] : [timed(() => store.save(state, 'bench-recorder', 1))];
      }),
    );
    mark(states[0]?.[step]?.[0] ?? String(step));
  }
  await Promise.all(sessions.map((s) => store.release(s.recordingId, 'bench-recorder', 1)));
  mark('release');
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const end = store.stats();
  await store.close();
  latencies.sort((a, b) => a - b);
  return {
    concurrentCalls: calls,
    encrypted,
    commandsPerCall: round((end.commands - start.commands) / calls, 2),
    bytesPerCall: round((end.bytesSent - start.bytesSent) / calls, 0),
    bytesPerStep,
    writeLatencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? 0),
    },
    outcomes,
    storeErrors: end.errors - start.errors,
    wallMs: round(wallMs, 1),
    cpuMsPerCall: round((cpu.user + cpu.system) / 1000 / calls),
  };
}

/** Commands and bytes of keeping one call's lease for a minute (a renewal every lease/3). */
async function renewCost(url: string): Promise<{ commandsPerMinute: number; bytesPerMinute: number }> {
  const store = new RedisSessionStore({ url });
  while (!store.health().ok) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 200));
  const s = realisticSession(randomUUID());
  await store.create(s, 'bench-recorder', LEASE_MS);
  const before = store.stats();
  await store.renew(s.recordingId, 'bench-recorder', 1, LEASE_MS);
  const after = store.stats();
  await store.close();
  const perMinute = 60_000 / RENEW_EVERY_MS;
  return {
    commandsPerMinute: round((after.commands - before.commands) * perMinute, 1),
    bytesPerMinute: round((after.bytesSent - before.bytesSent) * perMinute, 0),
  };
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const admin = new Redis(server.url);
  try {
    const rows: Row[] = [];
    for (const calls of [1, 100, 1000]) {
      await admin.flushall();
      rows.push(await run(server.url, calls, true));
    }
    await admin.flushall();
    rows.push(await run(server.url, 100, false));
    const renew = await renewCost(server.url);
    const info = await admin.info('memory');
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'store-ops',
          redis: (await admin.info('server')).match(/redis_version:(\S+)/)?.[1] ?? 'unknown',
          lifecycle: 'create, 2 metadata UPDATEs, re-INVITE, end + release',
          leaseMs: LEASE_MS,
          rows,
          leaseRenewal: { everyMs: RENEW_EVERY_MS, ...renew },
          redisUsedMemory: info.match(/used_memory_human:(\S+)/)?.[1] ?? 'unknown',
          loadavg: loadavg().map((l) => round(l, 2)),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    admin.disconnect();
    await server.cleanup();
  }
}

await main();
