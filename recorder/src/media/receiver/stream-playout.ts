/**
 * The output half of a stream's receive path: what the jitter buffer releases, in sequence order, becomes audio on
 * the recording timeline (decoded into the worker's shared PCM buffer, or raw frames for G.729), RFC 4733 events
 * become DTMF, and comfort noise and gaps become silence of the right length (the timeline places audio by RTP
 * timestamp, so nothing is written for them — except Opus concealment of real losses).
 *
 * A re-negotiation, an SSRC change, a sequence or timestamp jump, or a resume after hold re-anchors the stream on
 * the wall clock instead of inserting hours of silence.
 */
import { createDecoder } from '../codecs/create-decoder.js';
import type { Decoder } from '../codecs/decoder.js';
import type { OpusRate } from '../codecs/opus.js';
import type { JitterBufferSink, JitterFrame } from '../jitter/jitter-buffer.js';
import type { TimelineFrame } from '../../recording/wav/recording-timeline.js';
import type { DtmfEvent, MediaStreamConfig, WorkerCounterDeltas } from '../engine/engine-protocol.js';
import { AnchorSettler } from './anchor-settler.js';
import { DtmfTracker } from './dtmf-tracker.js';
import type { RecordingWriter } from './recording-writer.js';

/** What the playout shares with the other streams of its worker. */
export interface PlayoutShared {
  /** Decoder output. */
  readonly pcm: Int16Array;
  readonly counters: WorkerCounterDeltas;
  readonly now: () => number;
}

/** A mutable {@link TimelineFrame}, reused for every frame of the stream. */
class FrameInfo implements TimelineFrame {
  rtpTimestamp = 0;
  clockRate = 8000;
  sampleRate = 8000;
  arrivalMs = 0;
}

/** Decode, timeline placement and DTMF of one stream. */
export class StreamPlayout implements JitterBufferSink {
  readonly #shared: PlayoutShared;
  readonly #writer: () => RecordingWriter | undefined;
  readonly #frame = new FrameInfo();
  readonly #settler = new AnchorSettler();
  /** Payload type of each buffered packet by sequence number: the jitter buffer holds far fewer than 256. */
  readonly #ptBySeq = new Uint8Array(256);
  #config: MediaStreamConfig | undefined;
  #decoder: Decoder | undefined;
  #decoderRate = 8000;
  #dtmf: DtmfTracker | undefined;
  /** Payloads the decoder refused. */
  decodeErrors = 0;

  constructor(shared: PlayoutShared, writer: () => RecordingWriter | undefined) {
    this.#shared = shared;
    this.#writer = writer;
  }

  /** DTMF events so far. */
  get dtmfEvents(): readonly DtmfEvent[] {
    return this.#dtmf?.events ?? [];
  }

  /** Malformed RFC 4733 payloads. */
  get malformedEvents(): number {
    return this.#dtmf?.malformed ?? 0;
  }

  /**
   * A (re-)negotiation, first step: a new codec replaces the decoder (and re-anchors). `before` is the previous
   * configuration. The jitter buffer is flushed between the steps and still plays out under `before`.
   */
  updateDecoder(config: MediaStreamConfig, before: MediaStreamConfig | undefined): void {
    const codecChanged = before?.codec.name !== config.codec.name || before.codec.pt !== config.codec.pt;
    if (codecChanged || this.#decoder === undefined) this.#replaceDecoder(config, before, this.#writer());
  }

  /** Second step: DTMF follows the new label, channel and clock; a stream back from hold re-anchors. */
  updateEvents(config: MediaStreamConfig, before: MediaStreamConfig | undefined): void {
    const eventClock = config.telephoneEvent?.clockRate ?? config.codec.clockRate;
    if (this.#dtmf) this.#dtmf.reconfigure(config.label, config.channel, eventClock);
    else this.#dtmf = new DtmfTracker(config.label, config.channel, eventClock);
    if (before && (!before.active || before.channel !== config.channel) && config.active) {
      this.#reanchor(this.#writer(), before.channel, config.channel);
    }
  }

  /** Last step: frames released from now on play out under `config`. */
  use(config: MediaStreamConfig): void {
    this.#config = config;
  }

  /** Remembers the payload type of a packet handed to the jitter buffer, for when it comes out. */
  notePayloadType(sequence: number, pt: number): void {
    this.#ptBySeq[sequence & 0xff] = pt;
  }

  /** Lets the settler write what it held back long enough. */
  tick(now: number): void {
    const writer = this.#writer();
    if (writer !== undefined && this.#config !== undefined)
      this.#settler.tick(now, writer, this.#config.channel);
  }

  /** Closes open DTMF events and writes what the settler holds (end of the recording). */
  flush(): void {
    this.#dtmf?.flush();
    const writer = this.#writer();
    if (writer !== undefined && this.#config !== undefined)
      this.#settler.release(writer, this.#config.channel);
  }

  close(): void {
    this.#decoder?.close();
    this.#decoder = undefined;
  }

  // ---- JitterBufferSink: frames in sequence order ------------------------------------------------------------

  onFrame(frame: JitterFrame): void {
    const cfg = this.#config;
    if (cfg === undefined) return;
    const pt = this.#ptBySeq[frame.sequence & 0xff]!;
    if (pt === cfg.codec.pt) {
      const writer = this.#writer();
      if (writer === undefined) return;
      if (cfg.codec.name === 'G729') {
        writer.rawWriter(cfg.channel)?.write(frame.timestamp, frame.sequence, frame.payload);
        return;
      }
      const decoder = this.#decoder;
      if (decoder === undefined) return;
      let n: number;
      try {
        n = decoder.decode(frame.payload, this.#shared.pcm);
      } catch {
        this.decodeErrors++;
        this.#shared.counters.decodeErrors++;
        return;
      }
      if (n <= 0) return;
      this.#settler.write(
        writer,
        cfg.channel,
        this.#shared.pcm,
        n,
        frame.timestamp,
        cfg.codec.clockRate,
        this.#decoderRate,
        frame.arrivalMs,
      );
    } else if (pt === cfg.telephoneEvent?.pt) {
      this.#dtmf?.onPacket(frame.payload, frame.timestamp, frame.arrivalMs);
    }
    // Comfort noise (RFC 3389) writes nothing: the timeline leaves silence until the next audio's timestamp.
  }

  onGap(fromTimestamp: number, samples: number, lostPackets: number): void {
    // Silence needs no writing: the timeline places the next frame by its timestamp. Opus conceals real losses
    // (its PLC fades out on its own); a DTX or comfort-noise gap stays silent.
    const cfg = this.#config;
    const decoder = this.#decoder;
    if (lostPackets === 0 || cfg === undefined || decoder === undefined || decoder.name !== 'OPUS') return;
    const writer = this.#writer();
    if (writer === undefined) return;
    this.#settler.release(writer, cfg.channel);
    const wanted = Math.min(
      Math.round((samples * this.#decoderRate) / cfg.codec.clockRate),
      this.#shared.pcm.length,
    );
    const n = decoder.concealment(this.#shared.pcm, wanted);
    const info = this.#frame;
    info.rtpTimestamp = fromTimestamp;
    info.clockRate = cfg.codec.clockRate;
    info.sampleRate = this.#decoderRate;
    info.arrivalMs = this.#shared.now();
    writer.write(cfg.channel, this.#shared.pcm, n, info);
  }

  onDiscontinuity(): void {
    const cfg = this.#config;
    if (cfg === undefined) return;
    this.#reanchor(this.#writer(), cfg.channel, cfg.channel);
    this.#decoder?.reset();
    this.#dtmf?.flush();
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  #replaceDecoder(
    config: MediaStreamConfig,
    before: MediaStreamConfig | undefined,
    writer: RecordingWriter | undefined,
  ): void {
    this.#decoder?.close();
    this.#decoder = undefined;
    if (config.codec.name === 'G729') return;
    const rate = writer?.sampleRate ?? 48000;
    // Opus decodes straight to the recording rate when libopus supports it (no resampler on the way).
    const opusRate: OpusRate =
      rate === 8000 || rate === 16000 || rate === 24000 || rate === 12000 ? rate : 48000;
    this.#decoder = createDecoder(config.codec.name, { channels: 1, sampleRate: opusRate });
    this.#decoderRate = this.#decoder.sampleRate;
    this.#reanchor(writer, before?.channel ?? config.channel, config.channel);
  }

  /** Writes what the settler holds, then makes the next frame anchor afresh on the wall clock. */
  #reanchor(writer: RecordingWriter | undefined, oldChannel: number, channel: number): void {
    if (writer !== undefined) {
      this.#settler.release(writer, oldChannel);
      writer.discontinuity(channel);
    }
    this.#settler.restart();
  }
}
