/**
 * The SIPREC layer's view of one recording in the media engine: it allocates the recording's ports (so it is the
 * `PortSource` offer negotiation uses), configures its streams on every (re-)offer, pauses and resumes it, and
 * finalises it into the WAV and the statistics of the sidecar. Every call goes to the one worker that holds the
 * recording.
 *
 * The pairs bound when the recording was opened (one per m-line of the offer) are handed out by `allocate()`
 * without a round trip; the ones no stream took are closed by the next `configure` or the end.
 */
import type {
  EngineRequest,
  MediaPortPair,
  MediaStreamConfig,
  RecordingMediaResult,
} from './engine-protocol.js';

type RequestBody = EngineRequest extends infer R ? (R extends EngineRequest ? Omit<R, 'id'> : never) : never;

/** A recording placed on a media worker. */
export class RecordingHandle {
  readonly recordingId: string;
  readonly #request: (body: RequestBody) => Promise<unknown>;
  readonly #onDone: () => void;
  /** Pairs bound at open that no stream has taken yet. */
  #spare: MediaPortPair[];
  #finished: Promise<RecordingMediaResult | null> | undefined;

  /** Made by {@link MediaEngine.openRecording}. */
  constructor(
    recordingId: string,
    request: (body: RequestBody) => Promise<unknown>,
    onDone: () => void,
    prebound: readonly MediaPortPair[] = [],
  ) {
    this.recordingId = recordingId;
    this.#request = request;
    this.#onDone = onDone;
    this.#spare = [...prebound];
  }

  /**
   * An RTP/RTCP pair bound on the recording's worker (one bound at open, else bound now); packets to it are
   * received from now on.
   * @throws MediaEngineError `MEDIA_PORTS_EXHAUSTED` (status 503) when the worker's slice is full
   */
  async allocate(): Promise<MediaPortPair> {
    const spare = this.#spare.shift();
    if (spare !== undefined) return spare;
    return (await this.#request({ op: 'allocate', recordingId: this.recordingId })) as MediaPortPair;
  }

  /** Closes a stream's sockets (its statistics stay for the final result). Fire and forget. */
  release(pair: MediaPortPair): void {
    this.#request({ op: 'release', recordingId: this.recordingId, rtpPort: pair.rtpPort }).catch(
      () => undefined,
    );
  }

  /**
   * Sets how every current stream is received (codec, SRTP keys, channel, hold). The first call with streams
   * fixes the WAV's layout and creates its `.part` file.
   */
  async configure(streams: readonly MediaStreamConfig[]): Promise<void> {
    await this.#request({
      op: 'configure',
      recordingId: this.recordingId,
      streams,
      unused: this.#takeSpare(),
    });
  }

  /** Stops writing audio from `atMs` on; the paused span becomes silence. */
  async pause(atMs: number): Promise<void> {
    await this.#request({ op: 'pause', recordingId: this.recordingId, atMs });
  }

  async resume(atMs: number): Promise<void> {
    await this.#request({ op: 'resume', recordingId: this.recordingId, atMs });
  }

  /**
   * Ends the recording at `endMs`: writes the rest, renames the WAV into place, closes the sockets and returns
   * the statistics and DTMF events. Idempotent.
   */
  finalize(endMs: number): Promise<RecordingMediaResult | null> {
    this.#finished ??= this.#end({
      op: 'finalize',
      recordingId: this.recordingId,
      endMs,
      keep: true,
      unused: this.#takeSpare(),
    });
    return this.#finished;
  }

  /** Ends a recording that never started (refused or cancelled INVITE): sockets closed, no file kept. */
  discard(): Promise<void> {
    this.#finished ??= this.#end({
      op: 'finalize',
      recordingId: this.recordingId,
      endMs: 0,
      keep: false,
      unused: this.#takeSpare(),
    });
    return this.#finished.then(() => undefined);
  }

  /** The spare pairs' RTP ports, which the worker is about to close: none are handed out after this. */
  #takeSpare(): number[] {
    const ports = this.#spare.map((p) => p.rtpPort);
    this.#spare = [];
    return ports;
  }

  async #end(body: RequestBody): Promise<RecordingMediaResult | null> {
    try {
      return (await this.#request(body)) as RecordingMediaResult | null;
    } finally {
      this.#onDone();
    }
  }
}
