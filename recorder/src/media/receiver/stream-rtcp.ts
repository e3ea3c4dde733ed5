/**
 * The RTCP side of one stream: SRTCP unprotect and parse of what the SRC sends (its sender reports feed LSR/DLSR),
 * latching of the RTCP source, and our receiver reports back about every five seconds (RFC 3550 §6.2, randomised
 * 0.5–1.5× as §6.3.1 asks; INTEROP §13: some SBCs expect RTCP from a recvonly peer). The recorder never sends RTP.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { type RtcpCompound, parseRtcpCompound } from '../rtp/rtcp-packet.js';
import { buildReceiverReport } from '../rtp/rtcp-receiver-report.js';
import type { RtpStreamStats } from '../rtp/rtp-stats.js';
import { SrtpResult } from '../srtp/srtp-error.js';
import type { SrtpSession } from '../srtp/srtp-session.js';
import type { MediaStreamConfig, WorkerCounterDeltas } from '../engine/engine-protocol.js';

/** RFC 3550 §6.2: the minimum report interval. */
const REPORT_INTERVAL_MS = 5000;

/** What the RTCP side shares with the other streams of its worker. */
export interface RtcpShared {
  readonly rtcp: RtcpCompound;
  readonly counters: WorkerCounterDeltas;
  readonly now: () => number;
  readonly random: () => number;
}

/** Outcome of {@link StreamRtcp.receive} that the stream counts. */
export const RtcpIntake = { ACCEPTED: 0, DROPPED: 1, MALFORMED: 2 } as const;
export type RtcpIntake = (typeof RtcpIntake)[keyof typeof RtcpIntake];

/** RTCP reception and receiver reports of one stream. */
export class StreamRtcp {
  readonly #shared: RtcpShared;
  readonly #ourSsrc: number;
  #address = '';
  #port = 0;
  #nextReportAt = 0;
  /** Compound packets received (valid or not) and reports sent, for the sidecar. */
  received = 0;
  sent = 0;

  constructor(shared: RtcpShared) {
    this.#shared = shared;
    this.#ourSsrc = Math.floor(shared.random() * 0xffffffff) >>> 0;
  }

  /** Forgets the RTCP source (a re-negotiation latches afresh). */
  unlatch(): void {
    this.#address = '';
    this.#port = 0;
  }

  /** Takes one RTCP compound packet (SRTCP when `srtp` is set); `stats` is the current RTP source's. */
  receive(
    msg: Buffer,
    rinfo: RemoteInfo,
    srtp: SrtpSession | undefined,
    stats: RtpStreamStats | undefined,
  ): RtcpIntake {
    this.received++;
    let length = msg.length;
    if (srtp !== undefined) {
      length = srtp.unprotectRtcp(msg);
      if (length < 0) {
        if (length === SrtpResult.AUTH_FAILED) this.#shared.counters.srtpAuthFailures++;
        return RtcpIntake.DROPPED;
      }
    }
    const compound = this.#shared.rtcp;
    if (!parseRtcpCompound(msg, compound, length)) return RtcpIntake.MALFORMED;
    this.#address = rinfo.address;
    this.#port = rinfo.port;
    if (stats === undefined) return RtcpIntake.ACCEPTED;
    for (const sr of compound.senderReports) {
      if (sr.ssrc === stats.ssrc) stats.noteSenderReport(sr.ntpSeconds, sr.ntpFraction, this.#shared.now());
    }
    return RtcpIntake.ACCEPTED;
  }

  /**
   * Sends a receiver report when one is due. Without RTCP heard yet, it goes to the RTP source's RTCP port
   * (RFC 3550 §11: RTP port + 1, or the same port when muxed); without a source, nowhere.
   */
  tick(
    now: number,
    cfg: MediaStreamConfig | undefined,
    stats: RtpStreamStats | undefined,
    rtpSource: { readonly address: string; readonly port: number },
    srtpOut: SrtpSession | undefined,
    sockets: { readonly rtp: Socket; readonly rtcp: Socket },
  ): void {
    if (now < this.#nextReportAt) return;
    this.#nextReportAt = now + REPORT_INTERVAL_MS * (0.5 + this.#shared.random());
    if (cfg === undefined || stats === undefined || !cfg.active || !stats.valid) return;
    let address = this.#address;
    let port = this.#port;
    if (port === 0) {
      if (rtpSource.port === 0) return;
      address = rtpSource.address;
      port = cfg.rtcpMux ? rtpSource.port : rtpSource.port + 1;
      if (port > 65535) return;
    }
    let packet = buildReceiverReport({
      ssrc: this.#ourSsrc,
      reports: [stats.reportBlock(now)],
      cname: 'siprec-recorder',
    });
    if (srtpOut !== undefined) packet = srtpOut.protectRtcp(packet);
    const socket = cfg.rtcpMux ? sockets.rtp : sockets.rtcp;
    socket.send(packet, port, address, () => undefined);
    this.sent++;
  }
}
