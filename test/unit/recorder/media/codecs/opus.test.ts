import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpusScript from 'opusscript';
import { createDecoder } from '../../../../../recorder/src/media/codecs/create-decoder.js';
import { CodecError } from '../../../../../recorder/src/media/codecs/decoder.js';
import { OpusDecoder } from '../../../../../recorder/src/media/codecs/opus.js';
import { Resampler } from '../../../../../recorder/src/media/codecs/resampler.js';
import { compareAudio } from '../../../../support/audio-compare.js';

const fixtures = fileURLToPath(new URL('../../../../../../test/fixtures/media/codecs/', import.meta.url));

/** The synthetic-speech fixture (8 kHz) brought to 48 kHz with our resampler. */
function speech48k(): Int16Array {
  const buf = readFileSync(fixtures + 'speech-8k.s16le');
  const speech = Int16Array.from({ length: buf.length / 2 }, (_, i) => buf.readInt16LE(i * 2));
  const r = new Resampler(8000, 48000);
  const out = new Int16Array(r.maxOutput(speech.length));
  return out.subarray(0, r.process(speech, out));
}

/** Speech-like test signal: a few harmonics with a syllable-rate envelope. */
function voiceLike(samples: number, rate: number, channels = 1): Int16Array {
  const out = new Int16Array(samples * channels);
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const env = 0.55 + 0.45 * Math.sin(2 * Math.PI * 3 * t);
    const f0 = 140 + 30 * Math.sin(2 * Math.PI * 0.7 * t);
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    for (let c = 0; c < channels; c++)
      out[i * channels + c] = Math.round(6000 * env * v * (c === 0 ? 1 : 0.5));
  }
  return out;
}

function encode(pcm: Int16Array, channels: 1 | 2, frame = 960): Buffer[] {
  const enc = new OpusScript(48000, channels, OpusScript.Application.VOIP);
  try {
    enc.setBitrate(24000);
    const packets: Buffer[] = [];
    for (let off = 0; off + frame * channels <= pcm.length; off += frame * channels) {
      const chunk = pcm.subarray(off, off + frame * channels);
      packets.push(enc.encode(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), frame));
    }
    return packets;
  } finally {
    enc.delete();
  }
}

describe('OpusDecoder', () => {
  it('round trip of 3.5 s of speech (VOIP, 24 kbit/s, 48 kHz) correlates ≥ 0.9 with the source', () => {
    const src = speech48k();
    const dec = new OpusDecoder();
    const out = new Int16Array(5760);
    const got = new Int16Array(src.length);
    let n = 0;
    for (const p of encode(src, 1)) {
      const c = dec.decode(p, out);
      got.set(out.subarray(0, c), n);
      n += c;
    }
    dec.close();
    expect(n).to.equal(168000);
    const cmp = compareAudio(src, got, 48000, { maxLagMs: 50 });
    expect(cmp.correlation).to.be.at.least(0.9);
    expect(Math.abs(cmp.lagMs)).to.be.below(15);
  });

  it('down-mixes a stereo stream to mono, or keeps it interleaved when asked', () => {
    const src = voiceLike(9600, 48000, 2);
    const packets = encode(src, 2);
    const mono = createDecoder('opus', { channels: 1 });
    const stereo = createDecoder('OPUS', { channels: 2 });
    const out = new Int16Array(5760 * 2);
    expect(mono.decode(packets[0]!, out)).to.equal(960);
    expect(stereo.decode(packets[0]!, out)).to.equal(960);
    expect(stereo.channels).to.equal(2);
    mono.close();
    stereo.close();
  });

  it('decodes natively at 16 kHz when the recording rate is 16 kHz (320 samples per 20 ms)', () => {
    const dec = new OpusDecoder({ sampleRate: 16000 });
    const [p] = encode(voiceLike(960, 48000), 1);
    expect(dec.decode(p!, new Int16Array(1920))).to.equal(320);
    dec.close();
  });

  it('conceals a lost frame with libopus PLC (non-silent continuation of a voiced signal)', () => {
    const src = voiceLike(48000, 48000);
    const packets = encode(src, 1);
    const dec = new OpusDecoder();
    const out = new Int16Array(5760);
    for (const p of packets.slice(0, 20)) dec.decode(p, out);
    expect(dec.concealment(out, 960)).to.equal(960);
    const energy = out.subarray(0, 960).reduce((s, v) => s + v * v, 0);
    expect(energy).to.be.greaterThan(0);
    // A 200 ms gap: PLC fades to silence beyond 120 ms rather than inventing sound.
    const long = new Int16Array(9600).fill(1);
    expect(dec.concealment(long, 9600)).to.equal(9600);
    expect(long.subarray(5760).every((v) => v === 0)).to.equal(true);
    dec.close();
  });

  it('rejects garbage and oversized packets with CODEC_BAD_PAYLOAD and keeps decoding', () => {
    const dec = new OpusDecoder();
    const out = new Int16Array(5760);
    expect(() => dec.decode(Buffer.alloc(4000, 1), out))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_BAD_PAYLOAD');
    // TOC code 3 with a frame count of 0 is invalid (RFC 6716 §3.2.5).
    expect(() => dec.decode(Buffer.from([0x03, 0x00]), out))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_BAD_PAYLOAD');
    const [p] = encode(voiceLike(960, 48000), 1);
    expect(dec.decode(p!, out)).to.equal(960);
    dec.reset();
    expect(dec.decode(p!, out)).to.equal(960);
    dec.close();
    dec.close();
    expect(() => dec.decode(p!, out))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_CLOSED');
  });

  it('frees its wasm memory: 3000 sessions opened and closed do not grow the heap', () => {
    const [p] = encode(voiceLike(960, 48000), 1);
    const out = new Int16Array(5760);
    const cycle = (): void => {
      const d = new OpusDecoder({ channels: 2 });
      d.decode(p!, out);
      d.close();
    };
    for (let i = 0; i < 200; i++) cycle();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 3000; i++) cycle();
    const grownMiB = (process.memoryUsage().rss - before) / 2 ** 20;
    // A leak would be ≥ 3000 × ~60 KiB (decoder state + buffers) ≈ 175 MiB.
    expect(grownMiB).to.be.below(40);
  });

  it('refuses unknown codecs with CODEC_UNSUPPORTED (G.729 is stored raw instead)', () => {
    expect(() => createDecoder('G729'))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_UNSUPPORTED');
  });
});
