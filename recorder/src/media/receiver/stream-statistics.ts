/**
 * A stream's counters for the sidecar and the metrics, and the sidecar's statistics snapshot. The counters of
 * objects a stream replaces over its life (an SSRC's RFC 3550 statistics, an SRTP context after a re-key, a jitter
 * buffer after a clock change) are folded in here, so the totals cover the whole stream.
 */
import type { JitterBuffer } from '../jitter/jitter-buffer.js';
import type { RtpStreamStats } from '../rtp/rtp-stats.js';
import type { SrtpSession } from '../srtp/srtp-session.js';
import type { DtmfEvent, MediaStreamConfig, StreamMediaStats } from '../engine/engine-protocol.js';

/** Running totals of one stream. Plain fields: the receive path increments them per packet. */
export class StreamCounters {
  packets = 0;
  bytes = 0;
  firstAt = -1;
  lastAt = -1;
  malformed = 0;
  foreign = 0;
  unknownPt = 0;
  ssrcChanges = 0;
  /** Dropped before the stream was configured, or while it was on hold. */
  unconfigured = 0;
  inactiveDrops = 0;
  // Folded in from replaced objects.
  #lostBase = 0;
  #lostReported = 0;
  #dupBase = 0;
  #lateBase = 0;
  #authFailures = 0;
  #replays = 0;

  /** A new SSRC replaces `previous`: its losses are kept. */
  foldSsrc(previous: RtpStreamStats): void {
    this.ssrcChanges++;
    this.#lostBase += lostOf(previous);
  }

  foldSrtp(session: SrtpSession | undefined): void {
    if (session === undefined) return;
    this.#authFailures += session.stats.authFailures;
    this.#replays += session.stats.replays;
  }

  foldJitter(jitter: JitterBuffer | undefined): void {
    if (jitter === undefined) return;
    this.#dupBase += jitter.stats.duplicates;
    this.#lateBase += jitter.stats.late;
  }

  /** Packets never received, over every SSRC of the stream. */
  lostTotal(stats: RtpStreamStats | undefined): number {
    return this.#lostBase + (stats === undefined ? 0 : lostOf(stats));
  }

  /** How many packets were lost since the previous call (for the loss counter). */
  lostSinceLastReport(stats: RtpStreamStats | undefined): number {
    const lost = this.lostTotal(stats);
    const delta = lost - this.#lostReported;
    this.#lostReported = lost;
    return delta > 0 ? delta : 0;
  }

  /** The sidecar's statistics of the stream. */
  snapshot(parts: {
    readonly rtpPort: number;
    readonly config: MediaStreamConfig | undefined;
    readonly stats: RtpStreamStats | undefined;
    readonly jitter: JitterBuffer | undefined;
    readonly srtp: SrtpSession | undefined;
    readonly decodeErrors: number;
    readonly malformedEvents: number;
    readonly dtmfEvents: readonly DtmfEvent[];
    readonly latchedSource: string | null;
    readonly rtcpReceived: number;
    readonly rtcpSent: number;
    readonly inWav: boolean;
    readonly rawFile: string | null;
    readonly timeline: StreamMediaStats['timeline'];
  }): StreamMediaStats {
    const cfg = parts.config;
    const jitter = parts.jitter?.stats;
    const stats = parts.stats;
    return {
      rtpPort: parts.rtpPort,
      label: cfg?.label ?? null,
      channel: cfg?.channel ?? -1,
      inWav: parts.inWav,
      codec: cfg?.codec.name ?? null,
      storage: cfg?.codec.name === 'G729' ? 'raw' : 'wav',
      rawFile: parts.rawFile,
      packetsReceived: this.packets,
      packetsLost: this.lostTotal(stats),
      packetsDuplicated: this.#dupBase + (jitter?.duplicates ?? 0),
      packetsLate: this.#lateBase + (jitter?.late ?? 0),
      jitterMs: stats ? Math.round((stats.jitter * 1000 * 100) / stats.clockRate) / 100 : 0,
      bytesReceived: this.bytes,
      firstPacketAt: this.firstAt < 0 ? null : this.firstAt,
      lastPacketAt: this.lastAt < 0 ? null : this.lastAt,
      srtpAuthFailures: this.#authFailures + (parts.srtp?.stats.authFailures ?? 0),
      srtpReplays: this.#replays + (parts.srtp?.stats.replays ?? 0),
      decodeErrors: parts.decodeErrors,
      malformedPackets: this.malformed + parts.malformedEvents,
      foreignPackets: this.foreign,
      unknownPayloadTypes: this.unknownPt,
      ssrcChanges: this.ssrcChanges,
      latchedSource: parts.latchedSource,
      rtcpReceived: parts.rtcpReceived,
      rtcpSent: parts.rtcpSent,
      dtmfEvents: parts.dtmfEvents.length,
      timeline: parts.timeline,
    };
  }
}

/**
 * Packets of one SSRC never received. RFC 3550 §6.4.1's cumulative loss counts duplicates as received (so it may
 * hide losses, even go negative); the sidecar wants the packets that are really missing, so duplicates are added
 * back.
 */
function lostOf(stats: RtpStreamStats): number {
  return Math.max(0, stats.cumulativeLost + stats.duplicates);
}
