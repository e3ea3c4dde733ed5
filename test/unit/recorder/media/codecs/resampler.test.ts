import { expect } from 'chai';
import { CodecError } from '../../../../../recorder/src/media/codecs/decoder.js';
import { Resampler } from '../../../../../recorder/src/media/codecs/resampler.js';

function tone(freq: number, rate: number, samples: number, amp = 10000): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)),
  );
}

/** Resamples in 20 ms chunks, as the media path does. */
function run(r: Resampler, input: Int16Array): Int16Array {
  const chunk = r.inputRate / 50;
  const out = new Int16Array(r.maxOutput(input.length) + 8);
  const tmp = new Int16Array(r.maxOutput(chunk));
  let n = 0;
  for (let off = 0; off < input.length; off += chunk) {
    const got = r.process(input.subarray(off, off + chunk), tmp);
    out.set(tmp.subarray(0, got), n);
    n += got;
  }
  return out.subarray(0, n);
}

/** Amplitude of `freq` in `x` (Goertzel over the steady part). */
function amplitude(x: Int16Array, freq: number, rate: number, skip: number): number {
  const w = (2 * Math.PI * freq) / rate;
  let re = 0;
  let im = 0;
  const n = x.length - 2 * skip;
  for (let i = 0; i < n; i++) {
    re += x[i + skip]! * Math.cos(w * i);
    im -= x[i + skip]! * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / n;
}

const db = (a: number, ref: number): number => 20 * Math.log10(a / ref);

describe('Resampler', () => {
  const pairs: [number, number, number][] = [
    [8000, 16000, 1000],
    [8000, 48000, 1000],
    [16000, 48000, 3000],
    [48000, 16000, 1000],
    [16000, 8000, 1000],
  ];
  for (const [from, to, freq] of pairs) {
    it(`${from / 1000}k → ${to / 1000}k keeps a ${freq} Hz tone's level within 0.1 dB and turns 1 s into exactly ${to} samples`, () => {
      const r = new Resampler(from, to);
      const out = run(r, tone(freq, from, from));
      expect(out.length).to.equal(to);
      const level = amplitude(out, freq, to, Math.round(to / 20));
      expect(Math.abs(db(level, 10000))).to.be.below(0.1);
      // Nothing but the tone: the residual against the ideal delayed tone is > 60 dB down.
      const skip = Math.round(to / 20);
      let err = 0;
      // The resampler's fixed delay, converted to output samples.
      const delay = (r.delay * to) / from;
      for (let i = skip; i < out.length - skip; i++) {
        const ideal = 10000 * Math.sin((2 * Math.PI * freq * (i - delay)) / to);
        err += (out[i]! - ideal) ** 2;
      }
      const rmsErr = Math.sqrt(err / (out.length - 2 * skip));
      expect(db(rmsErr, 10000 / Math.SQRT2)).to.be.below(-60);
    });
  }

  it('48k → 16k suppresses a 12 kHz tone (would alias to 4 kHz) by more than 70 dB', () => {
    const out = run(new Resampler(48000, 16000), tone(12000, 48000, 48000));
    expect(db(amplitude(out, 4000, 16000, 800) + 1e-9, 10000)).to.be.below(-70);
  });

  it('8k → 48k leaves no image of a 3 kHz tone at 5 kHz (> 70 dB down)', () => {
    const out = run(new Resampler(8000, 48000), tone(3000, 8000, 8000));
    expect(db(amplitude(out, 5000, 48000, 2400) + 1e-9, 10000)).to.be.below(-70);
  });

  it('gives the same output whatever the chunking, and passes equal rates through untouched', () => {
    const input = tone(440, 8000, 4000);
    const whole = new Int16Array(9000);
    const a = new Resampler(8000, 16000);
    const n = a.process(input, whole);
    const b = run(new Resampler(8000, 16000), input);
    expect(Array.from(b)).to.deep.equal(Array.from(whole.subarray(0, n)));
    const same = new Resampler(16000, 16000);
    const out = new Int16Array(4000);
    expect(same.process(input, out)).to.equal(4000);
    expect(Array.from(out)).to.deep.equal(Array.from(input));
  });

  it('reports CODEC_OUTPUT_TOO_SMALL and CODEC_BAD_OPTIONS', () => {
    expect(() => new Resampler(8000, 16000).process(new Int16Array(160), new Int16Array(100)))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_OUTPUT_TOO_SMALL');
    expect(() => new Resampler(0, 16000))
      .to.throw(CodecError)
      .with.property('code', 'CODEC_BAD_OPTIONS');
  });
});
