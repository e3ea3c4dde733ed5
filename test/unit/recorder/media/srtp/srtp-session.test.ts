import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SrtpSession } from '../../../../../recorder/src/media/srtp/srtp-session.js';
import { SrtpResult } from '../../../../../recorder/src/media/srtp/srtp-error.js';
import type { SrtpSuite } from '../../../../../recorder/src/media/srtp/srtp-suite.js';
import { buildRtpPacket } from '../../../../../recorder/src/media/rtp/rtp-header.js';
import { RtcpCompound, parseRtcpCompound } from '../../../../../recorder/src/media/rtp/rtcp-packet.js';
import { buildReceiverReport } from '../../../../../recorder/src/media/rtp/rtcp-receiver-report.js';
import { FFMPEG_FIXTURE_KEY, hex, hexPackets } from '../../../../support/media-rtp/fixtures.js';

// RFC 7714 §16–17: session keys given directly; salt "Quid pro quo".
const SALT = hex('517569642070726f2071756f');
const KEY_128 = hex('000102030405060708090a0b0c0d0e0f');
const KEY_256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const RTP = hex(
  '8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573',
);
const SRTP_128 = hex(
  '8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce',
);
const SRTP_256 = hex(
  '8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13',
);
const RTCP = hex(
  '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef',
);
const SRTCP_128 = hex(
  '81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4',
);
const SRTCP_256 = hex(
  '81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4',
);
const SRTCP_128_AUTH_ONLY = hex(
  '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4',
);

function vectorSession(suite: SrtpSuite, key: Buffer): SrtpSession {
  const k = { encryptionKey: key, salt: SALT, authKey: Buffer.alloc(0) };
  return new SrtpSession({ suite, sessionKeys: { rtp: k, rtcp: k } });
}

const SUITES: { suite: SrtpSuite; keySaltLength: number }[] = [
  { suite: 'AES_CM_128_HMAC_SHA1_80', keySaltLength: 30 },
  { suite: 'AES_CM_128_HMAC_SHA1_32', keySaltLength: 30 },
  { suite: 'AEAD_AES_128_GCM', keySaltLength: 28 },
  { suite: 'AEAD_AES_256_GCM', keySaltLength: 44 },
];

function g711(seq: number, ssrc = 0x1234abcd): Buffer {
  const payload = Buffer.alloc(160, seq & 0xff);
  return buildRtpPacket(
    { payloadType: 0, sequenceNumber: seq & 0xffff, timestamp: (seq * 160) >>> 0, ssrc },
    payload,
  );
}

describe('SrtpSession', () => {
  describe('RFC 7714 §16–17 test vectors (AEAD_AES_128_GCM, AEAD_AES_256_GCM)', () => {
    for (const [suite, key, srtp, srtcp] of [
      ['AEAD_AES_128_GCM', KEY_128, SRTP_128, SRTCP_128],
      ['AEAD_AES_256_GCM', KEY_256, SRTP_256, SRTCP_256],
    ] as const) {
      it(`${suite}: protects the sample RTP packet byte for byte (§16.${suite.includes('128') ? 1 : 2}.1)`, () => {
        expect(vectorSession(suite, key).protectRtp(RTP).toString('hex')).to.equal(srtp.toString('hex'));
      });

      it(`${suite}: unprotects it in place (§16.${suite.includes('128') ? 1 : 2}.2)`, () => {
        const s = vectorSession(suite, key);
        const buf = Buffer.from(srtp);
        const n = s.unprotectRtp(buf);
        expect(n).to.equal(RTP.length);
        expect(buf.subarray(0, n).equals(RTP)).to.be.true;
        expect(s.stats.decrypted).to.equal(1);
      });

      it(`${suite}: SRTCP with index 0x5d4 both ways (§17)`, () => {
        const s = vectorSession(suite, key);
        const buf = Buffer.from(srtcp);
        const n = s.unprotectRtcp(buf);
        expect(n).to.equal(RTCP.length);
        expect(buf.subarray(0, n).equals(RTCP)).to.be.true;
        const sender = vectorSession(suite, key);
        for (let i = 0; i < 0x5d4; i++) sender.protectRtcp(RTCP);
        expect(sender.protectRtcp(RTCP).toString('hex')).to.equal(srtcp.toString('hex'));
      });
    }

    it('accepts an authenticated-only SRTCP packet (E = 0, §17.3)', () => {
      const s = vectorSession('AEAD_AES_128_GCM', KEY_128);
      const buf = Buffer.from(SRTCP_128_AUTH_ONLY);
      const n = s.unprotectRtcp(buf);
      expect(buf.subarray(0, n).equals(RTCP)).to.be.true;
    });

    it('rejects the vector with one flipped bit anywhere, leaving the bytes untouched', () => {
      for (let i = 0; i < SRTP_128.length; i++) {
        const s = vectorSession('AEAD_AES_128_GCM', KEY_128);
        const buf = Buffer.from(SRTP_128);
        buf[i]! ^= 0x01;
        const before = Buffer.from(buf);
        expect(s.unprotectRtp(buf), `byte ${i}`).to.be.lessThan(0);
        expect(buf.equals(before)).to.be.true;
      }
    });
  });

  describe('real ffmpeg SRTP (fixtures captured from ffmpeg 5.1)', () => {
    const plain = hexPackets('rtp/ffmpeg-pcmu-stream.hex');
    for (const bits of ['80', '32'] as const) {
      it(`AES_CM_128_HMAC_SHA1_${bits}: every packet authenticates and decrypts to ffmpeg's plain payload`, () => {
        const s = new SrtpSession({ suite: `AES_CM_128_HMAC_SHA1_${bits}`, keySalt: FFMPEG_FIXTURE_KEY });
        const packets = hexPackets(`srtp/ffmpeg-aes-cm-${bits}.rtp.hex`);
        packets.forEach((pkt, i) => {
          expect(pkt.length).to.equal(172 + (bits === '80' ? 10 : 4));
          const n = s.unprotectRtp(pkt);
          expect(n).to.equal(172);
          // Same input, so the same μ-law payload; ffmpeg picks a random initial sequence number and timestamp.
          expect(pkt.subarray(12, n).equals(plain[i]!.subarray(12))).to.be.true;
          expect(pkt.readUInt32BE(8)).to.equal(305419896);
        });
        expect(s.stats).to.deep.include({ decrypted: 5, authFailures: 0 });
      });

      it(`AES_CM_128_HMAC_SHA1_${bits}: ffmpeg's SRTCP sender report decrypts and parses`, () => {
        const s = new SrtpSession({ suite: `AES_CM_128_HMAC_SHA1_${bits}`, keySalt: FFMPEG_FIXTURE_KEY });
        const [pkt] = hexPackets(`srtp/ffmpeg-aes-cm-${bits}.rtcp.hex`);
        const n = s.unprotectRtcp(pkt!);
        expect(n).to.equal(28);
        const out = new RtcpCompound();
        expect(parseRtcpCompound(pkt!, out, n)).to.be.true;
        expect(out.senderReports[0]!.ssrc).to.equal(305419896);
      });
    }

    it('fails authentication with the wrong key and counts it', () => {
      const key = Buffer.from(FFMPEG_FIXTURE_KEY);
      key[0]! ^= 1;
      const s = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key });
      for (const pkt of hexPackets('srtp/ffmpeg-aes-cm-80.rtp.hex'))
        expect(s.unprotectRtp(pkt)).to.equal(SrtpResult.AUTH_FAILED);
      expect(s.stats.authFailures).to.equal(5);
      expect(s.rolloverCounter(305419896), 'no context for a source that never authenticated').to.be
        .undefined;
    });
  });

  for (const { suite, keySaltLength } of SUITES) {
    describe(suite, () => {
      const keySalt = randomBytes(keySaltLength);

      it('round-trips RTP through protect/unprotect across a sequence wrap, advancing the ROC', () => {
        const tx = new SrtpSession({ suite, keySalt });
        const rx = new SrtpSession({ suite, keySalt });
        for (let seq = 65530; seq < 65536 + 6; seq++) {
          const plain = g711(seq);
          const wire = tx.protectRtp(plain);
          expect(wire.subarray(12, 172).equals(plain.subarray(12)), 'payload is encrypted').to.be.false;
          const n = rx.unprotectRtp(wire);
          expect(n, `seq ${seq}`).to.equal(plain.length);
          expect(wire.subarray(0, n).equals(plain)).to.be.true;
        }
        expect(rx.rolloverCounter(0x1234abcd)).to.equal(1);
      });

      it('accepts reordering inside the window; refuses replays and packets behind it', () => {
        const tx = new SrtpSession({ suite, keySalt });
        const rx = new SrtpSession({ suite, keySalt });
        const wire = Array.from({ length: 300 }, (_, i) => tx.protectRtp(g711(i + 1)));
        expect(rx.unprotectRtp(Buffer.from(wire[1]!))).to.be.greaterThan(0);
        expect(rx.unprotectRtp(Buffer.from(wire[0]!)), 'one packet late').to.be.greaterThan(0);
        expect(rx.unprotectRtp(Buffer.from(wire[0]!))).to.equal(SrtpResult.REPLAYED);
        expect(rx.unprotectRtp(Buffer.from(wire[299]!))).to.be.greaterThan(0);
        expect(rx.unprotectRtp(Buffer.from(wire[299 - 127]!)), 'inside 128').to.be.greaterThan(0);
        expect(rx.unprotectRtp(Buffer.from(wire[299 - 128]!))).to.equal(SrtpResult.TOO_OLD);
        expect(rx.stats).to.deep.include({ decrypted: 4, replays: 1, tooOld: 1, authFailures: 0 });
      });

      it('counts a forged tag and a forged payload as auth failures without touching the packet', () => {
        const tx = new SrtpSession({ suite, keySalt });
        const rx = new SrtpSession({ suite, keySalt });
        const wire = tx.protectRtp(g711(7));
        for (const at of [wire.length - 1, 20, 1]) {
          const forged = Buffer.from(wire);
          forged[at]! ^= 0x80;
          const copy = Buffer.from(forged);
          expect(rx.unprotectRtp(forged)).to.equal(SrtpResult.AUTH_FAILED);
          expect(forged.equals(copy)).to.be.true;
        }
        expect(rx.stats.authFailures).to.equal(3);
        expect(rx.unprotectRtp(wire), 'the genuine packet still passes').to.equal(172);
      });

      it('refuses truncated and non-RTP packets as malformed and never throws on random bytes', () => {
        const tx = new SrtpSession({ suite, keySalt });
        const rx = new SrtpSession({ suite, keySalt });
        const wire = tx.protectRtp(g711(9));
        const tag = wire.length - 172;
        for (let len = 0; len < 12 + tag; len++) {
          expect(rx.unprotectRtp(Buffer.from(wire.subarray(0, len))), `length ${len}`).to.equal(
            SrtpResult.MALFORMED,
          );
        }
        for (let i = 0; i < 2000; i++) {
          const junk = randomBytes(i % 300);
          expect(rx.unprotectRtp(junk)).to.be.lessThan(0);
          expect(rx.unprotectRtcp(junk)).to.be.lessThan(0);
        }
        expect(rx.stats.decrypted).to.equal(0);
      });

      it('round-trips SRTCP (our RR) and refuses its replay', () => {
        const tx = new SrtpSession({ suite, keySalt });
        const rx = new SrtpSession({ suite, keySalt });
        const rr = buildReceiverReport({ ssrc: 0xabc, reports: [], cname: 'rec' });
        const wire = tx.protectRtcp(rr);
        const n = rx.unprotectRtcp(Buffer.from(wire));
        expect(n).to.equal(rr.length);
        expect(rx.unprotectRtcp(Buffer.from(wire))).to.equal(SrtpResult.REPLAYED);
        const second = tx.protectRtcp(rr);
        expect(rx.unprotectRtcp(second)).to.equal(rr.length);
        expect(second.subarray(0, n).equals(rr)).to.be.true;
      });
    });
  }

  it('never shows keys in inspect, toString, JSON or errors', () => {
    const keySalt = randomBytes(30);
    const s = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt });
    const shown = [inspect(s, { showHidden: true, depth: 10 }), String(s), JSON.stringify(s)].join('\n');
    for (const form of [
      keySalt.toString('hex'),
      keySalt.toString('base64'),
      keySalt.subarray(0, 16).toString('hex'),
    ]) {
      expect(shown).to.not.include(form);
    }
    expect(shown).to.include('AES_CM_128_HMAC_SHA1_80');
    try {
      new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: keySalt.subarray(0, 29) });
      expect.fail('accepted a short key');
    } catch (err) {
      expect(err).to.have.property('code', 'SRTP_BAD_KEY_LENGTH');
      expect(String((err as Error).message)).to.not.include(keySalt.subarray(0, 29).toString('base64'));
      expect(inspect(err)).to.not.include(keySalt.subarray(0, 29).toString('hex'));
    }
  });

  it('validates its options with stable codes', () => {
    const keySalt = randomBytes(30);
    expect(() => new SrtpSession({ suite: 'F8_128_HMAC_SHA1_80' as SrtpSuite, keySalt }))
      .to.throw()
      .with.property('code', 'SRTP_UNSUPPORTED_SUITE');
    expect(() => new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt, replayWindow: 63 }))
      .to.throw()
      .with.property('code', 'SRTP_BAD_OPTION');
    expect(() => new SrtpSession({ suite: 'AEAD_AES_256_GCM', keySalt }))
      .to.throw()
      .with.property('code', 'SRTP_BAD_KEY_LENGTH');
  });

  it('keeps per-SSRC contexts, bounded by maxStreams', () => {
    const keySalt = randomBytes(30);
    const tx = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt });
    const rx = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt, maxStreams: 2 });
    for (const ssrc of [1, 2, 3]) expect(rx.unprotectRtp(tx.protectRtp(g711(5, ssrc)))).to.equal(172);
    expect(rx.rolloverCounter(1), 'oldest forgotten').to.be.undefined;
    expect(rx.rolloverCounter(2)).to.equal(0);
    expect(rx.rolloverCounter(3)).to.equal(0);
  });
});
