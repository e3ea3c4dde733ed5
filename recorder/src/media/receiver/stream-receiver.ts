/**
 * The receive path of one negotiated stream, inside a media worker: from the datagram to the recording timeline.
 *
 * Per RTP packet (no promises, no closures, no objects: the header, the decode buffer and the frame descriptor are
 * shared or owned, and the jitter buffer takes the datagram with the payload's offset and length):
 *   size check → RTCP demux when muxed (RFC 5761 §4) → source check (symmetric latching) → SRTP unprotect in place
 *   (RFC 3711; failures counted and dropped, never written) → RTP parse → latch → RFC 3550 A.1 statistics →
 *   jitter/reorder buffer → in order: {@link StreamPlayout} (decode → timeline, DTMF, silence for gaps).
 * RTCP, in both directions, is {@link StreamRtcp}'s; the counters and the sidecar snapshot {@link StreamCounters}'.
 *
 * Symmetric latching (INTEROP §13): the real source often differs from the SDP (NAT, SBC media ports), so the
 * first packet that parses (and, under SRTP, authenticates) fixes the source; other sources are dropped and
 * counted. A re-negotiation un-latches, and so does a source that has been silent for a second while another one
 * sends valid packets (an SBC that moved its media port without a re-INVITE). RTCP is latched the same way.
 */
import type { RemoteInfo } from 'node:dgram';
import { JitterBuffer } from '../jitter/jitter-buffer.js';
import { isRtcp } from '../rtp/rtcp-demux.js';
import type { RtcpCompound } from '../rtp/rtcp-packet.js';
import { type RtpHeader, parseRtpHeader } from '../rtp/rtp-header.js';
import { RtpStreamStats } from '../rtp/rtp-stats.js';
import { SrtpResult } from '../srtp/srtp-error.js';
import { SrtpSession } from '../srtp/srtp-session.js';
import { srtpSuiteParams } from '../srtp/srtp-suite.js';
import type {
  DtmfEvent,
  MediaStreamConfig,
  StreamMediaStats,
  WorkerCounterDeltas,
} from '../engine/engine-protocol.js';
import { MediaEngineError } from '../engine/media-engine-error.js';
import type { BoundPortPair } from './port-allocator.js';
import type { RecordingWriter } from './recording-writer.js';
import { StreamCounters } from './stream-statistics.js';
import { StreamPlayout } from './stream-playout.js';
import { RtcpIntake, StreamRtcp } from './stream-rtcp.js';

/** Datagrams larger than this are not RTP we record (a G.711 packet is 172 bytes, Opus at most ~1.3 KB). */
export const MAX_RTP_PACKET_BYTES = 4096;
/** A latched source silent this long may be replaced by another valid one. */
const RELATCH_AFTER_MS = 1000;

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

/** One stream's sockets and receive path. */
export class StreamReceiver {
  readonly recordingId: string;
  readonly pair: BoundPortPair;
  readonly #shared: ReceiverShared;
  readonly #playout: StreamPlayout;
  readonly #rtcp: StreamRtcp;
  readonly #counts = new StreamCounters();
  /** The latched RTP source; port 0 while none. Read by the RTCP side as where reports go by default. */
  readonly #source = { address: '', port: 0 };
  #config: MediaStreamConfig | undefined;
  #srtp: SrtpSession | undefined;
  #srtpOut: SrtpSession | undefined;
  #jitter: JitterBuffer | undefined;
  #jitterClock = 0;
  #stats: RtpStreamStats | undefined;
  #closed = false;

  constructor(
    recordingId: string,
    pair: BoundPortPair,
    shared: ReceiverShared,
    writer: () => RecordingWriter | undefined,
  ) {
    this.recordingId = recordingId;
    this.pair = pair;
    this.#shared = shared;
    this.#rtcp = new StreamRtcp(shared);
    this.#playout = new StreamPlayout(shared, writer);
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
    return this.#counts.packets;
  }

  get bytesReceived(): number {
    return this.#counts.bytes;
  }

  get firstPacketAt(): number | null {
    return this.#counts.firstAt < 0 ? null : this.#counts.firstAt;
  }

  get lastPacketAt(): number | null {
    return this.#counts.lastAt < 0 ? null : this.#counts.lastAt;
  }

  /**
   * Applies a (re-)negotiation. The source is latched afresh; a new codec, clock or key replaces the decoder,
   * jitter buffer or SRTP context; a stream coming back from hold is re-anchored on the wall clock.
   * @throws MediaEngineError `MEDIA_BAD_CONFIG` for a suite or key we cannot use
   */
  configure(config: MediaStreamConfig): void {
    const before = this.#config;
    this.#configureSrtp(config, before);
    this.#playout.updateDecoder(config, before);
    if (this.#jitter === undefined || this.#jitterClock !== config.codec.clockRate) {
      this.#jitter?.flush();
      this.#counts.foldJitter(this.#jitter);
      this.#jitterClock = config.codec.clockRate;
      this.#jitter = new JitterBuffer({
        clockRate: config.codec.clockRate,
        sink: this.#playout,
        capacity: 32,
      });
    }
    this.#playout.updateEvents(config, before);
    if (before?.active && !config.active) this.#jitter.flush();
    this.#playout.use(config);
    this.#config = config;
    this.#source.address = '';
    this.#source.port = 0;
    this.#rtcp.unlatch();
  }

  /** Releases what is due (reordered packets past their wait, gaps) and sends a receiver report when due. */
  tick(now: number): void {
    if (this.#closed) return;
    this.#jitter?.poll(now);
    this.#playout.tick(now);
    this.#rtcp.tick(now, this.#config, this.#stats, this.#source, this.#srtpOut, this.pair);
  }

  /** Reports how many packets were lost since the previous call (for the loss counter). */
  lostSinceLastReport(): number {
    return this.#counts.lostSinceLastReport(this.#stats);
  }

  /** Releases everything buffered and closes open DTMF events (end of the recording). */
  flush(): void {
    this.#jitter?.flush();
    this.#playout.flush();
  }

  /** Stops receiving; the caller releases the sockets. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#playout.close();
  }

  /** DTMF events so far. */
  get dtmfEvents(): readonly DtmfEvent[] {
    return this.#playout.dtmfEvents;
  }

  /** The sidecar's statistics of this stream. */
  statistics(
    inWav: boolean,
    rawFile: string | null,
    timeline: StreamMediaStats['timeline'] = null,
  ): StreamMediaStats {
    const source = this.#source;
    return this.#counts.snapshot({
      rtpPort: this.pair.rtpPort,
      config: this.#config,
      stats: this.#stats,
      jitter: this.#jitter,
      srtp: this.#srtp,
      decodeErrors: this.#playout.decodeErrors,
      malformedEvents: this.#playout.malformedEvents,
      dtmfEvents: this.#playout.dtmfEvents,
      latchedSource: source.port === 0 ? null : `${source.address}:${source.port}`,
      rtcpReceived: this.#rtcp.received,
      rtcpSent: this.#rtcp.sent,
      inWav,
      rawFile,
      timeline,
    });
  }

  /** Packets dropped before the stream was configured or while it was on hold (for tests and logs). */
  get dropped(): { unconfigured: number; inactive: number } {
    return { unconfigured: this.#counts.unconfigured, inactive: this.#counts.inactiveDrops };
  }

  // ---- receive path ---------------------------------------------------------------------------------------

  #onRtpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    const cfg = this.#config;
    const counts = this.#counts;
    if (cfg === undefined || this.#closed) {
      counts.unconfigured++;
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
      counts.inactiveDrops++;
      return;
    }
    const now = this.#shared.now();
    const source = this.#source;
    let relatch = source.port === 0;
    if (!relatch && (rinfo.port !== source.port || rinfo.address !== source.address)) {
      if (now - counts.lastAt < RELATCH_AFTER_MS) {
        counts.foreign++;
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
      counts.unknownPt++;
      return;
    }
    if (relatch) {
      source.address = rinfo.address;
      source.port = rinfo.port;
    }
    let stats = this.#stats;
    if (stats === undefined || stats.ssrc !== h.ssrc) {
      if (stats !== undefined) counts.foldSsrc(stats);
      stats = new RtpStreamStats({ ssrc: h.ssrc, clockRate: cfg.codec.clockRate });
      this.#stats = stats;
    }
    const payloadLength = h.payloadLength;
    stats.update(h.sequenceNumber, h.timestamp, now, payloadLength);
    counts.packets++;
    counts.bytes += payloadLength;
    if (counts.firstAt < 0) counts.firstAt = now;
    counts.lastAt = now;
    const workerCounters = this.#shared.counters;
    workerCounters.packets++;
    workerCounters.bytes += payloadLength;
    this.#playout.notePayloadType(h.sequenceNumber, pt);
    const jitter = this.#jitter!;
    jitter.push(h.ssrc, h.sequenceNumber, h.timestamp, h.marker, msg, now, h.payloadOffset, payloadLength);
    jitter.poll(now);
  }

  #onRtcpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    const cfg = this.#config;
    if (cfg === undefined || this.#closed || cfg.rtcpMux) {
      this.#counts.unconfigured++;
      return;
    }
    if (msg.length < 8 || msg.length > MAX_RTP_PACKET_BYTES) {
      this.#dropMalformed();
      return;
    }
    this.#onRtcp(msg, rinfo);
  }

  #onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#rtcp.receive(msg, rinfo, this.#srtp, this.#stats) === RtcpIntake.MALFORMED)
      this.#dropMalformed();
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  /** Keeps the SRTP contexts while suite and keys are unchanged, so the rollover counters stay right. */
  #configureSrtp(config: MediaStreamConfig, before: MediaStreamConfig | undefined): void {
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
    if (srtp !== this.#srtp) this.#counts.foldSrtp(this.#srtp);
    this.#srtp = srtp;
    this.#srtpOut = srtpOut;
  }

  #dropMalformed(): void {
    this.#counts.malformed++;
    this.#shared.counters.malformed++;
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
