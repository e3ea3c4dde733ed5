/**
 * The media engine, main-thread side: N worker threads (MEDIA_WORKERS), each owning a contiguous slice of
 * RTP_PORT_MIN–MAX and binding its sockets itself, so RTP never crosses a thread and media work uses every core
 * while the main thread runs SIP. A recording is placed on the least-loaded worker when it opens, and all its
 * streams live there because they feed one multi-channel WAV.
 *
 * Calls are message round trips (a fraction of a millisecond); the workers also report, about once a second,
 * each stream's liveness (for MEDIA_TIMEOUT and the sidecar) and counter deltas (for the metrics).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type {
  DtmfEvent,
  EngineEvent,
  EngineReply,
  EngineRequest,
  MediaPortPair,
  StreamLiveness,
  WorkerCounterDeltas,
  WorkerInit,
} from './engine-protocol.js';
import { MediaEngineError } from './media-engine-error.js';
import { RecordingHandle } from './recording-handle.js';

const REQUEST_TIMEOUT_MS = 5000;
/**
 * Young generation of a media worker's heap, MiB. Every packet leaves a little garbage (the datagram, its
 * address, decode scratch) that dies within a tick, and V8 grows the young generation to tens of MiB per isolate
 * when allocation is that steady: tens of MiB of RSS per worker that scale with the packet rate, not with what
 * the calls hold. Kept small, scavenges come more often but each copies almost nothing, so it costs little CPU
 * (bench/media-load: RSS per call at 400 plain calls 520–773 → 327–410 KiB, CPU per call unchanged within noise).
 */
const WORKER_YOUNG_GENERATION_MB = 4;
/** More m-lines than this in one offer are bound one request at a time (an offer that large is not a call). */
const MAX_PREBOUND_PAIRS = 16;
const FINALIZE_TIMEOUT_MS = 120_000;

/** One worker's periodic report, as the engine hands it on. */
export interface MediaReport {
  readonly worker: number;
  readonly streams: readonly StreamLiveness[];
  readonly counters: WorkerCounterDeltas;
  readonly writeLatencies: readonly number[];
  /** Ports in use over all workers. */
  readonly portsInUse: number;
}

/** Options of {@link MediaEngine.start}. */
export interface MediaEngineOptions {
  /** Worker threads (at least 1; fewer when the port range has fewer pairs). */
  readonly workers: number;
  /** Address the RTP sockets bind to. */
  readonly host: string;
  readonly portMin: number;
  readonly portMax: number;
  readonly logger: Logger;
  /** Receives each worker's periodic report. */
  readonly onReport?: (report: MediaReport) => void;
  /** Receives RFC 4733 events of a recording within a tick of their end (pause triggers). */
  readonly onDtmf?: (recordingId: string, events: readonly DtmfEvent[]) => void;
  readonly reportIntervalMs?: number;
  /** How often workers drive jitter buffers and timelines, ms; default 40. */
  readonly tickMs?: number;
  /** How long a request may take before it is failed, ms; default 5000. */
  readonly requestTimeoutMs?: number;
}

/** Request bodies without the id, which the engine assigns. */
type RequestBody = EngineRequest extends infer R ? (R extends EngineRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** One worker thread and what the main thread knows about it. */
class WorkerSlot {
  worker!: Worker;
  readonly pending = new Map<number, Pending>();
  /** Open recordings placed here: the load the placement balances. */
  recordings = 0;
  portsInUse = 0;
  ready!: Promise<void>;

  constructor(readonly init: WorkerInit) {}
}

/** The media engine (see module comment). */
export class MediaEngine {
  readonly #options: MediaEngineOptions;
  readonly #slots: WorkerSlot[];
  readonly #logger: Logger;
  #nextId = 0;
  #nextSlot = 0;
  #closed = false;

  private constructor(options: MediaEngineOptions, slots: WorkerSlot[]) {
    this.#options = options;
    this.#slots = slots;
    this.#logger = options.logger.child({ component: 'media' });
  }

  /** Splits the port range, starts the workers and waits until each is ready. */
  static async start(options: MediaEngineOptions): Promise<MediaEngine> {
    const inits = portSlices(options);
    if (inits.length === 0) {
      throw new MediaEngineError('MEDIA_PORTS_EXHAUSTED', 'the RTP port range holds no port pair');
    }
    const engine = new MediaEngine(
      options,
      inits.map((init) => new WorkerSlot(init)),
    );
    for (const slot of engine.#slots) engine.#spawn(slot);
    await Promise.all(engine.#slots.map((s) => s.ready));
    return engine;
  }

  /** Number of worker threads. */
  get workerCount(): number {
    return this.#slots.length;
  }

  /** RTP/RTCP pairs bound, as of the last reports. */
  get portsInUse(): number {
    return this.#slots.reduce((n, s) => n + s.portsInUse, 0);
  }

  /**
   * Opens a recording on the least-loaded worker, binding `ports` RTP/RTCP pairs in the same round trip (one per
   * m-line of the offer: the handle's `allocate()` then answers at once). Nothing is written until audio arrives.
   * @param init `startedAt` is the call's start on the wall clock: sample 0 of the WAV
   */
  async openRecording(init: {
    readonly recordingId: string;
    readonly directory: string;
    readonly startedAt: number;
    readonly ports?: number;
  }): Promise<RecordingHandle> {
    if (this.#closed) throw new MediaEngineError('MEDIA_CLOSED', 'the media engine is closed');
    const slot = this.#leastLoaded();
    slot.recordings++;
    let prebound: MediaPortPair[];
    try {
      prebound = (await this.#request(slot, {
        op: 'open',
        recordingId: init.recordingId,
        directory: init.directory,
        startMs: init.startedAt,
        ports: Math.max(0, Math.min(MAX_PREBOUND_PAIRS, Math.floor(init.ports ?? 0))),
      })) as MediaPortPair[];
    } catch (err) {
      slot.recordings--;
      throw err;
    }
    let done = false;
    return new RecordingHandle(
      init.recordingId,
      (body) => this.#request(slot, body),
      () => {
        if (!done) slot.recordings--;
        done = true;
      },
      prebound,
    );
  }

  /** Closes every socket and stops the workers (recordings still open are left as `.part` for repair). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#slots.map((slot) => this.#request(slot, { op: 'close' })));
    await Promise.allSettled(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #leastLoaded(): WorkerSlot {
    // Ties go round-robin, so an idle recorder spreads its first calls over every core.
    const n = this.#slots.length;
    let best = this.#slots[this.#nextSlot % n]!;
    for (let i = 1; i < n; i++) {
      const slot = this.#slots[(this.#nextSlot + i) % n]!;
      if (slot.recordings < best.recordings) best = slot;
    }
    this.#nextSlot = (best.init.index + 1) % n;
    return best;
  }

  #request(slot: WorkerSlot, body: RequestBody): Promise<unknown> {
    if (this.#closed && body.op !== 'close') {
      return Promise.reject(new MediaEngineError('MEDIA_CLOSED', 'the media engine is closed'));
    }
    const id = ++this.#nextId;
    // Finalising writes, syncs and renames files; with hundreds of calls ending together on a busy disk that
    // queue takes far longer than a socket operation, and giving up on it would lose the recording's statistics.
    const timeoutMs =
      body.op === 'finalize' ? FINALIZE_TIMEOUT_MS : (this.#options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.pending.delete(id);
        reject(
          new MediaEngineError(
            'MEDIA_WORKER_FAILED',
            `media worker ${slot.init.index} did not answer ${body.op}`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      slot.pending.set(id, { resolve, reject, timer });
      slot.worker.postMessage({ ...body, id });
    });
  }

  #spawn(slot: WorkerSlot): void {
    const worker = new Worker(new URL('./media-worker.js', import.meta.url), {
      workerData: slot.init,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    slot.worker = worker;
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: EngineReply | EngineEvent | { type: 'ready' }): void => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'reply') this.#onReply(slot, message);
        else this.#onEvent(slot, message);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => reject(new Error(`media worker ${slot.init.index} exited with ${code}`)));
    });
    slot.ready.catch(() => undefined);
    worker.on('error', (err) => {
      this.#logger.error({ err, worker: slot.init.index }, 'media worker failed');
    });
    worker.once('exit', (code) => {
      for (const p of slot.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new MediaEngineError('MEDIA_WORKER_FAILED', `media worker ${slot.init.index} exited`));
      }
      slot.pending.clear();
      if (this.#closed) return;
      // Its recordings are lost to this process (their .part files are repaired at the next start); the slice of
      // ports is served again by a fresh worker.
      this.#logger.error({ worker: slot.init.index, code }, 'media worker exited; restarting it');
      slot.recordings = 0;
      slot.portsInUse = 0;
      this.#spawn(slot);
    });
  }

  #onReply(slot: WorkerSlot, reply: EngineReply): void {
    const pending = slot.pending.get(reply.id);
    if (!pending) return;
    slot.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(MediaEngineError.from(reply.error));
  }

  #onEvent(slot: WorkerSlot, event: EngineEvent): void {
    if (event.type === 'log') {
      this.#logger[event.level]({ ...event.fields, worker: slot.init.index }, event.msg);
      return;
    }
    if (event.type === 'dtmf') {
      this.#options.onDtmf?.(event.recordingId, event.events);
      return;
    }
    slot.portsInUse = event.portsInUse;
    this.#options.onReport?.({
      worker: slot.init.index,
      streams: event.streams,
      counters: event.counters,
      writeLatencies: event.writeLatencies,
      portsInUse: this.portsInUse,
    });
  }
}

/**
 * Splits RTP_PORT_MIN–MAX into contiguous slices of even-aligned pairs, one per worker. Every slice holds at least
 * two pairs (fewer workers otherwise): a recording's streams live on one worker, and a SIPREC recording has two
 * (RFC 7866 §8.1.1), so a one-pair slice could never take a call.
 */
export function portSlices(options: {
  readonly workers: number;
  readonly host: string;
  readonly portMin: number;
  readonly portMax: number;
  readonly reportIntervalMs?: number;
  readonly tickMs?: number;
}): WorkerInit[] {
  const first = options.portMin % 2 === 0 ? options.portMin : options.portMin + 1;
  const pairs = Math.max(0, Math.floor((options.portMax - first + 1) / 2));
  const workers = Math.max(1, Math.min(Math.floor(options.workers), Math.floor(pairs / 2)));
  const slices: WorkerInit[] = [];
  let start = 0;
  for (let i = 0; i < workers && pairs > 0; i++) {
    const end = Math.floor(((i + 1) * pairs) / workers);
    slices.push({
      index: i,
      host: options.host,
      firstPort: first + start * 2,
      pairCount: end - start,
      reportIntervalMs: options.reportIntervalMs ?? 1000,
      tickMs: options.tickMs ?? 40,
    });
    start = end;
  }
  return slices;
}
