/**
 * Micro-benchmark of the SRTP receive hot path: `SrtpSession.unprotectRtp` on 172-byte G.711 packets (12-byte
 * header, 20 ms of PCMU) for every suite, single thread. Prints JSON.
 *
 * Two figures per suite: one stream (one session, its packets in a row: the best case for caches), and
 * `interleaved`: 200 streams, each with its own session, their packets arriving in turn as in a media worker —
 * every packet then meets a different key schedule and replay state.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/srtp-unprotect.js [seconds-per-suite]
 *
 * The recorder needs 550 SRTP calls × 2 streams × 50 packets/s = 55 000 packets/s per core (DESIGN.md §8);
 * `headroom` is packets per CPU-second over that (wall-clock rates are also printed, but on a shared machine
 * they measure the neighbours). Packets are protected beforehand (by our own protectRtp, which
 * the unit tests check against the RFC vectors and real ffmpeg/GStreamer), each is unprotected once, in place.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { buildRtpPacket } from '../recorder/src/media/rtp/rtp-header.js';
import { SrtpSession } from '../recorder/src/media/srtp/srtp-session.js';
import type { SrtpSuite } from '../recorder/src/media/srtp/srtp-suite.js';

const SUITES: [SrtpSuite, number][] = [
  ['AES_CM_128_HMAC_SHA1_80', 30],
  ['AES_CM_128_HMAC_SHA1_32', 30],
  ['AEAD_AES_128_GCM', 28],
  ['AEAD_AES_256_GCM', 44],
];
const REQUIRED_PER_CORE = 550 * 2 * 50;
const POOL = 20_000;
const INTERLEAVED_STREAMS = 200;
const seconds = Number(process.argv[2] ?? 2);

interface Measurement {
  /** Packets per wall-clock second (depends on what else the machine runs). */
  packetsPerSecond: number;
  /** Packets per second of CPU time consumed by this process: the per-core figure, robust to a busy machine. */
  packetsPerCpuSecond: number;
  nsPerPacket: number;
}

function measure(suite: SrtpSuite, keyLength: number, streams: number): Measurement {
  const keySalts = Array.from({ length: streams }, () => randomBytes(keyLength));
  const senders = keySalts.map((keySalt) => new SrtpSession({ suite, keySalt }));
  const payload = randomBytes(160);
  // One pool of protected packets, consecutive sequence numbers per stream (crossing a ROC wrap), the streams in
  // turn, copied for each pass.
  const wire = Array.from({ length: POOL }, (_, i) => {
    const stream = i % streams;
    const n = Math.floor(i / streams);
    return senders[stream]!.protectRtp(
      buildRtpPacket(
        { payloadType: 0, sequenceNumber: (65_500 + n) & 0xffff, timestamp: n * 160, ssrc: 0x1234 + stream },
        payload,
      ),
    );
  });
  const work = wire.map((p) => Buffer.alloc(p.length));
  let packets = 0;
  let elapsedNs = 0n;
  let cpuMicros = 0;
  const deadline = Date.now() + seconds * 1000;
  let passes = 0;
  while (Date.now() < deadline || passes < 2) {
    for (let i = 0; i < POOL; i++) wire[i]!.copy(work[i]!);
    const receivers = keySalts.map((keySalt) => new SrtpSession({ suite, keySalt }));
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < POOL; i++) {
      if (receivers[i % streams]!.unprotectRtp(work[i]!) !== 172) {
        throw new Error(`${suite}: packet ${i} did not verify`);
      }
    }
    const spent = process.hrtime.bigint() - start;
    const cpu = process.cpuUsage(cpuStart);
    // The first pass warms up the JIT and is not counted.
    if (passes > 0) {
      elapsedNs += spent;
      cpuMicros += cpu.user + cpu.system;
      packets += POOL;
    }
    passes++;
  }
  const ns = Number(elapsedNs) / packets;
  return {
    packetsPerSecond: Math.round(1e9 / ns),
    packetsPerCpuSecond: Math.round((packets * 1e6) / cpuMicros),
    nsPerPacket: Math.round(ns),
  };
}

const headroom = (m: Measurement): number =>
  Math.round((m.packetsPerCpuSecond / REQUIRED_PER_CORE) * 10) / 10;
const results: Record<
  string,
  Measurement & { headroom: number; interleaved: Measurement & { headroom: number } }
> = {};
for (const [suite, keyLength] of SUITES) {
  const one = measure(suite, keyLength, 1);
  const interleaved = measure(suite, keyLength, INTERLEAVED_STREAMS);
  results[suite] = {
    ...one,
    headroom: headroom(one),
    interleaved: { ...interleaved, headroom: headroom(interleaved) },
  };
}
console.log(
  JSON.stringify(
    {
      benchmark: 'srtp-unprotect',
      packetBytes: 172,
      interleavedStreams: INTERLEAVED_STREAMS,
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      loadAverage1m: loadavg()[0],
      requiredPacketsPerSecondPerCore: REQUIRED_PER_CORE,
      suites: results,
    },
    null,
    2,
  ),
);
