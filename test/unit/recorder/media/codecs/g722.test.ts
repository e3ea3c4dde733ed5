import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CodecError } from '../../../../../recorder/src/media/codecs/decoder.js';
import { G722Decoder, type G722Mode } from '../../../../../recorder/src/media/codecs/g722.js';

const fixtures = fileURLToPath(new URL('../../../../../../test/fixtures/media/codecs/', import.meta.url));

function decodeInPackets(dec: G722Decoder, g722: Buffer, packetBytes: number): Int16Array {
  const all = new Int16Array(g722.length * 2);
  const out = new Int16Array(packetBytes * 2);
  let n = 0;
  for (let off = 0; off < g722.length; off += packetBytes) {
    const got = dec.decode(g722.subarray(off, off + packetBytes), out);
    all.set(out.subarray(0, got), n);
    n += got;
  }
  return all.subarray(0, n);
}

function firstMismatch(a: Int16Array, refBytes: Buffer): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== refBytes.readInt16LE(i * 2)) return i;
  return -1;
}

describe('G722Decoder against ffmpeg adpcm_g722 output (fixtures: 0.75 s sweep + noise)', () => {
  const g722 = readFileSync(fixtures + 'sweep-noise.g722');
  const cases: [G722Mode, string][] = [
    [64000, 'sweep-noise.g722-64k.ffmpeg.s16le'],
    [56000, 'sweep-noise.g722-56k.ffmpeg.s16le'],
    [48000, 'sweep-noise.g722-48k.ffmpeg.s16le'],
  ];
  for (const [mode, file] of cases) {
    it(`is bit-exact for all 12000 samples at ${mode / 1000} kbit/s, decoded in 20 ms RTP packets`, () => {
      const ref = readFileSync(fixtures + file);
      const pcm = decodeInPackets(new G722Decoder(mode), g722, 160);
      expect(pcm.length).to.equal(12000);
      expect(ref.length / 2).to.equal(12000);
      expect(firstMismatch(pcm, ref)).to.equal(-1);
    });
  }

  it('is independent of the packetisation (odd packet sizes give the same 12000 samples)', () => {
    const ref = readFileSync(fixtures + 'sweep-noise.g722-64k.ffmpeg.s16le');
    expect(firstMismatch(decodeInPackets(new G722Decoder(), g722, 37), ref)).to.equal(-1);
  });

  it('reset() restarts from the initial state (a new SSRC decodes like a fresh decoder)', () => {
    const ref = readFileSync(fixtures + 'sweep-noise.g722-64k.ffmpeg.s16le');
    const dec = new G722Decoder();
    decodeInPackets(dec, g722.subarray(0, 1000), 160);
    dec.reset();
    expect(firstMismatch(decodeInPackets(dec, g722, 160), ref)).to.equal(-1);
  });

  it('outputs 16 kHz: two samples per payload byte, and refuses a too-small output buffer', () => {
    const dec = new G722Decoder();
    expect(dec.sampleRate).to.equal(16000);
    expect(dec.decode(Buffer.alloc(160, 0xff), new Int16Array(320))).to.equal(320);
    expect(() => dec.decode(Buffer.alloc(160), new Int16Array(100)))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_OUTPUT_TOO_SMALL');
    expect(() => new G722Decoder(32000 as G722Mode))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_BAD_OPTIONS');
  });
});
