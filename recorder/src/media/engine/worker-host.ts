/**
 * What runs inside one media worker: its slice of RTP ports, the recordings placed on it and their stream
 * receivers, a tick that drives jitter buffers, timelines and receiver reports, and a periodic report to the main
 * thread (liveness per stream, counter deltas, write latencies). It answers the {@link EngineRequest}s of the
 * {@link MediaEngine}; it has no knowledge of SIP.
 *
 * Kept free of `worker_threads` so that it can be driven directly (the worker entry only wires `parentPort`).
 */
import { unlink } from 'node:fs/promises';
import { RtcpCompound } from '../rtp/rtcp-packet.js';
import { RtpHeader } from '../rtp/rtp-header.js';
import type { WavError } from '../../recording/wav/wav-error.js';
import { PortAllocator } from '../receiver/port-allocator.js';
import { RecordingWriter, codecSampleRate } from '../receiver/recording-writer.js';
import { StreamReceiver, type ReceiverShared } from '../receiver/stream-receiver.js';
import type {
  DtmfEvent,
  EngineEvent,
  EngineReply,
  EngineRequest,
  MediaPortPair,
  MediaStreamConfig,
  RecordingMediaResult,
  StreamLiveness,
  StreamMediaStats,
  WorkerInit,
} from './engine-protocol.js';
import { MediaEngineError } from './media-engine-error.js';

/** Injectable time and randomness (tests fake them; production uses Date.now and Math.random). */
export interface WorkerHostDeps {
  readonly now?: () => number;
  readonly random?: () => number;
}

/** One recording placed on this worker. */
class WorkerRecording {
  readonly receivers = new Map<number, StreamReceiver>();
  /** Streams released before the end: their statistics and DTMF still belong in the sidecar. */
  readonly retired: { stats: StreamMediaStats; dtmf: readonly DtmfEvent[] }[] = [];
  writer: RecordingWriter | undefined;
  writeError: string | null = null;
  pausedAt: number | undefined;
  /** DTMF events already reported live, per RTP port. */
  readonly dtmfReported = new Map<number, number>();
  /**
   * Paused spans [from, to): DTMF events inside them are left out of the result, like the audio — a pause is for
   * what must not be kept (PCI: card numbers keyed while recording is paused). Bounded like the events themselves.
   */
  readonly pauses: { from: number; to: number }[] = [];

  constructor(
    readonly id: string,
    readonly directory: string,
    readonly startMs: number,
  ) {}
}

/** The state and request handling of one media worker. */
export class WorkerHost {
  readonly #init: WorkerInit;
  readonly #post: (message: EngineReply | EngineEvent) => void;
  readonly #now: () => number;
  readonly #ports: PortAllocator;
  readonly #recordings = new Map<string, WorkerRecording>();
  readonly #shared: ReceiverShared;
  readonly #latencies: number[] = [];
  #tick: NodeJS.Timeout | undefined;
  #report: NodeJS.Timeout | undefined;

  constructor(
    init: WorkerInit,
    post: (message: EngineReply | EngineEvent) => void,
    deps: WorkerHostDeps = {},
  ) {
    this.#init = init;
    this.#post = post;
    this.#now = deps.now ?? Date.now;
    this.#ports = new PortAllocator(init.host, init.firstPort, init.pairCount);
    this.#shared = {
      header: new RtpHeader(),
      rtcp: new RtcpCompound(),
      // Largest decoded frame: 120 ms of 48 kHz audio (RFC 6716 §2).
      pcm: new Int16Array(5760),
      counters: { packets: 0, bytes: 0, lost: 0, srtpAuthFailures: 0, decodeErrors: 0, malformed: 0 },
      now: this.#now,
      random: deps.random ?? Math.random,
    };
  }

  /** Starts the periodic tick and report. */
  start(): void {
    this.#tick = setInterval(() => this.#onTick(), this.#init.tickMs);
    this.#report = setInterval(() => this.#sendReport(), this.#init.reportIntervalMs);
  }

  /** Handles one request; exactly one reply is posted for it. */
  handle(request: EngineRequest): void {
    this.#dispatch(request).then(
      (value) => this.#post({ type: 'reply', id: request.id, ok: true, value }),
      (err: unknown) => {
        const e =
          err instanceof MediaEngineError
            ? err
            : new MediaEngineError('MEDIA_WORKER_FAILED', (err as Error).message ?? String(err));
        this.#post({ type: 'reply', id: request.id, ok: false, error: { code: e.code, message: e.message } });
      },
    );
  }

  async #dispatch(req: EngineRequest): Promise<unknown> {
    switch (req.op) {
      case 'open':
        return this.#open(req.recordingId, req.directory, req.startMs, req.ports);
      case 'allocate':
        return this.#allocate(this.#recording(req.recordingId));
      case 'configure': {
        const rec = this.#recording(req.recordingId);
        this.#dropUnused(rec, req.unused);
        return this.#configure(rec, req.streams);
      }
      case 'release':
        this.#release(this.#recording(req.recordingId), req.rtpPort);
        return null;
      case 'pause': {
        const rec = this.#recording(req.recordingId);
        rec.pausedAt ??= req.atMs;
        rec.writer?.pause(req.atMs);
        if (rec.pauses.length < 1000 && rec.pauses.at(-1)?.to !== Infinity)
          rec.pauses.push({ from: req.atMs, to: Infinity });
        return null;
      }
      case 'resume': {
        const rec = this.#recording(req.recordingId);
        if (rec.pausedAt !== undefined) rec.writer?.resume(req.atMs);
        rec.pausedAt = undefined;
        const open = rec.pauses.at(-1);
        if (open?.to === Infinity) open.to = req.atMs;
        return null;
      }
      case 'finalize': {
        const rec = this.#recordings.get(req.recordingId);
        if (rec) this.#dropUnused(rec, req.unused);
        return this.#finalize(req.recordingId, req.endMs, req.keep);
      }
      case 'close':
        this.#close();
        return null;
    }
  }

  #recording(id: string): WorkerRecording {
    const rec = this.#recordings.get(id);
    if (!rec) throw new MediaEngineError('MEDIA_UNKNOWN_RECORDING', `no recording ${id} on this worker`);
    return rec;
  }

  /** Places a recording here and binds `ports` pairs for its streams (fewer when the slice runs out). */
  async #open(id: string, directory: string, startMs: number, ports: number): Promise<MediaPortPair[]> {
    let rec = this.#recordings.get(id);
    if (!rec) {
      rec = new WorkerRecording(id, directory, startMs);
      this.#recordings.set(id, rec);
    }
    const pairs: MediaPortPair[] = [];
    try {
      while (pairs.length < ports) pairs.push(await this.#allocate(rec));
    } catch (err) {
      // Out of ports (or finalised meanwhile): the caller asks again per stream and gets the error then.
      if (!(err instanceof MediaEngineError)) throw err;
    }
    return pairs;
  }

  /** Closes pairs bound at open that no stream took; they were never streams, so they leave no statistics. */
  #dropUnused(rec: WorkerRecording, rtpPorts: readonly number[]): void {
    for (const port of rtpPorts) {
      const receiver = rec.receivers.get(port);
      if (!receiver || receiver.config !== undefined) continue;
      receiver.close();
      this.#ports.release(receiver.pair);
      rec.receivers.delete(port);
    }
  }

  async #allocate(rec: WorkerRecording): Promise<MediaPortPair> {
    const pair = await this.#ports.allocate();
    if (!pair) throw new MediaEngineError('MEDIA_PORTS_EXHAUSTED', 'no free RTP port pair');
    if (!this.#recordings.has(rec.id)) {
      // Finalised while the sockets were being bound.
      this.#ports.release(pair);
      throw new MediaEngineError('MEDIA_UNKNOWN_RECORDING', `recording ${rec.id} ended`);
    }
    rec.receivers.set(pair.rtpPort, new StreamReceiver(rec.id, pair, this.#shared, () => rec.writer));
    return { rtpPort: pair.rtpPort, rtcpPort: pair.rtcpPort };
  }

  async #configure(rec: WorkerRecording, streams: readonly MediaStreamConfig[]): Promise<null> {
    for (const s of streams) {
      if (!rec.receivers.has(s.rtpPort)) {
        throw new MediaEngineError('MEDIA_UNKNOWN_STREAM', `port ${s.rtpPort} is not a stream of ${rec.id}`);
      }
      if (!Number.isInteger(s.channel) || s.channel < 0 || s.channel > 63) {
        throw new MediaEngineError('MEDIA_BAD_CONFIG', `channel ${s.channel} is out of range`);
      }
    }
    if (rec.writer === undefined && streams.length > 0) {
      // The layout is fixed here, by the initial offer (see RecordingWriter).
      let channels = 0;
      let sampleRate = 8000;
      for (const s of streams) {
        channels = Math.max(channels, s.channel + 1);
        sampleRate = Math.max(sampleRate, codecSampleRate(s.codec.name));
      }
      rec.writer = RecordingWriter.create({
        recordingId: rec.id,
        directory: rec.directory,
        startMs: rec.startMs,
        channels,
        sampleRate,
        now: this.#now,
        onError: (err: WavError) => this.#writeFailed(rec, err),
      });
      if (rec.pausedAt !== undefined) rec.writer.pause(rec.pausedAt);
    }
    for (const s of streams) {
      if (s.codec.name === 'G729') await rec.writer!.openRaw(s.channel, s.codec.pt, s.codec.clockRate);
    }
    for (const s of streams) rec.receivers.get(s.rtpPort)!.configure(s);
    return null;
  }

  #release(rec: WorkerRecording, rtpPort: number): void {
    const receiver = rec.receivers.get(rtpPort);
    if (!receiver) return;
    receiver.flush();
    rec.retired.push({ stats: this.#statsOf(rec, receiver), dtmf: [...receiver.dtmfEvents] });
    receiver.close();
    this.#ports.release(receiver.pair);
    rec.receivers.delete(rtpPort);
    rec.dtmfReported.delete(rtpPort);
  }

  async #finalize(id: string, endMs: number, keep: boolean): Promise<RecordingMediaResult | null> {
    const rec = this.#recordings.get(id);
    if (!rec) return null;
    this.#recordings.delete(id);
    for (const receiver of rec.receivers.values()) receiver.flush();
    const streams: StreamMediaStats[] = rec.retired.map((r) => r.stats);
    const dtmf: DtmfEvent[] = rec.retired.flatMap((r) => r.dtmf);
    for (const receiver of rec.receivers.values()) {
      streams.push(this.#statsOf(rec, receiver));
      dtmf.push(...receiver.dtmfEvents);
      this.#shared.counters.lost += receiver.lostSinceLastReport();
      receiver.close();
      this.#ports.release(receiver.pair);
    }
    rec.receivers.clear();
    dtmf.sort((a, b) => a.atMs - b.atMs);
    const kept = dtmf.filter((d) => !rec.pauses.some((p) => d.atMs >= p.from && d.atMs < p.to));
    const writer = rec.writer;
    if (!keep) {
      if (writer) {
        await writer.abort();
        await unlink(`${writer.path}.part`).catch(() => undefined);
      }
      return null;
    }
    let wav: RecordingMediaResult['wav'] = null;
    if (writer) {
      try {
        const result = await writer.finalize(endMs);
        wav = {
          path: result.path,
          channels: writer.channels,
          sampleRate: writer.sampleRate,
          frames: result.frames,
          durationMs: Math.round(result.durationMs),
        };
      } catch (err) {
        rec.writeError ??= (err as Error).message;
      }
    }
    return { recordingId: id, wav, streams, dtmf: kept, writeError: rec.writeError };
  }

  #statsOf(rec: WorkerRecording, receiver: StreamReceiver): StreamMediaStats {
    const cfg = receiver.config;
    const writer = rec.writer;
    const channel = cfg?.channel ?? -1;
    const raw = cfg?.codec.name === 'G729' ? (writer?.rawWriter(channel)?.path ?? null) : null;
    const t = writer?.timelineStats(channel);
    const perMs = (writer?.sampleRate ?? 8000) / 1000;
    return receiver.statistics(
      writer !== undefined && writer.hasChannel(channel),
      raw,
      t
        ? {
            reanchors: t.reanchors,
            driftMs: Math.round((t.driftSamplesInserted - t.driftSamplesDropped) / perMs),
            lateMs: Math.round(t.lateSamplesDropped / perMs),
          }
        : null,
    );
  }

  #writeFailed(rec: WorkerRecording, err: WavError): void {
    rec.writeError ??= err.message;
    this.#post({
      type: 'log',
      level: 'error',
      msg: 'recording write failed; later audio of this recording is lost',
      fields: { recordingId: rec.id, code: err.code, error: err.message },
    });
  }

  #onTick(): void {
    const now = this.#now();
    for (const rec of this.#recordings.values()) {
      for (const receiver of rec.receivers.values()) {
        receiver.tick(now);
        const events = receiver.dtmfEvents;
        const reported = rec.dtmfReported.get(receiver.rtpPort) ?? 0;
        if (events.length > reported) {
          rec.dtmfReported.set(receiver.rtpPort, events.length);
          this.#post({ type: 'dtmf', recordingId: rec.id, events: events.slice(reported) });
        }
      }
      rec.writer?.tick(now);
    }
  }

  #sendReport(): void {
    const streams: StreamLiveness[] = [];
    const counters = this.#shared.counters;
    for (const rec of this.#recordings.values()) {
      for (const r of rec.receivers.values()) {
        counters.lost += r.lostSinceLastReport();
        streams.push({
          recordingId: rec.id,
          rtpPort: r.rtpPort,
          packetsReceived: r.packetsReceived,
          bytesReceived: r.bytesReceived,
          firstPacketAt: r.firstPacketAt,
          lastPacketAt: r.lastPacketAt,
        });
      }
      rec.writer?.drainLatencies(this.#latencies);
    }
    this.#post({
      type: 'report',
      streams,
      counters: { ...counters },
      writeLatencies: this.#latencies.splice(0),
      portsInUse: this.#ports.inUse,
    });
    counters.packets = 0;
    counters.bytes = 0;
    counters.lost = 0;
    counters.srtpAuthFailures = 0;
    counters.decodeErrors = 0;
    counters.malformed = 0;
  }

  #close(): void {
    if (this.#tick) clearInterval(this.#tick);
    if (this.#report) clearInterval(this.#report);
    for (const rec of this.#recordings.values()) {
      for (const receiver of rec.receivers.values()) {
        receiver.close();
        this.#ports.release(receiver.pair);
      }
      rec.receivers.clear();
      // Left as .part: the next start repairs them, like after a crash.
      void rec.writer?.abort();
    }
    this.#recordings.clear();
  }
}
