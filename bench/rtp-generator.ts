/**
 * RTP load generator for bench/media-load.ts, run as a separate process: sends one 20 ms G.711 μ-law packet per
 * stream every 20 ms (a 440 Hz tone, so the recordings can be checked), plain or SRTP-protected with the key of
 * the SRC's offer, for a fixed duration. Ticks are scheduled on an absolute 20 ms grid: a late tick is caught up
 * at once, so the rate stays right even when the machine is busy.
 *
 *   node dist/bench/rtp-generator.js <plan.json>
 *     → prints {"sent":[…],"failed":n,"lateTicks":n,"wallSeconds":s,"cpuSeconds":s}
 *
 * plan.json: { "durationMs": 10000, "host": "127.0.0.1",
 *              "streams": [{ "port": 20000, "ssrc": 1, "suite": "AES_CM_128_HMAC_SHA1_80", "keySalt": "<base64>" }] }
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { encodeUlaw } from '../recorder/src/media/codecs/g711.js';
import { buildRtpPacket } from '../recorder/src/media/rtp/rtp-header.js';
import { SrtpSession } from '../recorder/src/media/srtp/srtp-session.js';
import type { SrtpSuite } from '../recorder/src/media/srtp/srtp-suite.js';

interface PlanStream {
  readonly port: number;
  readonly ssrc: number;
  readonly suite?: SrtpSuite;
  readonly keySalt?: string;
}

interface Plan {
  readonly durationMs: number;
  readonly host: string;
  readonly streams: readonly PlanStream[];
}

const TICK_MS = 20;

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Plan;
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setSendBufferSize(4 * 1024 * 1024);
  const payloads = Array.from({ length: 50 }, (_, k) => {
    const p = Buffer.alloc(160);
    for (let i = 0; i < 160; i++)
      p[i] = encodeUlaw(Math.round(8000 * Math.sin((2 * Math.PI * 440 * (k * 160 + i)) / 8000)));
    return p;
  });
  const sessions = plan.streams.map((s) =>
    s.suite && s.keySalt
      ? new SrtpSession({ suite: s.suite, keySalt: Buffer.from(s.keySalt, 'base64') })
      : undefined,
  );
  // Counted when the kernel took the datagram (the send callback): a queue still in user space at the end is not
  // "sent", and the process waits for it to drain before closing.
  const sent = new Array<number>(plan.streams.length).fill(0);
  let pending = 0;
  let failed = 0;
  const ticks = Math.floor(plan.durationMs / TICK_MS);
  const start = performance.now();
  let lateTicks = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const due = start + tick * TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -TICK_MS) lateTicks++;
    const payload = payloads[tick % payloads.length]!;
    for (let i = 0; i < plan.streams.length; i++) {
      const s = plan.streams[i]!;
      const plain = buildRtpPacket(
        {
          payloadType: 0,
          sequenceNumber: tick & 0xffff,
          timestamp: (tick * 160) >>> 0,
          ssrc: s.ssrc,
          marker: tick === 0,
        },
        payload,
      );
      const packet = sessions[i]?.protectRtp(plain) ?? plain;
      pending++;
      socket.send(packet, s.port, plan.host, (err) => {
        pending--;
        if (err) failed++;
        else sent[i]!++;
      });
    }
  }
  const wallSeconds = (performance.now() - start) / 1000;
  while (pending > 0) await new Promise((r) => setTimeout(r, 10));
  socket.close();
  const usage = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({ sent, failed, lateTicks, wallSeconds, cpuSeconds: (usage.user + usage.system) / 1e6 }) +
      '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`rtp-generator: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
