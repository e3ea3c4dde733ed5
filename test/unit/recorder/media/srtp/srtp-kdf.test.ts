import { expect } from 'chai';
import { AesCmKeystream } from '../../../../../recorder/src/media/srtp/aes-cm-keystream.js';
import { SrtpLabel, srtpKdf } from '../../../../../recorder/src/media/srtp/srtp-kdf.js';
import { hex } from '../../../../support/media-rtp/fixtures.js';

describe('SRTP key derivation and AES-CM (RFC 3711 Appendix B)', () => {
  it('B.2: the AES-CM keystream for session key 2B7E…3C and salt F0F1…FD', () => {
    // SSRC 0 and index 0: the IV is the salt itself, F0F1…FD0000.
    const ks = new AesCmKeystream(
      hex('2B7E151628AED2A6ABF7158809CF4F3C'),
      hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
      1,
    );
    const data = Buffer.alloc(48);
    ks.xor(0, 0, data, 0, 48);
    expect(data.toString('hex').toUpperCase()).to.equal(
      'E03EAD0935C95E80E166B16DD92B4EB4' +
        'D23513162B02D0F72A43A2FE4A5F97AB' +
        '41E95B3BB0A2E8DD477901E4FCA894C0',
    );
  });

  it('B.2: XORs only the requested range, for lengths that are not whole blocks', () => {
    const ks = new AesCmKeystream(
      hex('2B7E151628AED2A6ABF7158809CF4F3C'),
      hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
      8,
    );
    const data = Buffer.alloc(40, 0);
    ks.xor(0, 0, data, 3, 23);
    expect(data.subarray(0, 3).toString('hex')).to.equal('000000');
    expect(data.subarray(3, 23).toString('hex').toUpperCase()).to.equal(
      'E03EAD0935C95E80E166B16DD92B4EB4D2351316',
    );
    expect(data.subarray(23).every((b) => b === 0)).to.be.true;
  });

  it('B.3: session keys from master key E1F9…39 and master salt 0EC6…E6', () => {
    const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
    expect(srtpKdf(key, salt, SrtpLabel.RTP_ENCRYPTION, 16).toString('hex').toUpperCase()).to.equal(
      'C61E7A93744F39EE10734AFE3FF7A087',
    );
    expect(srtpKdf(key, salt, SrtpLabel.RTP_SALT, 14).toString('hex').toUpperCase()).to.equal(
      '30CBBC08863D8C85D49DB34A9AE1',
    );
    expect(srtpKdf(key, salt, SrtpLabel.RTP_AUTH, 20).toString('hex').toUpperCase()).to.equal(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4',
    );
  });

  it('derives distinct RTCP keys (labels 3–5) and uses AES-256 for a 32-byte master key', () => {
    const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
    const rtcp = srtpKdf(key, salt, SrtpLabel.RTCP_ENCRYPTION, 16);
    expect(rtcp.equals(srtpKdf(key, salt, SrtpLabel.RTP_ENCRYPTION, 16))).to.be.false;
    const key256 = Buffer.concat([key, key]);
    expect(srtpKdf(key256, salt.subarray(0, 12), 0, 32).equals(srtpKdf(key, salt.subarray(0, 12), 0, 32))).to
      .be.false;
  });
});
