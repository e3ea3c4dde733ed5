/**
 * The receive path of one negotiated stream, inside a media worker: from the datagram to the recording timeline.
 *
 * Per RTP packet (no promises, nothing allocated that can be reused; the header, the decode buffer and the frame
 * descriptor are shared or owned):
 *   size check → RTCP demux when muxed (RFC 5761 §4) → source check (symmetric latching) → SRTP unprotect in place
 *   (RFC 3711; failures counted and dropped, never written) → RTP parse → latch → RFC 3550 A.1 statistics →
 *   jitter/reorder buffer → in order: decode → timeline (or raw frames for G.729), RFC 4733 events → DTMF,
 *   comfort noise and gaps → silence of the right length (the timeline places audio by RTP timestamp).
 *
 * Symmetric latching (INTEROP §13): the real source often differs from the SDP (NAT, SBC media ports), so the
 * first packet that parses (and, under SRTP, authenticates) fixes the source; other sources are dropped and
 * counted. A re-negotiation un-latches, and so does a source that has been silent for a second while another one
 * sends valid packets (an SBC that moved its media port without a re-INVITE). RTCP is latched the same way.
 *
 * Receiver reports go back to the RTCP source about every five seconds (RFC 3550 §6.2, INTEROP §13: some SBCs
 * expect RTCP from a recvonly peer); the recorder never sends RTP.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { createDecoder } from '../codecs/create-decoder.js';
import type { Decoder } from '../codecs/decoder.js';
import type { OpusRate } from '../codecs/opus.js';
import { JitterBuffer, type JitterBufferSink, type JitterFrame } from '../jitter/jitter-buffer.js';
import { isRtcp } from '../rtp/rtcp-demux.js';
import { RtcpCompound, parseRtcpCompound } from '../rtp/rtcp-packet.js';
import { buildReceiverReport } from '../rtp/rtcp-receiver-report.js';
import { RtpHeader, parseRtpHeader } from '../rtp/rtp-header.js';
import { RtpStreamStats } from '../rtp/rtp-stats.js';
import { SrtpResult } from '../srtp/srtp-error.js';
import { SrtpSession } from '../srtp/srtp-session.js';
import { srtpSuiteParams } from '../srtp/srtp-suite.js';
import type { TimelineFrame } from '../../recording/wav/recording-timeline.js';
import type {
  DtmfEvent,
  MediaStreamConfig,
  StreamMediaStats,
  WorkerCounterDeltas,
} from '../engine/engine-protocol.js';
import { MediaEngineError } from '../engine/media-engine-error.js';
import { AnchorSettler } from './anchor-settler.js';
import { DtmfTracker } from './dtmf-tracker.js';
import type { BoundPortPair } from './port-allocator.js';
import type { RecordingWriter } from './recording-writer.js';

/** Datagrams larger than this are not RTP we record (a G.711 packet is 172 bytes, Opus at most ~1.3 KB). */
export const MAX_RTP_PACKET_BYTES = 4096;
/** A latched source silent this long may be replaced by another valid one. */
const RELATCH_AFTER_MS = 1000;
/** RFC 3550 §6.2: the minimum report interval, randomised 0.5–1.5× (§6.3.1). */
const REPORT_INTERVAL_MS = 5000;

/** What a stream shares with the other streams of its worker (one event loop: no two packets at once). */
export interface ReceiverShared {
  readonly header: RtpHeader;
  readonly rtcp: RtcpCompound;
  /** Decoder output. */
  readonly pcm: Int16Array;
  readonly counters: WorkerCounterDeltas;
  readonly now: () => number;
  readonly random: () => number;
}

/** A mutable {@link TimelineFrame}, reused for every frame of the stream. */
class FrameInfo implements TimelineFrame {
  rtpTimestamp = 0;
  clockRate = 8000;
  sampleRate = 8000;
  arrivalMs = 0;
}

/** One stream's sockets and receive path. */
export class StreamReceiver implements JitterBufferSink {
  readonly recordingId: string;
  readonly pair: BoundPortPair;
  readonly #shared: ReceiverShared;
  readonly #writer: () => RecordingWriter | undefined;
  readonly #frame = new FrameInfo();
  readonly #settler = new AnchorSettler();
  /** Payload type of each buffered packet by sequence number: the jitter buffer holds at most 32. */
  readonly #ptBySeq = new Uint8Array(256);
  #config: MediaStreamConfig | undefined;
  #srtp: SrtpSession | undefined;
  #srtpOut: SrtpSession | undefined;
  #decoder: Decoder | undefined;
  #decoderRate = 8000;
  #jitter: JitterBuffer | undefined;
  #jitterClock = 0;
  #stats: RtpStreamStats | undefined;
  #dtmf: DtmfTracker | undefined;
  #latchedAddress = '';
  #latchedPort = 0;
  #rtcpAddress = '';
  #rtcpPort = 0;
  #nextReportAt = 0;
  readonly #ourSsrc: number;
  #closed = false;

  // Counters for the sidecar; the ones of replaced objects (SSRC, SRTP key, jitter buffer) are folded in.
  #packets = 0;
  #bytes = 0;
  #firstAt = -1;
  #lastAt = -1;
  #lostBase = 0;
  #lostReported = 0;
  #dupBase = 0;
  #lateBase = 0;
  #authFailures = 0;
  #replays = 0;
  #decodeErrors = 0;
  #malformed = 0;
  #foreign = 0;
  #unknownPt = 0;
  #ssrcChanges = 0;
  #rtcpIn = 0;
  #rtcpOut = 0;
  #unconfigured = 0;
  #inactiveDrops = 0;

  constructor(
    recordingId: string,
    pair: BoundPortPair,
    shared: ReceiverShared,
    writer: () => RecordingWriter | undefined,
  ) {
    this.recordingId = recordingId;
    this.pair = pair;
    this.#shared = shared;
    this.#writer = writer;
    this.#ourSsrc = Math.floor(shared.random() * 0xffffffff) >>> 0;
    pair.rtp.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.#onRtpSocket(msg, rinfo));
    pair.rtcp.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.#onRtcpSocket(msg, rinfo));
  }

  get rtpPort(): number {
    return this.pair.rtpPort;
  }

  get config(): MediaStreamConfig | undefined {
    return this.#config;
  }

  get packetsReceived(): number {
    return this.#packets;
  }

  get bytesReceived(): number {
    return this.#bytes;
  }

  get firstPacketAt(): number | null {
    return this.#firstAt < 0 ? null : this.#firstAt;
  }

  get lastPacketAt(): number | null {
    return this.#lastAt < 0 ? null : this.#lastAt;
  }

  /**
   * Applies a (re-)negotiation. The source is latched afresh; a new codec, clock or key replaces the decoder,
   * jitter buffer or SRTP context; a stream coming back from hold is re-anchored on the wall clock.
   * @throws MediaEngineError `MEDIA_BAD_CONFIG` for a suite or key we cannot use
   */
  configure(config: MediaStreamConfig): void {
    const before = this.#config;
    let srtp = this.#srtp;
    let srtpOut = this.#srtpOut;
    if (config.srtp === null) {
      srtp = undefined;
      srtpOut = undefined;
    } else if (
      before?.srtp === null ||
      before?.srtp === undefined ||
      before.srtp.suite !== config.srtp.suite ||
      !sameBytes(before.srtp.remoteKeySalt, config.srtp.remoteKeySalt) ||
      !sameBytes(before.srtp.localKeySalt, config.srtp.localKeySalt)
    ) {
      const params = srtpSuiteParams(config.srtp.suite);
      if (params === undefined)
        throw new MediaEngineError('MEDIA_BAD_CONFIG', `unsupported SRTP suite ${config.srtp.suite}`);
      try {
        srtp = new SrtpSession({ suite: params.suite, keySalt: Buffer.from(config.srtp.remoteKeySalt) });
        srtpOut = new SrtpSession({ suite: params.suite, keySalt: Buffer.from(config.srtp.localKeySalt) });
      } catch (err) {
        throw new MediaEngineError('MEDIA_BAD_CONFIG', `SRTP key rejected: ${(err as Error).message}`);
      }
    }
    if (srtp !== this.#srtp) this.#foldSrtp();
    this.#srtp = srtp;
    this.#srtpOut = srtpOut;

    const writer = this.#writer();
    const codecChanged = before?.codec.name !== config.codec.name || before.codec.pt !== config.codec.pt;
    if (codecChanged || this.#decoder === undefined) this.#replaceDecoder(config, writer);
    if (this.#jitter === undefined || this.#jitterClock !== config.codec.clockRate) {
      this.#jitter?.flush();
      this.#foldJitter();
      this.#jitterClock = config.codec.clockRate;
      this.#jitter = new JitterBuffer({ clockRate: config.codec.clockRate, sink: this, capacity: 32 });
    }
    const eventClock = config.telephoneEvent?.clockRate ?? config.codec.clockRate;
    if (this.#dtmf) this.#dtmf.reconfigure(config.label, config.channel, eventClock);
    else this.#dtmf = new DtmfTracker(config.label, config.channel, eventClock);

    if (before && (!before.active || before.channel !== config.channel) && config.active) {
      this.#reanchor(writer, before.channel, config.channel);
    }
    if (before?.active && !config.active) this.#jitter.flush();
    this.#config = config;
    this.#latchedAddress = '';
    this.#latchedPort = 0;
    this.#rtcpAddress = '';
    this.#rtcpPort = 0;
  }

  /** Releases what is due (reordered packets past their wait, gaps) and sends a receiver report when due. */
  tick(now: number): void {
    if (this.#closed) return;
    this.#jitter?.poll(now);
    const writer = this.#writer();
    if (writer !== undefined && this.#config !== undefined)
      this.#settler.tick(now, writer, this.#config.channel);
    if (now >= this.#nextReportAt) {
      this.#nextReportAt = now + REPORT_INTERVAL_MS * (0.5 + this.#shared.random());
      this.#sendReport(now);
    }
  }

  /** Reports how many packets were lost since the previous call (for the loss counter). */
  lostSinceLastReport(): number {
    const lost = this.#lostTotal();
    const delta = lost - this.#lostReported;
    this.#lostReported = lost;
    return delta > 0 ? delta : 0;
  }

  /** Releases everything buffered and closes open DTMF events (end of the recording). */
  flush(): void {
    this.#jitter?.flush();
    this.#dtmf?.flush();
    const writer = this.#writer();
    if (writer !== undefined && this.#config !== undefined)
      this.#settler.release(writer, this.#config.channel);
  }

  /** Stops receiving; the caller releases the sockets. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder?.close();
    this.#decoder = undefined;
  }

  /** DTMF events so far. */
  get dtmfEvents(): readonly DtmfEvent[] {
    return this.#dtmf?.events ?? [];
  }

  /** The sidecar's statistics of this stream. */
  statistics(
    inWav: boolean,
    rawFile: string | null,
    timeline: StreamMediaStats['timeline'] = null,
  ): StreamMediaStats {
    const cfg = this.#config;
    const jitter = this.#jitter?.stats;
    const stats = this.#stats;
    return {
      rtpPort: this.pair.rtpPort,
      label: cfg?.label ?? null,
      channel: cfg?.channel ?? -1,
      inWav,
      codec: cfg?.codec.name ?? null,
      storage: cfg?.codec.name === 'G729' ? 'raw' : 'wav',
      rawFile,
      packetsReceived: this.#packets,
      packetsLost: this.#lostTotal(),
      packetsDuplicated: this.#dupBase + (jitter?.duplicates ?? 0),
      packetsLate: this.#lateBase + (jitter?.late ?? 0),
      jitterMs: stats ? Math.round((stats.jitter * 1000 * 100) / stats.clockRate) / 100 : 0,
      bytesReceived: this.#bytes,
      firstPacketAt: this.firstPacketAt,
      lastPacketAt: this.lastPacketAt,
      srtpAuthFailures: this.#authFailures + (this.#srtp?.stats.authFailures ?? 0),
      srtpReplays: this.#replays + (this.#srtp?.stats.replays ?? 0),
      decodeErrors: this.#decodeErrors,
      malformedPackets: this.#malformed + (this.#dtmf?.malformed ?? 0),
      foreignPackets: this.#foreign,
      unknownPayloadTypes: this.#unknownPt,
      ssrcChanges: this.#ssrcChanges,
      latchedSource: this.#latchedPort === 0 ? null : `${this.#latchedAddress}:${this.#latchedPort}`,
      rtcpReceived: this.#rtcpIn,
      rtcpSent: this.#rtcpOut,
      dtmfEvents: this.#dtmf?.events.length ?? 0,
      timeline,
    };
  }

  /** Packets dropped before the stream was configured or while it was on hold (for tests and logs). */
  get dropped(): { unconfigured: number; inactive: number } {
    return { unconfigured: this.#unconfigured, inactive: this.#inactiveDrops };
  }

  // ---- receive path ---------------------------------------------------------------------------------------

  #onRtpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    const cfg = this.#config;
    if (cfg === undefined || this.#closed) {
      this.#unconfigured++;
      return;
    }
    const len = msg.length;
    if (len < 12 || len > MAX_RTP_PACKET_BYTES) {
      this.#dropMalformed();
      return;
    }
    if (cfg.rtcpMux && isRtcp(msg)) {
      this.#onRtcp(msg, rinfo);
      return;
    }
    if (!cfg.active) {
      this.#inactiveDrops++;
      return;
    }
    const now = this.#shared.now();
    let relatch = this.#latchedPort === 0;
    if (!relatch && (rinfo.port !== this.#latchedPort || rinfo.address !== this.#latchedAddress)) {
      if (now - this.#lastAt < RELATCH_AFTER_MS) {
        this.#foreign++;
        return;
      }
      relatch = true;
    }
    let length = len;
    const srtp = this.#srtp;
    if (srtp !== undefined) {
      length = srtp.unprotectRtp(msg);
      if (length < 0) {
        if (length === SrtpResult.AUTH_FAILED) this.#shared.counters.srtpAuthFailures++;
        else if (length === SrtpResult.MALFORMED) this.#dropMalformed();
        return;
      }
    }
    const h = this.#shared.header;
    if (!parseRtpHeader(msg, h, length)) {
      this.#dropMalformed();
      return;
    }
    const pt = h.payloadType;
    if (pt !== cfg.codec.pt && pt !== cfg.telephoneEvent?.pt && pt !== cfg.comfortNoisePt) {
      this.#unknownPt++;
      return;
    }
    if (relatch) {
      this.#latchedAddress = rinfo.address;
      this.#latchedPort = rinfo.port;
    }
    let stats = this.#stats;
    if (stats === undefined || stats.ssrc !== h.ssrc) {
      if (stats !== undefined) {
        this.#ssrcChanges++;
        this.#lostBase += Math.max(0, stats.cumulativeLost + stats.duplicates);
      }
      stats = new RtpStreamStats({ ssrc: h.ssrc, clockRate: cfg.codec.clockRate });
      this.#stats = stats;
    }
    stats.update(h.sequenceNumber, h.timestamp, now, h.payloadLength);
    this.#packets++;
    this.#bytes += h.payloadLength;
    if (this.#firstAt < 0) this.#firstAt = now;
    this.#lastAt = now;
    const counters = this.#shared.counters;
    counters.packets++;
    counters.bytes += h.payloadLength;
    this.#ptBySeq[h.sequenceNumber & 0xff] = pt;
    const jitter = this.#jitter!;
    jitter.push(
      h.ssrc,
      h.sequenceNumber,
      h.timestamp,
      h.marker,
      msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength),
      now,
    );
    jitter.poll(now);
  }

  #onRtcpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    const cfg = this.#config;
    if (cfg === undefined || this.#closed || cfg.rtcpMux) {
      this.#unconfigured++;
      return;
    }
    if (msg.length < 8 || msg.length > MAX_RTP_PACKET_BYTES) {
      this.#dropMalformed();
      return;
    }
    this.#onRtcp(msg, rinfo);
  }

  #onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    this.#rtcpIn++;
    let length = msg.length;
    if (this.#srtp !== undefined) {
      length = this.#srtp.unprotectRtcp(msg);
      if (length < 0) {
        if (length === SrtpResult.AUTH_FAILED) this.#shared.counters.srtpAuthFailures++;
        return;
      }
    }
    const compound = this.#shared.rtcp;
    if (!parseRtcpCompound(msg, compound, length)) {
      this.#dropMalformed();
      return;
    }
    this.#rtcpAddress = rinfo.address;
    this.#rtcpPort = rinfo.port;
    const stats = this.#stats;
    if (stats === undefined) return;
    for (const sr of compound.senderReports) {
      if (sr.ssrc === stats.ssrc) stats.noteSenderReport(sr.ntpSeconds, sr.ntpFraction, this.#shared.now());
    }
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
        this.#decodeErrors++;
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

  #replaceDecoder(config: MediaStreamConfig, writer: RecordingWriter | undefined): void {
    this.#decoder?.close();
    this.#decoder = undefined;
    if (config.codec.name === 'G729') return;
    const rate = writer?.sampleRate ?? 48000;
    // Opus decodes straight to the recording rate when libopus supports it (no resampler on the way).
    const opusRate: OpusRate =
      rate === 8000 || rate === 16000 || rate === 24000 || rate === 12000 ? rate : 48000;
    this.#decoder = createDecoder(config.codec.name, { channels: 1, sampleRate: opusRate });
    this.#decoderRate = this.#decoder.sampleRate;
    const previous = this.#config?.channel ?? config.channel;
    this.#reanchor(writer, previous, config.channel);
  }

  /** Writes what the settler holds, then makes the next frame anchor afresh on the wall clock. */
  #reanchor(writer: RecordingWriter | undefined, oldChannel: number, channel: number): void {
    if (writer !== undefined) {
      this.#settler.release(writer, oldChannel);
      writer.discontinuity(channel);
    }
    this.#settler.restart();
  }

  #sendReport(now: number): void {
    const cfg = this.#config;
    const stats = this.#stats;
    if (cfg === undefined || stats === undefined || !cfg.active || !stats.valid) return;
    let address = this.#rtcpAddress;
    let port = this.#rtcpPort;
    if (port === 0) {
      // No RTCP heard yet: the RTP source's RTCP port (§11: RTP port + 1, or the same port when muxed).
      if (this.#latchedPort === 0) return;
      address = this.#latchedAddress;
      port = cfg.rtcpMux ? this.#latchedPort : this.#latchedPort + 1;
      if (port > 65535) return;
    }
    let packet = buildReceiverReport({
      ssrc: this.#ourSsrc,
      reports: [stats.reportBlock(now)],
      cname: 'siprec-recorder',
    });
    if (this.#srtpOut !== undefined) packet = this.#srtpOut.protectRtcp(packet);
    const socket: Socket = cfg.rtcpMux ? this.pair.rtp : this.pair.rtcp;
    socket.send(packet, port, address, () => undefined);
    this.#rtcpOut++;
  }

  #dropMalformed(): void {
    this.#malformed++;
    this.#shared.counters.malformed++;
  }

  /**
   * Packets never received. RFC 3550 §6.4.1's cumulative loss counts duplicates as received (so it may hide
   * losses, even go negative); the sidecar wants the packets that are really missing, so duplicates are added back.
   */
  #lostTotal(): number {
    const s = this.#stats;
    return this.#lostBase + (s === undefined ? 0 : Math.max(0, s.cumulativeLost + s.duplicates));
  }

  #foldSrtp(): void {
    const s = this.#srtp;
    if (s === undefined) return;
    this.#authFailures += s.stats.authFailures;
    this.#replays += s.stats.replays;
  }

  #foldJitter(): void {
    const j = this.#jitter;
    if (j === undefined) return;
    this.#dupBase += j.stats.duplicates;
    this.#lateBase += j.stats.late;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}
