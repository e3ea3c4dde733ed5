/**
 * ffmpeg 5.1 as a real RTP/SRTP sender (PEERS.md): plain RTP and SRTP AES_CM_128_HMAC_SHA1_80/_32 in PCMU, with
 * its RTCP sender reports on port + 1. The decrypted payload must be byte-for-byte ffmpeg's own μ-law encoding
 * of the same input.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpHeader, parseRtpHeader } from '../../../../recorder/src/media/rtp/rtp-header.js';
import { RtcpCompound, parseRtcpCompound } from '../../../../recorder/src/media/rtp/rtcp-packet.js';
import { RtpSeqVerdict, RtpStreamStats } from '../../../../recorder/src/media/rtp/rtp-stats.js';
import { SrtpSession } from '../../../../recorder/src/media/srtp/srtp-session.js';
import { SrtpResult } from '../../../../recorder/src/media/srtp/srtp-error.js';
import {
  capturePortPair,
  killPeers,
  runPeer,
  type PortPairCapture,
} from '../../../support/media-rtp/udp-capture.js';

// A 2 s chirp: richer than a tone, identical on every run.
const SOURCE = ['-f', 'lavfi', '-i', 'aevalsrc=0.5*sin(2*PI*(200+300*t)*t):s=8000:d=2'];
const PACKETIZE = ['-af', 'asetnsamples=n=160:p=0', '-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1'];
const SSRC = 0x5eed5eed;

describe('ffmpeg → RTP/SRTP receive path (real sender)', function () {
  this.timeout(60_000);
  let dir: string;
  let reference: Buffer;
  let capture: PortPairCapture | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtp-ffmpeg-'));
    const out = join(dir, 'reference.ulaw');
    await runPeer('ffmpeg', ['-nostdin', '-loglevel', 'error', ...SOURCE, ...PACKETIZE, '-f', 'mulaw', out]);
    reference = readFileSync(out);
    expect(reference.length).to.equal(16000);
  });

  afterEach(() => {
    capture?.close();
    capture = undefined;
    killPeers();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  async function send(extra: string[], scheme: 'rtp' | 'srtp'): Promise<PortPairCapture> {
    capture = await capturePortPair();
    await runPeer('ffmpeg', [
      '-nostdin',
      '-loglevel',
      'error',
      ...SOURCE,
      ...PACKETIZE,
      '-payload_type',
      '0',
      '-ssrc',
      String(SSRC),
      ...extra,
      '-f',
      'rtp',
      `${scheme}://127.0.0.1:${capture.port}?pkt_size=1400`,
    ]);
    return capture;
  }

  /** Parses every packet, feeds the stats, and returns the payloads in sequence order. */
  function payloads(packets: Buffer[], lengths: number[]): { audio: Buffer; stats: RtpStreamStats } {
    const h = new RtpHeader();
    const stats = new RtpStreamStats({ ssrc: SSRC, clockRate: 8000 });
    const bySeq: { seq: number; payload: Buffer }[] = [];
    packets.forEach((p, i) => {
      expect(parseRtpHeader(p, h, lengths[i])).to.be.true;
      expect(h.ssrc).to.equal(SSRC);
      expect(h.payloadType).to.equal(0);
      expect(h.payloadLength, '20 ms of G.711').to.equal(160);
      const verdict = stats.update(h.sequenceNumber, h.timestamp, i * 20, h.payloadLength);
      expect(verdict === RtpSeqVerdict.VALID || verdict === RtpSeqVerdict.PROBATION).to.be.true;
      bySeq.push({
        seq: stats.extendedHighestSeq,
        payload: p.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength),
      });
    });
    bySeq.sort((a, b) => a.seq - b.seq);
    return { audio: Buffer.concat(bySeq.map((x) => x.payload)), stats };
  }

  it('plain RTP: 100 packets whose payload is exactly the source in μ-law, and an SR on port + 1', async () => {
    const cap = await send([], 'rtp');
    expect(cap.rtp).to.have.length(100);
    const { audio, stats } = payloads(
      cap.rtp,
      cap.rtp.map((p) => p.length),
    );
    expect(audio.equals(reference)).to.be.true;
    expect(stats.cumulativeLost).to.equal(0);
    expect(cap.rtcp.length).to.be.greaterThan(0);
    const rtcp = new RtcpCompound();
    expect(parseRtcpCompound(cap.rtcp[0]!, rtcp)).to.be.true;
    expect(rtcp.senderReports[0]!.ssrc).to.equal(SSRC);
  });

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`SRTP ${suite}: every packet authenticates, the audio is exact, SRTCP parses, tampering fails`, async () => {
      const keySalt = randomBytes(30);
      const cap = await send(
        ['-srtp_out_suite', suite, '-srtp_out_params', keySalt.toString('base64')],
        'srtp',
      );
      expect(cap.rtp).to.have.length(100);
      const session = new SrtpSession({ suite, keySalt });

      // A tampered copy of the first packet must fail, and must not disturb the genuine one after it.
      const tampered = Buffer.from(cap.rtp[0]!);
      tampered[40]! ^= 0x01;
      expect(session.unprotectRtp(tampered)).to.equal(SrtpResult.AUTH_FAILED);

      const lengths = cap.rtp.map((p) => session.unprotectRtp(p));
      expect(lengths.every((n) => n === 172)).to.be.true;
      expect(session.stats).to.deep.include({ decrypted: 100, authFailures: 1, replays: 0, malformed: 0 });
      const { audio } = payloads(cap.rtp, lengths);
      expect(audio.equals(reference)).to.be.true;

      expect(cap.rtcp.length).to.be.greaterThan(0);
      const n = session.unprotectRtcp(cap.rtcp[0]!);
      expect(n).to.be.greaterThan(0);
      const rtcp = new RtcpCompound();
      expect(parseRtcpCompound(cap.rtcp[0]!, rtcp, n)).to.be.true;
      expect(rtcp.senderReports[0]!.ssrc).to.equal(SSRC);
    });
  }
});
