/**
 * A media worker's call setup and its files, driven through the engine protocol on real sockets and files:
 * ports bound by `open` in the same round trip, no WAV file until the first audio, a call without RTP still
 * ending with a WAV of its length (silence), pairs no stream took closed without a trace in the result.
 */
import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  EngineEvent,
  EngineReply,
  EngineRequest,
  MediaPortPair,
  MediaStreamConfig,
  RecordingMediaResult,
} from '../../../../recorder/src/media/engine/engine-protocol.js';
import { WorkerHost } from '../../../../recorder/src/media/engine/worker-host.js';
import { encodeUlaw } from '../../../../recorder/src/media/codecs/g711.js';
import { readWavFile } from '../../../support/audio-compare.js';

type Body = EngineRequest extends infer R ? (R extends EngineRequest ? Omit<R, 'id'> : never) : never;

/** A WorkerHost with a request/reply helper, as the engine's main-thread side uses it. */
function startHost(): { request: (body: Body) => Promise<unknown>; host: WorkerHost } {
  const pending = new Map<number, (reply: EngineReply) => void>();
  // Above the ephemeral range (32768–60999) and the recorder ranges other tests use; busy ports are skipped.
  const firstPort = 61000 + 2 * Math.floor(Math.random() * 2000);
  const host = new WorkerHost(
    { index: 0, host: '127.0.0.1', firstPort, pairCount: 32, reportIntervalMs: 1000, tickMs: 20 },
    (message: EngineReply | EngineEvent) => {
      if (message.type === 'reply') pending.get(message.id)?.(message);
    },
  );
  host.start();
  let nextId = 0;
  const request = (body: Body): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (reply) => {
        pending.delete(id);
        if (reply.ok) resolve(reply.value);
        else reject(new Error(`${reply.error.code}: ${reply.error.message}`));
      });
      host.handle({ ...body, id });
    });
  return { request, host };
}

function pcmuStream(pair: MediaPortPair, channel: number): MediaStreamConfig {
  return {
    rtpPort: pair.rtpPort,
    label: String(channel + 1),
    channel,
    codec: { name: 'PCMU', pt: 0, clockRate: 8000 },
    telephoneEvent: null,
    comfortNoisePt: null,
    srtp: null,
    rtcpMux: false,
    active: true,
    remoteAddress: '127.0.0.1',
    remotePort: 0,
  };
}

/** Whether `port` can be bound on 127.0.0.1 right now (false while a worker holds it). */
async function bindable(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => resolve(true));
  });
  socket.close();
  return ok;
}

/** Sends `packets` 20 ms PCMU packets of a loud 400 Hz tone to `port`, paced in real time. */
async function sendTone(socket: Socket, port: number, packets: number): Promise<void> {
  const packet = Buffer.alloc(172);
  packet[0] = 0x80;
  packet.writeUInt32BE(0xabcdef, 8);
  for (let k = 0; k < packets; k++) {
    packet.writeUInt16BE(1000 + k, 2);
    packet.writeUInt32BE(k * 160, 4);
    for (let i = 0; i < 160; i++)
      packet[12 + i] = encodeUlaw(Math.round(12000 * Math.sin((2 * Math.PI * 400 * (k * 160 + i)) / 8000)));
    await new Promise<void>((resolve) => socket.send(packet, port, '127.0.0.1', () => resolve()));
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('media worker: call setup and lazy WAV', function () {
  this.timeout(60000);
  let dir: string;
  let host: WorkerHost | undefined;
  let sender: Socket | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'worker-host-'))));
  afterEach(() => {
    host?.handle({ id: 0, op: 'close' });
    host = undefined;
    sender?.close();
    sender = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds the offer’s pairs at open, creates the WAV only with the first audio, and records it in place', async () => {
    const started = startHost();
    host = started.host;
    const startMs = Date.now();
    const pairs = (await started.request({
      op: 'open',
      recordingId: 'rec-a',
      directory: dir,
      startMs,
      ports: 2,
    })) as MediaPortPair[];
    expect(pairs).to.have.length(2);
    expect(new Set(pairs.map((p) => p.rtpPort)).size).to.equal(2);
    for (const p of pairs) {
      expect(p.rtcpPort).to.equal(p.rtpPort + 1);
      expect(await bindable(p.rtpPort), `port ${p.rtpPort} held by the worker`).to.equal(false);
    }
    await started.request({
      op: 'configure',
      recordingId: 'rec-a',
      streams: pairs.map((p, i) => pcmuStream(p, i)),
      unused: [],
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(readdirSync(dir), 'no file before any audio').to.deep.equal([]);

    sender = createSocket('udp4');
    await new Promise<void>((r) => sender!.bind(0, '127.0.0.1', r));
    await sendTone(sender, pairs[0]!.rtpPort, 50);
    // The first audio created the .part file (a crash now leaves it for the start-up repair).
    expect(readdirSync(dir)).to.deep.equal(['rec-a.wav.part']);
    await new Promise((r) => setTimeout(r, 300));
    const endMs = Date.now();
    const result = (await started.request({
      op: 'finalize',
      recordingId: 'rec-a',
      endMs,
      keep: true,
      unused: [],
    })) as RecordingMediaResult;
    expect(result.writeError).to.equal(null);
    expect(result.streams.map((s) => s.packetsReceived)).to.deep.equal([50, 0]);
    const wav = readWavFile(join(dir, 'rec-a.wav'));
    expect(wav.channels).to.have.length(2);
    // As long as the call, to the sample.
    expect(wav.frames).to.equal(Math.round(((endMs - startMs) * 8000) / 1000));
    const loud = (ch: Int16Array): number => ch.reduce((n, v) => n + (Math.abs(v) > 3000 ? 1 : 0), 0);
    // About a second of tone on channel 0 (50 packets), nothing on the silent stream.
    expect(loud(wav.channels[0]!)).to.be.within(4000, 8000);
    expect(loud(wav.channels[1]!)).to.equal(0);
    // Where the stream's first packet arrived on the call's clock (the silence before it was never written).
    const firstLoud = wav.channels[0]!.findIndex((v) => Math.abs(v) > 3000);
    const expected = ((result.streams[0]!.firstPacketAt! - startMs) * 8000) / 1000;
    expect(Math.abs(firstLoud - expected), 'samples off the arrival time').to.be.below(8000 * 0.1);
    for (const p of pairs) expect(await bindable(p.rtpPort), `port ${p.rtpPort} released`).to.equal(true);
  });

  it('gives a call that got no RTP a silent WAV of its length at the end, and closes unused pairs silently', async () => {
    const started = startHost();
    host = started.host;
    const startMs = Date.now();
    const pairs = (await started.request({
      op: 'open',
      recordingId: 'rec-b',
      directory: dir,
      startMs,
      ports: 3,
    })) as MediaPortPair[];
    expect(pairs).to.have.length(3);
    // The offer's third m-line was refused: its pair is handed back with the configuration.
    await started.request({
      op: 'configure',
      recordingId: 'rec-b',
      streams: [pcmuStream(pairs[0]!, 0), pcmuStream(pairs[1]!, 1)],
      unused: [pairs[2]!.rtpPort],
    });
    expect(await bindable(pairs[2]!.rtpPort), 'unused pair closed').to.equal(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(readdirSync(dir)).to.deep.equal([]);
    const endMs = startMs + 1500;
    const result = (await started.request({
      op: 'finalize',
      recordingId: 'rec-b',
      endMs,
      keep: true,
      unused: [],
    })) as RecordingMediaResult;
    expect(result.streams.map((s) => s.rtpPort)).to.deep.equal([pairs[0]!.rtpPort, pairs[1]!.rtpPort]);
    expect(result.wav).to.deep.include({ channels: 2, sampleRate: 8000, frames: 12000, durationMs: 1500 });
    expect(readdirSync(dir)).to.deep.equal(['rec-b.wav']);
    const wav = readWavFile(join(dir, 'rec-b.wav'));
    expect(wav.frames).to.equal(12000);
    expect(wav.channels.every((ch) => ch.every((v) => v === 0))).to.equal(true);
  });

  it('leaves no file and no bound port behind for a call discarded before its answer', async () => {
    const started = startHost();
    host = started.host;
    const pairs = (await started.request({
      op: 'open',
      recordingId: 'rec-c',
      directory: dir,
      startMs: Date.now(),
      ports: 2,
    })) as MediaPortPair[];
    const result = await started.request({
      op: 'finalize',
      recordingId: 'rec-c',
      endMs: 0,
      keep: false,
      unused: pairs.map((p) => p.rtpPort),
    });
    expect(result).to.equal(null);
    for (const p of pairs) expect(await bindable(p.rtpPort)).to.equal(true);
    expect(existsSync(join(dir, 'rec-c.wav.part'))).to.equal(false);
    expect(readdirSync(dir)).to.deep.equal([]);
  });
});
