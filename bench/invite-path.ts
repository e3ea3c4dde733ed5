/**
 * In-process micro-benchmark of the SIPREC INVITE path (DESIGN.md §8): the call-setup benchmark's 4.3 KB multipart
 * INVITE (test/fixtures/sipp/siprec-call-setup-4k.xml, sipp keywords filled in) taken through every CPU step the
 * recorder's main thread does before the 200 OK leaves, without sockets, workers or files:
 *
 *   parse    SIP message parse (parseSipMessage)
 *   core     what the SIP core does per request: parse, top Via stamped (§18.2.1), transaction key (§17.2.3),
 *            response target (§18.2.2), From/To tags, 100 Trying built and serialized
 *   body     multipart split, SDP and metadata located, SIPREC classification
 *   metadata RFC 7865 document parsed, merged into the (empty) session metadata, streams mapped to participants
 *   sdp      SDP offer parse
 *   answer   offer negotiation (codec, ports from an in-memory source), SDP answer, 200 OK built and serialized
 *   transactions  a whole call through the SIP core (INVITE → 100, 200 → ACK → BYE → 200; transactions, timers,
 *            2xx retransmission and ACK matching) with a TU that answers at once and an in-memory transport
 *
 * Prints JSON: CPU µs per INVITE (process.cpuUsage, user + system — steady on a loaded machine, unlike wall time)
 * for the whole path and each step, the best and median of several rounds, and bytes allocated per INVITE
 * (V8's sampling heap profiler with collected objects included: an estimate, good to a few per cent).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/invite-path.js [--iterations 2000] [--rounds 7]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

import { SipCore } from '../recorder/src/sip/core/sip-core.js';
import { responseTarget, stampTopVia } from '../recorder/src/sip/core/via-stamp.js';
import { getTag } from '../recorder/src/sip/message/name-addr.js';
import { createResponse } from '../recorder/src/sip/message/response.js';
import { parseSipMessage } from '../recorder/src/sip/message/parser.js';
import { newTag } from '../recorder/src/sip/message/random.js';
import { serializeSipMessage } from '../recorder/src/sip/message/serializer.js';
import type { SipRequest } from '../recorder/src/sip/message/types.js';
import { serverTransactionKey } from '../recorder/src/sip/transaction/transaction-key.js';
import type { MessageSource } from '../recorder/src/sip/transport/types.js';
import { classifyInvite, extractSiprecBody } from '../recorder/src/siprec/body/index.js';
import {
  mapStreamsToParticipants,
  mergeMetadata,
  parseMetadata,
} from '../recorder/src/siprec/metadata/index.js';
import { buildAnswer, parseOffer, type SdpOffer } from '../recorder/src/siprec/sdp/index.js';
import { negotiateOffer } from '../recorder/src/siprec/session/media-negotiator.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCENARIO = join(ROOT, 'test/fixtures/sipp/siprec-call-setup-4k.xml');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const ITERATIONS = option('iterations', 2000);
const ROUNDS = option('rounds', 7);

/**
 * The scenario's first message as sipp sends it for call `n`: lines left-trimmed, CRLF, keywords filled, [len]
 * computed. Each call has its own branch, tag and Call-ID, as on the wire, so nothing is cached across calls.
 */
function benchInvite(n: number): Buffer {
  const xml = readFileSync(SCENARIO, 'utf8');
  const cdata = /<send[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>/.exec(xml)?.[1];
  if (cdata === undefined) throw new Error(`no INVITE in ${SCENARIO}`);
  const values: Record<string, string> = {
    remote_ip: '127.0.0.1',
    remote_port: '5060',
    local_ip: '127.0.0.1',
    local_port: '5070',
    transport: 'UDP',
    branch: `z9hG4bK-bench-${n}`,
    call_number: String(n),
    call_id: `${n}-bench@127.0.0.1`,
    local_ip_type: '4',
    media_ip_type: '4',
    media_ip: '127.0.0.1',
    media_port: '6000',
    'media_port+2': '6002',
  };
  const lines = cdata
    .replace(/^\s*\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n')
    .map((line) =>
      line.trimStart().replace(/\[([a-z_+0-9]+)\]/g, (whole, key: string) => values[key] ?? whole),
    );
  const text = `${lines.join('\r\n')}\r\n`;
  const split = text.indexOf('\r\n\r\n') + 4;
  const bodyBytes = Buffer.byteLength(text.slice(split), 'utf8');
  return Buffer.from(text.replace('[len]', String(bodyBytes)), 'utf8');
}

/** More distinct INVITEs than any memo of the message path keeps. */
const INVITES = Array.from({ length: 4096 }, (_, n) => benchInvite(n + 1));
let nextInvite = 0;
const PORTS = {
  next: 20000,
  allocate(): Promise<{ rtpPort: number; rtcpPort: number }> {
    const rtpPort = (this.next = this.next >= 60000 ? 20000 : this.next + 2);
    return Promise.resolve({ rtpPort, rtcpPort: rtpPort + 1 });
  },
  release(): void {},
};
const NEGOTIATION = { srtpPolicy: 'optional' as const, ports: PORTS, random: (n: number) => randomBytes(n) };

const SOURCE: MessageSource = {
  protocol: 'udp',
  remoteAddress: '127.0.0.1',
  remotePort: 5070,
  localAddress: '127.0.0.1',
  localPort: 5060,
};

/* The steps, each taking the previous one's output, so every step can also be timed alone on fixed input. */
function parse(): SipRequest {
  const msg = parseSipMessage(INVITES[nextInvite++ % INVITES.length]!);
  if (msg.type !== 'request') throw new Error('not a request');
  return msg;
}
function core(): Buffer {
  const request = parse();
  stampTopVia(request, SOURCE);
  serverTransactionKey(request);
  responseTarget(request, SOURCE);
  const h = request.headers;
  // The merge key (§8.2.2.2), the local tag and the dialog id each read the tags again.
  for (let i = 0; i < 3; i++) getTag(h.get('From')) ?? getTag(h.get('To'));
  return serializeSipMessage(createResponse(request, 100));
}
function body(request: SipRequest): { sdp: string; metadata: string } {
  const h = request.headers;
  const found = extractSiprecBody(h.get('Content-Type'), request.body, h.get('Content-Disposition'));
  classifyInvite({ requireTags: h.getAll('Require'), contactValue: h.get('Contact'), body: found });
  if (found.sdp === undefined || found.metadata === undefined) throw new Error('SDP or metadata missing');
  return { sdp: found.sdp, metadata: found.metadata.raw };
}
function metadata(raw: string, labels: (string | undefined)[]): void {
  const parsed = parseMetadata(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  const merged = mergeMetadata(undefined, parsed.metadata);
  mapStreamsToParticipants(merged, labels);
}
function sdp(text: string): SdpOffer {
  const parsed = parseOffer(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.offer;
}
async function answer(request: SipRequest, offer: SdpOffer): Promise<Buffer> {
  const negotiation = await negotiateOffer(offer, [], NEGOTIATION);
  const answerSdp = buildAnswer(offer, negotiation.answer, {
    address: '127.0.0.1',
    sessionId: '42',
    version: 1,
  });
  const response = createResponse(request, 200, undefined, {
    toTag: 'bench-tag',
    headers: [
      ['Contact', '<sip:srs@127.0.0.1:5060>'],
      ['Supported', 'siprec, timer, replaces'],
    ],
    body: Buffer.from(answerSdp),
    contentType: 'application/sdp',
  });
  return serializeSipMessage(response);
}
async function whole(): Promise<void> {
  const request = parse();
  const parts = body(request);
  const offer = sdp(parts.sdp);
  metadata(
    parts.metadata,
    offer.media.map((m) => m.label),
  );
  await answer(request, offer);
}

/*
 * The whole signalling of a call through the real SIP core (transactions, their timers, the 2xx retransmission
 * and ACK matching, §17 and §13.3.1.4), with a transaction user that answers at once and an in-memory transport:
 * INVITE → 100, 200 → ACK → BYE → 200. What the core costs around the SIPREC work above.
 */
const ANSWER_SDP = Buffer.from('v=0\r\no=- 42 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n');
/** Constant random bytes: every call gets the same To tag, so the ACKs and BYEs can be written beforehand. */
const sipCore = new SipCore(
  {
    transport: { send: () => Promise.resolve() },
    random: (n) => Buffer.alloc(n, 7),
    viaHost: '127.0.0.1',
    viaPort: 5060,
    userAgent: 'bench',
  },
  {
    onRequest(incoming) {
      if (incoming.request.method !== 'INVITE') return incoming.respond(200);
      incoming.respond(200, {
        headers: [['Contact', '<sip:srs@127.0.0.1:5060>']],
        body: ANSWER_SDP,
        contentType: 'application/sdp',
      });
    },
    onAck: () => undefined,
    onCancel: () => undefined,
  },
);
const LOCAL_TAG = newTag(() => Buffer.alloc(16, 7));

/** The ACK and BYE the SRC sends for INVITE `n` (CSeq 1 then 2, our To tag). */
function inDialog(invite: Buffer, method: 'ACK' | 'BYE'): Buffer {
  const msg = parseSipMessage(invite);
  const h = msg.headers;
  const n = h.get('Call-ID') ?? '';
  const lines = [
    `${method} sip:srs@127.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-${method}-${n}`,
    `From: ${h.get('From') ?? ''}`,
    `To: ${h.get('To') ?? ''};tag=${LOCAL_TAG}`,
    `Call-ID: ${n}`,
    `CSeq: ${method === 'ACK' ? 1 : 2} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}
const ACKS = INVITES.map((invite) => inDialog(invite, 'ACK'));
const BYES = INVITES.map((invite) => inDialog(invite, 'BYE'));

function transactions(): void {
  const n = nextInvite++ % INVITES.length;
  sipCore.receive(INVITES[n]!, SOURCE);
  sipCore.receive(ACKS[n]!, SOURCE);
  sipCore.receive(BYES[n]!, SOURCE);
}

const request = parse();
const parts = body(request);
const offer = sdp(parts.sdp);
const labels = offer.media.map((m) => m.label);
const STEPS: Record<string, () => unknown> = {
  whole,
  parse,
  core,
  transactions,
  // A copy of the body each time: the parts of a body already taken apart are remembered by its buffer.
  body: () => body({ ...request, body: Buffer.from(request.body) }),
  metadata: () => metadata(parts.metadata, labels),
  sdp: () => sdp(parts.sdp),
  answer: () => answer(request, offer),
};

/** CPU µs per call of `fn` over `n` calls (awaited only when it returns a promise). */
async function cpuMicros(fn: () => unknown, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/** Estimated bytes allocated per call of `fn` (sampling heap profiler, objects later collected included). */
async function bytesPerCall(fn: () => unknown, n: number): Promise<number | null> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let i = 0; i < n; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    const { profile } = await session.post('HeapProfiler.stopSampling');
    // Each node's selfSize is already scaled up from its samples to the bytes it stands for.
    let total = 0;
    const pending = [profile.head];
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      total += node.selfSize;
      pending.push(...node.children);
    }
    return Math.round(total / n);
  } catch {
    return null;
  } finally {
    session.disconnect();
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  // Warm-up: let the optimising compiler settle before anything is measured.
  for (const fn of Object.values(STEPS)) await cpuMicros(fn, Math.max(200, ITERATIONS / 2));
  const steps: Record<string, { bestUs: number; medianUs: number; bytesAllocated: number | null }> = {};
  for (const [name, fn] of Object.entries(STEPS)) {
    const samples: number[] = [];
    for (let r = 0; r < ROUNDS; r++) samples.push(await cpuMicros(fn, ITERATIONS));
    samples.sort((a, b) => a - b);
    steps[name] = {
      bestUs: round1(samples[0]!),
      medianUs: round1(samples[Math.floor(samples.length / 2)]!),
      bytesAllocated: await bytesPerCall(fn, Math.min(ITERATIONS, 1000)),
    };
  }
  const wholeStep = steps['whole']!;
  console.log(
    JSON.stringify(
      {
        benchmark: 'invite-path',
        node: process.version,
        inviteBytes: INVITES[0]!.length,
        iterations: ITERATIONS,
        rounds: ROUNDS,
        loadAverage1m: { before: round1(loadBefore), after: round1(loadavg()[0]!) },
        note: 'process CPU time per INVITE (user+system); best of the rounds is the least disturbed by neighbours',
        cpuUsPerInvite: wholeStep.bestUs,
        invitesPerCpuSecond: Math.round(1e6 / wholeStep.bestUs),
        bytesAllocatedPerInvite: wholeStep.bytesAllocated,
        steps,
      },
      null,
      2,
    ),
  );
  sipCore.close();
}

await main();
