/**
 * Issue 3 "Receive": RTCP on its own port or muxed, with receiver reports sent back to the source, and never any
 * RTP sent. An SRC made of UDP sockets sends A-law RTP (starting just below the 16-bit wrap, with packets
 * deliberately left out) and RTCP sender reports; what comes back must be RTCP receiver reports about that stream:
 * our SSRC, the extended highest sequence number (one cycle), the packets really lost, LSR echoing the middle of
 * the last SR's NTP time — addressed to the socket the SR came from. With SDES-SRTP the reports are SRTCP:
 * encrypted, authenticated with the key of the recorder's answer, and rejected when tampered with.
 */
import { expect } from 'chai';
import { RtcpCompound, parseRtcpCompound } from '../../../../recorder/src/media/rtp/rtcp-packet.js';
import { isRtcp } from '../../../../recorder/src/media/rtp/rtcp-demux.js';
import { SrtpSession } from '../../../../recorder/src/media/srtp/srtp-session.js';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { SiprecSrc, type OfferStream } from '../../../support/media-engine/siprec-src.js';
import { waitForSidecar } from '../../../support/media-engine/recording-check.js';
import {
  RtpPeer,
  buildRtp,
  buildSenderReport,
  ntpMiddle32,
  ntpTime,
  sendPaced,
  type Received,
} from '../../../support/media-rtp/rtp-peer.js';

const SSRC = 0x5eed1234;
/** 40 packets before the wrap, 70 after: the extended highest sequence number has cycle 1. */
const FIRST_SEQ = 65_496;
const PACKETS = 110;
/** Packet indexes never sent: five losses, none at either end (RFC 3550 A.3 counts only inside the range). */
const DROPPED = new Set([7, 8, 9, 52, 90]);
const SUITE = 'AES_CM_128_HMAC_SHA1_80';

/** What one receiver report said about our stream. */
interface ReportSeen {
  readonly at: number;
  readonly reporter: number;
  readonly block: { ssrc: number; highestSeq: number; cumulativeLost: number; lsr: number; dlsr: number };
}

/** Parses RTCP from the recorder (already SRTCP-unprotected to `length`); throws on anything else. */
function receiverReport(data: Buffer, at: number, length = data.length): ReportSeen {
  const compound = new RtcpCompound();
  expect(parseRtcpCompound(data, compound, length), `RTCP from the recorder: ${data.toString('hex')}`).to.be
    .true;
  expect(data[1], 'a compound starting with an RR').to.equal(201);
  expect(compound.senderReports, 'the recorder sends no media, so never an SR').to.be.empty;
  expect(compound.sdes.map((c) => c.cname).filter(Boolean), 'with a CNAME').to.have.length(1);
  const rr = compound.receiverReports[0]!;
  expect(rr.reports).to.have.length(1);
  return { at, reporter: rr.ssrc, block: { ...rr.reports[0]! } };
}

describe('RTCP receiver reports to the SRC, and never any RTP', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;

  before(async () => {
    recorder = await startRecorder();
  });

  after(async () => {
    await recorder.stop();
  });

  /**
   * Runs one call: INVITE, RTP with the DROPPED gaps and an SR in the middle and after the last packet, then waits
   * for the report that answers the last SR. With `srtp`, what we send is protected with the offer's key and the
   * reports are unprotected with the key of the recorder's answer.
   */
  async function call(opts: { rtcpMux: boolean; srtp?: { suite: string; keySalt: Buffer } }): Promise<{
    peer: RtpPeer;
    reports: ReportSeen[];
    lastSrLsr: number;
    lastSrAt: number;
    src: SiprecSrc;
    answerKey: Buffer | undefined;
  }> {
    const peer = await RtpPeer.open({ rtcpMux: opts.rtcpMux });
    const src = await SiprecSrc.open(recorder.sipPort);
    const stream: OfferStream = {
      codec: 'PCMA',
      label: '1',
      rtcpMux: opts.rtcpMux,
      port: peer.rtpPort,
      ...(opts.srtp ? { srtp: opts.srtp } : {}),
    };
    const { response, answer } = await src.invite([stream]);
    expect(response.status).to.equal(200);
    expect(/^a=rtcp-mux\s*$/m.test(response.body), 'rtcp-mux answered only when offered').to.equal(
      opts.rtcpMux,
    );
    const rtpPort = answer[0]!.port;
    const rtcpPort = opts.rtcpMux ? rtpPort : rtpPort + 1;
    const answerKey = answer[0]!.crypto?.keySalt;
    const out = opts.srtp ? new SrtpSession({ suite: SUITE, keySalt: opts.srtp.keySalt }) : undefined;
    const unprotect = answerKey ? new SrtpSession({ suite: SUITE, keySalt: answerKey }) : undefined;
    const payload = Buffer.alloc(160, 0xd5); // A-law silence: content does not matter here
    let sent = 0;
    let lastSr = { lsr: 0, at: 0 };
    const sendSr = (index: number): void => {
      const now = Date.now();
      const ntp = ntpTime(now);
      const sr = buildSenderReport({
        ssrc: SSRC,
        ntp,
        rtpTimestamp: 8000 + index * 160,
        packetCount: sent,
        octetCount: sent * 160,
      });
      peer.sendRtcp(out ? out.protectRtcp(sr) : sr, rtcpPort);
      lastSr = { lsr: ntpMiddle32(ntp), at: now };
    };
    await sendPaced(PACKETS, 20, (i) => {
      if (i === PACKETS / 2) sendSr(i);
      if (DROPPED.has(i)) return;
      const rtp = buildRtp({
        payloadType: 8,
        sequence: FIRST_SEQ + i,
        timestamp: 8000 + i * 160,
        ssrc: SSRC,
        payload,
      });
      peer.sendRtp(out ? out.protectRtp(rtp) : rtp, rtpPort);
      sent++;
    });
    await new Promise((r) => setTimeout(r, 40)); // the last RTP packet is in before the SR that follows it
    sendSr(PACKETS);

    // Reports are due every 2.5–7.5 s (RFC 3550 §6.2 randomised): wait for the first one echoing the last SR.
    const fromRecorder = (): Received[] => (opts.rtcpMux ? peer.onRtpSocket : peer.onRtcpSocket);
    const decode = (r: Received): ReportSeen => {
      if (!unprotect) return receiverReport(r.data, r.at);
      const copy = Buffer.from(r.data);
      const length = unprotect.unprotectRtcp(copy);
      expect(length, 'SRTCP authenticated with the answer key').to.be.greaterThan(0);
      return receiverReport(copy, r.at, length);
    };
    const reports: ReportSeen[] = [];
    const deadline = Date.now() + 30_000;
    while (!reports.some((r) => r.block.lsr === lastSr.lsr) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      reports.push(...fromRecorder().slice(reports.length).map(decode));
    }
    return { peer, reports, lastSrLsr: lastSr.lsr, lastSrAt: lastSr.at, src, answerKey };
  }

  /** The checks every case makes on the report answering the last SR. */
  function expectReportsAbout(result: Awaited<ReturnType<typeof call>>): ReportSeen {
    const { reports, lastSrLsr, lastSrAt } = result;
    expect(reports.length, 'receiver reports received').to.be.at.least(1);
    const reporters = new Set(reports.map((r) => r.reporter));
    expect(reporters.size, 'one reporter SSRC for the whole call').to.equal(1);
    expect([...reporters][0], 'the recorder reports as itself, not as our source').to.not.equal(SSRC);
    for (const r of reports) expect(r.block.ssrc, 'the report block is about our stream').to.equal(SSRC);
    const last = reports.find((r) => r.block.lsr === lastSrLsr);
    expect(last, 'a report echoing the last SR (LSR = middle 32 bits of its NTP time)').to.not.equal(
      undefined,
    );
    const { block } = last!;
    const lastSeq = (FIRST_SEQ + PACKETS - 1) & 0xffff;
    expect(block.highestSeq, 'extended highest sequence (one wrap)').to.equal(0x1_0000 + lastSeq);
    expect(block.cumulativeLost, 'packets left out').to.equal(DROPPED.size);
    const sinceSrUnits = ((last!.at - lastSrAt + 50) * 65536) / 1000;
    expect(block.dlsr, 'DLSR: the delay since that SR').to.be.within(0, sinceSrUnits);
    return last!;
  }

  it('separate RTCP port: RRs to the port the SR came from, nothing on the RTP port', async () => {
    const result = await call({ rtcpMux: false });
    try {
      expectReportsAbout(result);
      expect(result.peer.onRtpSocket, 'no RTP (nor anything else) to the SRC').to.be.empty;
      expect((await result.src.bye()).status).to.equal(200);
      const sidecar = await waitForSidecar(recorder.recordingDir, result.src.callId);
      const s = sidecar.streams[0]!;
      expect(s.packetsReceived).to.equal(PACKETS - DROPPED.size);
      expect(s.packetsLost).to.equal(DROPPED.size);
      expect(s.rtcpReceived, 'both SRs counted').to.equal(2);
      expect(s.rtcpSent).to.be.at.least(result.reports.length);
    } finally {
      result.src.close();
      result.peer.close();
    }
  });

  it('rtcp-mux: RRs on the RTP port, and every datagram there is RTCP', async () => {
    const result = await call({ rtcpMux: true });
    try {
      expectReportsAbout(result);
      for (const r of result.peer.onRtpSocket) expect(isRtcp(r.data), 'RTCP, never RTP').to.be.true;
      expect((await result.src.bye()).status).to.equal(200);
    } finally {
      result.src.close();
      result.peer.close();
    }
  });

  it('SDES-SRTP: the RRs are SRTCP, encrypted and authenticated with the key the recorder answered', async () => {
    const keySalt = Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 37 + 11) & 0xff));
    const result = await call({ rtcpMux: false, srtp: { suite: SUITE, keySalt } });
    try {
      expect(result.answerKey, 'the recorder answered with its own key').to.not.equal(undefined);
      expect(result.answerKey!.equals(keySalt)).to.be.false;
      expectReportsAbout(result);
      expect(result.peer.onRtpSocket).to.be.empty;
      const first = result.peer.onRtcpSocket[0]!.data;
      // RFC 3711 §3.4: after the RTCP packets, E flag + SRTCP index (4 bytes) and an 80-bit tag.
      const eFlag = first.readUInt32BE(first.length - 14) >>> 31;
      expect(eFlag, 'SRTCP E flag: the report is encrypted').to.equal(1);
      const compound = new RtcpCompound();
      const plain = parseRtcpCompound(first, compound, first.length - 14);
      expect(plain && compound.receiverReports[0]?.reports[0]?.ssrc === SSRC, 'not readable in clear').to.be
        .false;
      const tampered = Buffer.from(first);
      tampered[10] = tampered[10]! ^ 0x01;
      const check = new SrtpSession({ suite: SUITE, keySalt: result.answerKey! });
      expect(check.unprotectRtcp(tampered), 'a tampered report fails authentication').to.be.lessThan(0);
      expect((await result.src.bye()).status).to.equal(200);
      const sidecar = await waitForSidecar(recorder.recordingDir, result.src.callId);
      expect(sidecar.streams[0]!.srtp).to.equal(SUITE);
      expect(sidecar.streams[0]!.srtpAuthFailures).to.equal(0);
      expect(sidecar.streams[0]!.packetsLost).to.equal(DROPPED.size);
    } finally {
      result.src.close();
      result.peer.close();
    }
  });
});
