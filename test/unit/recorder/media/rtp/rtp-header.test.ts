import { expect } from 'chai';
import {
  RtpHeader,
  buildRtpPacket,
  parseRtpHeader,
  rtpHeaderLength,
  serializeRtpHeader,
} from '../../../../../recorder/src/media/rtp/rtp-header.js';
import {
  RtpExtensionElement,
  findRtpExtensionElement,
} from '../../../../../recorder/src/media/rtp/rtp-extension.js';
import { hexPackets, packetFixture } from '../../../../support/media-rtp/fixtures.js';

describe('RTP header (RFC 3550 §5.1)', () => {
  const h = new RtpHeader();

  it('parses a real ffmpeg PCMU packet', () => {
    const pkt = packetFixture('rtp/ffmpeg-pcmu.bin');
    expect(parseRtpHeader(pkt, h)).to.be.true;
    expect(h.payloadType).to.equal(0);
    expect(h.ssrc).to.equal(305419896);
    expect(h.sequenceNumber).to.equal(0x0b5f);
    expect(h.timestamp).to.equal(0x8258bc29);
    expect(h.marker).to.be.false;
    expect([h.headerLength, h.payloadOffset, h.payloadLength, h.paddingLength]).to.deep.equal([
      12, 12, 160, 0,
    ]);
  });

  it('follows a stream: consecutive ffmpeg packets advance seq by 1 and timestamp by 160', () => {
    const pkts = hexPackets('rtp/ffmpeg-pcmu-stream.hex');
    let prev: { seq: number; ts: number } | undefined;
    for (const p of pkts) {
      expect(parseRtpHeader(p, h)).to.be.true;
      if (prev) {
        expect(h.sequenceNumber).to.equal((prev.seq + 1) & 0xffff);
        expect((h.timestamp - prev.ts) >>> 0).to.equal(160);
      }
      prev = { seq: h.sequenceNumber, ts: h.timestamp };
    }
  });

  it('skips CSRCs and a one-byte extension, and strips padding', () => {
    const pkt = packetFixture('rtp/csrc-ext-padding.bin');
    expect(parseRtpHeader(pkt, h)).to.be.true;
    expect(h.csrcCount).to.equal(2);
    expect([h.csrcs[0], h.csrcs[1]]).to.deep.equal([0x11111111, 0x22222222]);
    expect(h.extension).to.be.true;
    expect(h.extensionProfile).to.equal(0xbede);
    expect(h.extensionLength).to.equal(8);
    expect(h.payloadOffset).to.equal(12 + 8 + 4 + 8);
    expect(h.paddingLength).to.equal(4);
    expect(h.payloadLength).to.equal(160);
    // The payload is exactly ffmpeg's μ-law bytes.
    const ffmpeg = packetFixture('rtp/ffmpeg-pcmu.bin').subarray(12);
    expect(pkt.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength).equals(ffmpeg)).to.be.true;
  });

  it('finds RFC 8285 elements in one-byte and two-byte form, bounded by the block', () => {
    const el = new RtpExtensionElement();
    const one = packetFixture('rtp/csrc-ext-padding.bin');
    parseRtpHeader(one, h);
    expect(findRtpExtensionElement(one, h, 1, el)).to.be.true;
    expect(one[el.offset]).to.equal(0xd5);
    expect(findRtpExtensionElement(one, h, 2, el)).to.be.true;
    expect(one.subarray(el.offset, el.offset + el.length).toString('hex')).to.equal('abcd');
    expect(findRtpExtensionElement(one, h, 3, el)).to.be.false;

    const two = packetFixture('rtp/two-byte-ext.bin');
    expect(parseRtpHeader(two, h)).to.be.true;
    expect(h.extensionProfile).to.equal(0x1000);
    expect(findRtpExtensionElement(two, h, 5, el)).to.be.true;
    expect(two.subarray(el.offset, el.offset + el.length).toString()).to.equal('abc');
    expect(h.payloadLength).to.equal(3);

    const bad = packetFixture('rtp/extension-bad-element.bin');
    expect(parseRtpHeader(bad, h), 'the packet itself is fine').to.be.true;
    expect(findRtpExtensionElement(bad, h, 14, el), 'an element running past the block').to.be.false;
  });

  for (const name of [
    'truncated-header',
    'version-1',
    'padding-overflow',
    'padding-zero',
    'extension-overrun',
    'csrc-overrun',
  ]) {
    it(`rejects ${name}`, () => {
      expect(parseRtpHeader(packetFixture(`rtp/${name}.bin`), h)).to.be.false;
    });
  }

  it('rejects every truncation of a packet with CSRCs and an extension that cuts into the header', () => {
    const pkt = packetFixture('rtp/csrc-ext-padding.bin');
    for (let len = 0; len < 32; len++) expect(rtpHeaderLength(pkt, len), `length ${len}`).to.equal(-1);
    expect(rtpHeaderLength(pkt, 32)).to.equal(32);
  });

  it('honours an explicit length shorter than the buffer (SRTP plaintext in place)', () => {
    const pkt = Buffer.concat([packetFixture('rtp/ffmpeg-pcmu.bin'), Buffer.alloc(10, 0xee)]);
    expect(parseRtpHeader(pkt, h, 172)).to.be.true;
    expect(h.payloadLength).to.equal(160);
  });

  it('serializes what it parses (symmetric pair)', () => {
    const init = {
      marker: true,
      payloadType: 101,
      sequenceNumber: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      csrcs: [1, 2, 3],
      extension: { profile: 0xbede, data: Uint8Array.from([0x10, 0x7f, 0, 0]) },
    };
    const pkt = buildRtpPacket(init, Buffer.from('payload'), 3);
    expect(parseRtpHeader(pkt, h)).to.be.true;
    expect(h.marker).to.be.true;
    expect(h.payloadType).to.equal(101);
    expect(h.sequenceNumber).to.equal(65535);
    expect(h.timestamp).to.equal(0xfffffff0);
    expect(h.ssrc).to.equal(0xdeadbeef);
    expect(Array.from(h.csrcs.subarray(0, h.csrcCount))).to.deep.equal([1, 2, 3]);
    expect(pkt.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength).toString()).to.equal('payload');
    expect(h.paddingLength).to.equal(3);

    const real = packetFixture('rtp/ffmpeg-pcmu.bin');
    parseRtpHeader(real, h);
    const out = Buffer.alloc(12);
    serializeRtpHeader(
      { payloadType: h.payloadType, sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, ssrc: h.ssrc },
      out,
    );
    expect(out.equals(real.subarray(0, 12))).to.be.true;
  });

  it('refuses to serialize fields out of range, with a stable code', () => {
    const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
    for (const bad of [
      { payloadType: 128 },
      { sequenceNumber: 65536 },
      { ssrc: -1 },
      { csrcs: new Array(16).fill(0) },
    ]) {
      expect(() => serializeRtpHeader({ ...base, ...bad }, Buffer.alloc(100)))
        .to.throw(RangeError)
        .with.property('code', 'RTP_HEADER_INVALID');
    }
    expect(() => serializeRtpHeader(base, Buffer.alloc(11))).to.throw(RangeError);
  });
});
