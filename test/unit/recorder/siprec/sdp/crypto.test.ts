import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { chooseCrypto } from '../../../../../recorder/src/siprec/sdp/choose-crypto.js';
import {
  parseCryptoAttribute,
  SUPPORTED_SRTP_SUITES,
} from '../../../../../recorder/src/siprec/sdp/crypto-attribute.js';
import { SdpError } from '../../../../../recorder/src/siprec/sdp/errors.js';
import { generateLocalCrypto } from '../../../../../recorder/src/siprec/sdp/local-crypto.js';
import { parseOffer } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import type { OfferedMedia } from '../../../../../recorder/src/siprec/sdp/types.js';
import { wireFixture } from './support/paths.js';

const KEY30 = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const KEY30_B = 'NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj';

function media(name: string, index = 0): OfferedMedia {
  const result = parseOffer(wireFixture(name));
  if (!result.ok) throw new Error(result.error);
  const m = result.offer.media[index];
  if (m === undefined) throw new Error(`no m-line ${index}`);
  return m;
}

function parsedOk(text: string) {
  const result = parseCryptoAttribute(text);
  if (!result.ok) throw new Error(result.error);
  return result.crypto;
}

function parseError(text: string): string {
  const result = parseCryptoAttribute(text);
  if (result.ok) throw new Error('accepted');
  return result.error;
}

describe('SDES crypto (RFC 4568)', () => {
  describe('SUPPORTED_SRTP_SUITES', () => {
    it('lists the four suites with their key‖salt lengths', () => {
      expect(
        Object.entries(SUPPORTED_SRTP_SUITES).map(([name, info]) => `${name}=${info.keySaltLength}`),
      ).to.deep.equal([
        'AES_CM_128_HMAC_SHA1_80=30',
        'AES_CM_128_HMAC_SHA1_32=30',
        'AEAD_AES_128_GCM=28',
        'AEAD_AES_256_GCM=44',
      ]);
    });
  });

  describe('parseCryptoAttribute', () => {
    it('reads the RFC 4568 example with lifetime and MKI, with or without the a=crypto: prefix', () => {
      const crypto = parsedOk(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^20|1:4`);
      expect(crypto.tag).to.equal(1);
      expect(crypto.suite).to.equal('AES_CM_128_HMAC_SHA1_80');
      expect(crypto.keys).to.have.length(1);
      expect(crypto.keys[0]?.keySalt.toString('base64')).to.equal(KEY30);
      expect(crypto.keys[0]?.lifetime).to.equal(2 ** 20);
      expect(crypto.keys[0]?.mki?.value).to.equal(1n);
      expect(crypto.keys[0]?.mki?.bytes.toString('hex')).to.equal('00000001');
      expect(parsedOk(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^20|1:4`)).to.deep.equal(crypto);
    });

    it('reads decimal lifetimes, several keys with MKIs, and session parameters', () => {
      const crypto = parsedOk(
        `2 AES_CM_128_HMAC_SHA1_32 inline:${KEY30}|1048576|1:2;inline:${KEY30_B}|1048576|2:2 ` +
          'UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP WSH=128 -X-VENDOR',
      );
      expect(crypto.keys.map((k) => [k.lifetime, k.mki?.bytes.toString('hex')])).to.deep.equal([
        [1048576, '0001'],
        [1048576, '0002'],
      ]);
      expect(crypto.sessionParams).to.deep.equal({
        unencryptedSrtp: false,
        unencryptedSrtcp: true,
        unauthenticatedSrtp: true,
        windowSizeHint: 128,
        ignored: ['-X-VENDOR'],
      });
    });

    it('checks each suite key length: 28 bytes for AEAD_AES_128_GCM, 44 for AEAD_AES_256_GCM', () => {
      expect(
        parsedOk(`1 AEAD_AES_128_GCM inline:${Buffer.alloc(28, 7).toString('base64')}`).keys[0]?.keySalt,
      ).to.have.length(28);
      expect(
        parsedOk(`1 AEAD_AES_256_GCM inline:${Buffer.alloc(44, 7).toString('base64')}`).keys[0]?.keySalt,
      ).to.have.length(44);
      expect(parseError(`1 AEAD_AES_256_GCM inline:${KEY30}`)).to.equal(
        'key is 30 bytes, the suite needs 44',
      );
    });

    const refusals: [string, string][] = [
      [`1 AES_256_CM_HMAC_SHA1_80 inline:${KEY30}`, 'unsupported crypto suite "AES_256_CM_HMAC_SHA1_80"'],
      ['1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=', 'key is 5 bytes, the suite needs 30'],
      ['1 AES_CM_128_HMAC_SHA1_80 inline:not*base64', 'key is not base64'],
      [
        `1 AES_CM_128_HMAC_SHA1_80 uri:${KEY30}`,
        'key method is not inline (RFC 4568 §6.1 defines only inline)',
      ],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^20|1:4|x`, 'too many key parameter fields'],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^49`, 'key lifetime out of range'],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^20x`, 'malformed key lifetime'],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|1:4|2^20`, 'lifetime in the wrong place'],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|256:1`, 'MKI value does not fit its length'],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|1:0`, 'MKI length out of range'],
      [
        `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30};inline:${KEY30_B}`,
        'several keys without MKIs of one length',
      ],
      [
        `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|1:1;inline:${KEY30_B}|2:2`,
        'several keys without MKIs of one length',
      ],
      [
        `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30} FEC_ORDER=FEC_SRTP`,
        'unsupported session parameter "FEC_ORDER=FEC_SRTP"',
      ],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30} KDR=99`, 'malformed KDR'],
      ['crypto without fields', 'malformed crypto attribute'],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${'A'.repeat(5000)}`, 'crypto attribute too long'],
    ];
    for (const [line, reason] of refusals) {
      it(`refuses ${line.length > 70 ? `${line.slice(0, 70)}…` : line}`, () => {
        expect(parseError(line)).to.equal(reason);
      });
    }
  });

  describe('chooseCrypto', () => {
    it('skips a suite we do not support and takes the next line, reporting MKI and the short lifetime', () => {
      const chosen = chooseCrypto(media('srtp-sdes.sdp', 0));
      expect(chosen?.tag).to.equal(2);
      expect(chosen?.suite).to.equal('AES_CM_128_HMAC_SHA1_80');
      expect(chosen?.skipped).to.deep.equal(['tag 1: unsupported crypto suite "AES_256_CM_HMAC_SHA1_80"']);
      expect(chosen?.notes).to.deep.equal([
        'key 0: MKI 1 in 4 byte(s)',
        'key 0: lifetime 1048576 packets; the SRC must re-key before it runs out',
      ]);
      expect(chosen?.answerSessionParams).to.deep.equal([]);
    });

    it('accepts UNENCRYPTED_SRTCP and says the answer must repeat it; 2^31 is not worth a note', () => {
      const chosen = chooseCrypto(media('srtp-sdes.sdp', 1));
      expect(chosen?.tag).to.equal(1);
      expect(chosen?.answerSessionParams).to.deep.equal(['UNENCRYPTED_SRTCP']);
      expect(chosen?.notes).to.deep.equal(['session parameters UNENCRYPTED_SRTCP']);
    });

    it('takes AEAD_AES_256_GCM when offered first', () => {
      const chosen = chooseCrypto(media('srtp-gcm.sdp'));
      expect(chosen?.suite).to.equal('AEAD_AES_256_GCM');
      expect(chosen?.keys[0]?.keySalt).to.have.length(44);
    });

    it('returns null when every line is unusable (short key, junk key, FEC, KDR, unknown suite)', () => {
      expect(chooseCrypto(media('srtp-unusable.sdp'))).to.equal(null);
    });

    it('returns null for a plain RTP stream', () => {
      expect(chooseCrypto(media('mixed-savp-avp.sdp', 1))).to.equal(null);
    });
  });

  describe('generateLocalCrypto', () => {
    it('makes a key of the suite length from the injected random source', () => {
      for (const [suite, info] of Object.entries(SUPPORTED_SRTP_SUITES)) {
        const requested: number[] = [];
        const local = generateLocalCrypto(suite, (n) => {
          requested.push(n);
          return Buffer.alloc(n, 0xab);
        });
        expect(requested).to.deep.equal([info.keySaltLength]);
        expect(local.suite).to.equal(suite);
        expect(local.keySalt).to.deep.equal(Buffer.alloc(info.keySaltLength, 0xab));
        expect(Buffer.from(local.inline, 'base64')).to.deep.equal(local.keySalt);
      }
    });

    it('makes a different key every time with a real random source', () => {
      const a = generateLocalCrypto('AES_CM_128_HMAC_SHA1_80', randomBytes);
      const b = generateLocalCrypto('AES_CM_128_HMAC_SHA1_80', randomBytes);
      expect(a.inline).to.not.equal(b.inline);
      expect(a.inline).to.match(/^[A-Za-z0-9+/]{40}$/);
    });

    it('refuses unsupported suites and random sources of the wrong length', () => {
      expect(() => generateLocalCrypto('F8_128_HMAC_SHA1_80', randomBytes))
        .to.throw(SdpError)
        .with.property('code', 'SDP_CRYPTO_INVALID');
      expect(() => generateLocalCrypto('AEAD_AES_128_GCM', () => Buffer.alloc(4)))
        .to.throw(SdpError)
        .with.property('code', 'SDP_CRYPTO_INVALID');
    });
  });
});
