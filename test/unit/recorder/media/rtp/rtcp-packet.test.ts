import { expect } from 'chai';
import { RtcpCompound, parseRtcpCompound } from '../../../../../recorder/src/media/rtp/rtcp-packet.js';
import { buildReceiverReport } from '../../../../../recorder/src/media/rtp/rtcp-receiver-report.js';
import { isRtcp } from '../../../../../recorder/src/media/rtp/rtcp-demux.js';
import { packetFixture } from '../../../../support/media-rtp/fixtures.js';

describe('RTCP compound packets (RFC 3550 §6)', () => {
  const out = new RtcpCompound();

  it("parses ffmpeg's sender report", () => {
    expect(parseRtcpCompound(packetFixture('rtcp/ffmpeg-sr.bin'), out)).to.be.true;
    expect(out.senderReports).to.have.length(1);
    const sr = out.senderReports[0]!;
    expect(sr.ssrc).to.equal(305419896);
    expect(sr.ntpSeconds).to.equal(0xeeabb29f);
    expect(sr.rtpTimestamp).to.equal(0x8258bc31);
    expect(sr.reports).to.deep.equal([]);
  });

  it('parses RR + SDES CNAME + BYE, including the signed cumulative loss', () => {
    expect(parseRtcpCompound(packetFixture('rtcp/rr-sdes-bye.bin'), out)).to.be.true;
    expect(out.receiverReports).to.deep.equal([
      {
        ssrc: 0x5eed0001,
        reports: [
          {
            ssrc: 0x12345678,
            fractionLost: 5,
            cumulativeLost: 16,
            highestSeq: 0x00010b90,
            jitter: 42,
            lsr: 0xeeabb29f,
            dlsr: 0x00018000,
          },
        ],
      },
    ]);
    expect(out.sdes).to.deep.equal([{ ssrc: 0x5eed0001, cname: 'rec@10.0.0.5' }]);
    expect(out.byes).to.deep.equal([{ ssrcs: [0x5eed0001], reason: 'hangup' }]);
  });

  it('skips APP and XR after an SR', () => {
    expect(parseRtcpCompound(packetFixture('rtcp/sr-app-xr.bin'), out)).to.be.true;
    expect(out.senderReports).to.have.length(1);
    expect(out.skipped).to.equal(2);
  });

  for (const name of ['truncated-sr', 'length-overrun', 'padding-not-last', 'report-count-overrun']) {
    it(`rejects ${name}`, () => {
      expect(parseRtcpCompound(packetFixture(`rtcp/${name}.bin`), out)).to.be.false;
    });
  }

  it('rejects every truncation of a compound except at its packet boundaries', () => {
    const pkt = packetFixture('rtcp/rr-sdes-bye.bin');
    const boundaries = [32, 56]; // RR | SDES | BYE
    for (let len = 0; len < pkt.length; len++) {
      expect(parseRtcpCompound(pkt.subarray(0, len), out), `length ${len}`).to.equal(
        boundaries.includes(len),
      );
    }
  });

  it('builds an RR + SDES that parses back to the same numbers (negative loss clamped to 24 bits)', () => {
    const block = {
      ssrc: 0xcafe,
      fractionLost: 25,
      cumulativeLost: -3,
      highestSeq: 70000,
      jitter: 12,
      lsr: 7,
      dlsr: 65536,
    };
    const pkt = buildReceiverReport({
      ssrc: 0xbeef,
      reports: [block, { ...block, ssrc: 1, cumulativeLost: 99_999_999 }],
      cname: 'recorder-0@siprec',
    });
    expect(pkt.length % 4).to.equal(0);
    expect(isRtcp(pkt)).to.be.true;
    expect(parseRtcpCompound(pkt, out)).to.be.true;
    expect(out.receiverReports[0]!.ssrc).to.equal(0xbeef);
    expect(out.receiverReports[0]!.reports[0]).to.deep.equal(block);
    expect(out.receiverReports[0]!.reports[1]!.cumulativeLost).to.equal(0x7fffff);
    expect(out.sdes).to.deep.equal([{ ssrc: 0xbeef, cname: 'recorder-0@siprec' }]);
  });

  it('pads the SDES chunk to 32 bits for every CNAME length', () => {
    for (let n = 0; n < 12; n++) {
      const pkt = buildReceiverReport({ ssrc: 1, reports: [], cname: 'x'.repeat(n) });
      expect(parseRtcpCompound(pkt, out), `cname length ${n}`).to.be.true;
      expect(out.sdes[0]!.cname).to.equal('x'.repeat(n));
    }
  });

  it('refuses more than 31 report blocks', () => {
    const block = { ssrc: 1, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
    expect(() => buildReceiverReport({ ssrc: 1, reports: new Array(32).fill(block) }))
      .to.throw(RangeError)
      .with.property('code', 'RTCP_REPORT_INVALID');
  });
});

describe('RTP/RTCP demultiplexing (RFC 5761 §4)', () => {
  it('tells ffmpeg RTP from RTCP', () => {
    expect(isRtcp(packetFixture('rtp/ffmpeg-pcmu.bin'))).to.be.false;
    expect(isRtcp(packetFixture('rtcp/ffmpeg-sr.bin'))).to.be.true;
    expect(isRtcp(packetFixture('rtcp/rr-sdes-bye.bin'))).to.be.true;
  });

  it('treats RTP with a marker and a dynamic PT below 64 as RTP, and junk as neither', () => {
    const marked = Buffer.from(packetFixture('rtp/ffmpeg-pcmu.bin'));
    marked[1] = 0x80 | 111; // Opus PT 111 with marker: 239, outside 192–223
    expect(isRtcp(marked)).to.be.false;
    expect(isRtcp(Buffer.from([0x80, 0xc8, 0, 1]))).to.be.false;
    const v1 = Buffer.from(packetFixture('rtcp/ffmpeg-sr.bin'));
    v1[0] = 0x40;
    expect(isRtcp(v1)).to.be.false;
  });
});
