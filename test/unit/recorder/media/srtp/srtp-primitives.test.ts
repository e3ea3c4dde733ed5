import { expect } from 'chai';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { HmacSha1 } from '../../../../../recorder/src/media/srtp/hmac-sha1.js';
import { AesCmKeystream } from '../../../../../recorder/src/media/srtp/aes-cm-keystream.js';
import { SrtpSession } from '../../../../../recorder/src/media/srtp/srtp-session.js';
import { SrtpResult } from '../../../../../recorder/src/media/srtp/srtp-error.js';
import { buildRtpPacket } from '../../../../../recorder/src/media/rtp/rtp-header.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('HmacSha1 (RFC 2104 / RFC 2202)', () => {
  it('gives the RFC 2202 digests, including a key longer than a block', () => {
    const cases: [Buffer, Buffer, string][] = [
      [Buffer.alloc(20, 0x0b), Buffer.from('Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00'],
      [
        Buffer.from('Jefe'),
        Buffer.from('what do ya want for nothing?'),
        'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
      ],
      [Buffer.alloc(20, 0xaa), Buffer.alloc(50, 0xdd), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
      [
        Buffer.alloc(80, 0xaa),
        Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
        'aa4ae5e15272d00e95705637ce8a3b55ed402112',
      ],
    ];
    for (const [key, data, digest] of cases) {
      expect(hex(new HmacSha1(key).compute(data, data.length, -1))).to.equal(digest);
    }
  });

  it('matches crypto.createHmac for every length around the block boundaries, with and without the ROC word', () => {
    const key = randomBytes(20);
    const hmac = new HmacSha1(key);
    const data = randomBytes(300);
    for (let length = 0; length <= 300; length++) {
      for (const roc of [-1, 0, 0x12345678, 0xffffffff]) {
        const reference = createHmac('sha1', key).update(data.subarray(0, length));
        if (roc >= 0) {
          const word = Buffer.alloc(4);
          word.writeUInt32BE(roc);
          reference.update(word);
        }
        expect(hex(hmac.compute(data, length, roc)), `length ${length} roc ${roc}`).to.equal(
          reference.digest('hex'),
        );
      }
    }
  });
});

describe('AesCmKeystream (RFC 3711 §4.1.1)', () => {
  /** The reference: AES-CTR from IV = (salt · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16). */
  function referenceXor(key: Buffer, salt: Buffer, ssrc: number, index: number, data: Buffer): Buffer {
    const iv = Buffer.alloc(16);
    salt.copy(iv, 0, 0, 14);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    const high = Math.floor(index / 0x100000000);
    iv.writeUInt16BE(iv.readUInt16BE(8) ^ high, 8);
    iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
    return createCipheriv('aes-128-ctr', key, iv).update(data);
  }

  it('XORs the AES-CTR keystream of each packet, in order, late, after jumps, SSRC changes and size changes', () => {
    const key = randomBytes(16);
    const salt = randomBytes(14);
    const keystream = new AesCmKeystream(key, salt, 8);
    const packets: [number, number, number][] = [];
    // [ssrc, index, payload length]: a run of G.711 packets across a ROC change, a late one, a bigger one, a
    // jump, another SSRC, a jumbo packet, and indices above 2^32.
    for (let i = 0; i < 20; i++) packets.push([0x1234, 65530 + i, 160]);
    packets.push([0x1234, 65531, 160], [0x1234, 65550, 300], [0x1234, 65551, 17], [0x1234, 99999, 160]);
    packets.push([0xfedcba98, 5, 160], [0x1234, 100000, 160], [0x1234, 100001, 4000], [0x1234, 100002, 1]);
    packets.push([0x1234, 2 ** 40 + 7, 160], [0x1234, 2 ** 40 + 8, 160]);
    for (const [ssrc, index, length] of packets) {
      const plain = randomBytes(length + 20);
      const data = Buffer.from(plain);
      keystream.xor(ssrc, index, data, 12, 12 + length);
      const expected = Buffer.from(plain);
      referenceXor(key, salt, ssrc, index, plain.subarray(12, 12 + length)).copy(expected, 12);
      expect(hex(data), `ssrc ${ssrc} index ${index} length ${length}`).to.equal(hex(expected));
    }
  });
});

describe('SrtpSession inbound contexts per SSRC', () => {
  it('keeps each SSRC its own replay list and ROC when their packets interleave, also once one was evicted', () => {
    const keySalt = randomBytes(30);
    const suite = 'AES_CM_128_HMAC_SHA1_80';
    const sender = new SrtpSession({ suite, keySalt });
    const receiver = new SrtpSession({ suite, keySalt, maxStreams: 2 });
    const payload = randomBytes(160);
    const packet = (ssrc: number, seq: number): Buffer =>
      sender.protectRtp(
        buildRtpPacket({ payloadType: 0, sequenceNumber: seq & 0xffff, timestamp: seq * 160, ssrc }, payload),
      );
    const a = 0xdeadbeef;
    const b = 0x87654321;
    const c = 0x11111111;
    const replayOfA = packet(a, 65535);
    expect(receiver.unprotectRtp(Buffer.from(replayOfA))).to.equal(172);
    expect(receiver.unprotectRtp(packet(b, 10))).to.equal(172);
    expect(receiver.unprotectRtp(packet(a, 65536))).to.equal(172); // A's ROC moves to 1
    expect(receiver.unprotectRtp(Buffer.from(replayOfA))).to.equal(SrtpResult.REPLAYED);
    expect(receiver.rolloverCounter(a)).to.equal(1);
    expect(receiver.unprotectRtp(packet(b, 11))).to.equal(172);
    // A third SSRC evicts the oldest (A); A then starts afresh and is heard again.
    expect(receiver.unprotectRtp(packet(c, 1))).to.equal(172);
    expect(receiver.rolloverCounter(a)).to.equal(undefined);
    expect(receiver.unprotectRtp(packet(b, 12))).to.equal(172);
    expect(receiver.unprotectRtp(packet(b, 12))).to.equal(SrtpResult.REPLAYED);
    expect(receiver.stats.replays).to.equal(2);
  });
});
