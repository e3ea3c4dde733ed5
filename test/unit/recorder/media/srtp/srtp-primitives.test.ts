import { expect } from 'chai';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { HmacSha1 } from '../../../../../recorder/src/media/srtp/hmac-sha1.js';
import { AesCmKeystream } from '../../../../../recorder/src/media/srtp/aes-cm-keystream.js';

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
  it('XORs the same keystream as AES-128-CTR from the IV, for lengths that grow its counter blocks', () => {
    const key = randomBytes(16);
    const keystream = new AesCmKeystream(key);
    const iv = randomBytes(16);
    iv[14] = 0;
    iv[15] = 0;
    for (const length of [1, 15, 16, 17, 160, 1024, 1500, 4000, 172]) {
      const data = randomBytes(length + 20);
      const expected = Buffer.from(data);
      const ctr = createCipheriv('aes-128-ctr', key, iv).update(data.subarray(10, 10 + length));
      ctr.copy(expected, 10);
      keystream.xor(iv, data, 10, 10 + length);
      expect(hex(data), `length ${length}`).to.equal(hex(expected));
    }
  });
});
