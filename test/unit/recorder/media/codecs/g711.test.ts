import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CodecError } from '../../../../../recorder/src/media/codecs/decoder.js';
import {
  G711Decoder,
  alawDecodeTable,
  encodeAlaw,
  encodeUlaw,
  ulawDecodeTable,
} from '../../../../../recorder/src/media/codecs/g711.js';

const fixtures = fileURLToPath(new URL('../../../../../../test/fixtures/media/codecs/', import.meta.url));

function s16(name: string): Int16Array {
  const buf = readFileSync(fixtures + name);
  return Int16Array.from({ length: buf.length / 2 }, (_, i) => buf.readInt16LE(i * 2));
}

describe('G.711 codec tables', () => {
  it('μ-law expands the G.711 reference points (0xFF/0x7F → 0, 0x00 → -32124, 0x80 → 32124)', () => {
    const t = ulawDecodeTable();
    expect(t[0xff]).to.equal(0);
    expect(t[0x7f]).to.equal(0);
    expect(t[0x00]).to.equal(-32124);
    expect(t[0x80]).to.equal(32124);
    expect(t[0xf0]).to.equal(120);
  });

  it('A-law expands the G.711 reference points (0xD5 → 8, 0x55 → -8, 0xAA → 32256, 0x2A → -32256)', () => {
    const t = alawDecodeTable();
    expect(t[0xd5]).to.equal(8);
    expect(t[0x55]).to.equal(-8);
    expect(t[0xaa]).to.equal(32256);
    expect(t[0x2a]).to.equal(-32256);
  });

  it('matches all 256 μ-law and A-law values decoded by ffmpeg (fixtures)', () => {
    expect(Array.from(ulawDecodeTable())).to.deep.equal(Array.from(s16('ulaw-0-255.ffmpeg.s16le')));
    expect(Array.from(alawDecodeTable())).to.deep.equal(Array.from(s16('alaw-0-255.ffmpeg.s16le')));
  });

  it('encoders invert the tables for every code word (except the duplicate μ-law zero)', () => {
    const u = ulawDecodeTable();
    const a = alawDecodeTable();
    for (let i = 0; i < 256; i++) {
      if (i !== 0x7f) expect(encodeUlaw(u[i]!), `μ-law 0x${i.toString(16)}`).to.equal(i);
      expect(encodeAlaw(a[i]!), `A-law 0x${i.toString(16)}`).to.equal(i);
    }
  });

  it('round trip of a full-scale tone stays within the quantisation step (SNR > 35 dB)', () => {
    for (const law of ['PCMU', 'PCMA'] as const) {
      const enc = law === 'PCMU' ? encodeUlaw : encodeAlaw;
      const dec = new G711Decoder(law);
      const pcm = Int16Array.from({ length: 160 }, (_, i) =>
        Math.round(20000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
      );
      const payload = Buffer.from(Array.from(pcm, (v) => enc(v)));
      const out = new Int16Array(160);
      expect(dec.decode(payload, out)).to.equal(160);
      let sig = 0;
      let err = 0;
      for (let i = 0; i < 160; i++) {
        sig += pcm[i]! ** 2;
        err += (pcm[i]! - out[i]!) ** 2;
      }
      expect(10 * Math.log10(sig / err), law).to.be.greaterThan(35);
    }
  });
});

describe('G711Decoder', () => {
  it('reports a stable error when the output buffer is too small, and stays usable', () => {
    const dec = new G711Decoder('PCMA');
    const small = new Int16Array(10);
    expect(() => dec.decode(Buffer.alloc(160, 0xd5), small))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_OUTPUT_TOO_SMALL');
    const out = new Int16Array(160);
    expect(dec.decode(Buffer.alloc(160, 0xd5), out)).to.equal(160);
    expect(out[159]).to.equal(8);
  });

  it('conceals a lost 20 ms frame with 160 samples of silence, bounded by the output', () => {
    const dec = new G711Decoder('PCMU');
    const out = new Int16Array(200).fill(123);
    expect(dec.concealment(out, 160)).to.equal(160);
    expect(out.subarray(0, 160).every((v) => v === 0)).to.equal(true);
    expect(out[160]).to.equal(123);
    expect(dec.concealment(new Int16Array(50), 160)).to.equal(50);
    expect(dec.sampleRate).to.equal(8000);
  });
});
