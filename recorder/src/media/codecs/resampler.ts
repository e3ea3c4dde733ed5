/**
 * Streaming rational resampler (polyphase windowed sinc, Kaiser window), so that a recording mixing
 * codecs (8 kHz G.711, 16 kHz G.722, 48 kHz Opus) is written at one rate.
 *
 * Output sample m sits at input time m·M/L − D (L/M the reduced rate ratio, D half the filter length):
 * a fixed delay of D input samples in exchange for a deterministic output count — every input sample
 * yields exactly L/M output samples on average, so a channel on the recording timeline never drifts
 * because of resampling. Coefficients are computed once per instance; processing allocates nothing.
 */
import { CodecError } from './decoder.js';

/** Options of {@link Resampler}. */
export interface ResamplerOptions {
  /** Zero crossings of the sinc on each side at the cutoff (quality vs. cost); default 12. */
  readonly zeroCrossings?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency; default 0.91. */
  readonly cutoff?: number;
  /** Kaiser window β (stop-band attenuation ≈ 8.7·β dB); default 8.6. */
  readonly beta?: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** Converts one mono 16-bit stream from `inputRate` to `outputRate`. */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Delay introduced, in input samples (0 when the rates are equal). */
  readonly delay: number;
  readonly #up: number;
  readonly #down: number;
  readonly #taps: number;
  /** Phase-major coefficients: phase p occupies [p·taps, (p+1)·taps). */
  readonly #coeffs: Float32Array;
  /** The last `taps` input samples followed by the current input. */
  #work: Float32Array;
  /** Position of the next output in 1/L input samples, relative to the start of the current input. */
  #acc = 0;

  constructor(inputRate: number, outputRate: number, options: ResamplerOptions = {}) {
    if (!Number.isInteger(inputRate) || !Number.isInteger(outputRate) || inputRate <= 0 || outputRate <= 0) {
      throw new CodecError('CODEC_BAD_OPTIONS', `cannot resample ${inputRate} Hz to ${outputRate} Hz`);
    }
    const g = gcd(inputRate, outputRate);
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.#up = outputRate / g;
    this.#down = inputRate / g;
    if (this.#up > 480 || this.#down > 480) {
      throw new CodecError('CODEC_BAD_OPTIONS', `ratio ${outputRate}/${inputRate} needs too many phases`);
    }
    if (inputRate === outputRate) {
      this.#taps = 0;
      this.delay = 0;
      this.#coeffs = new Float32Array(0);
      this.#work = new Float32Array(0);
      return;
    }
    const zc = options.zeroCrossings ?? 12;
    const fc = Math.min(1, this.#up / this.#down) * (options.cutoff ?? 0.91);
    const beta = options.beta ?? 8.6;
    const half = Math.ceil(zc / fc);
    this.#taps = 2 * half;
    this.delay = half;
    const taps = this.#taps;
    this.#coeffs = new Float32Array(this.#up * taps);
    const i0beta = besselI0(beta);
    for (let p = 0; p < this.#up; p++) {
      const frac = p / this.#up;
      let sum = 0;
      for (let k = 0; k < taps; k++) {
        // Tap k multiplies input sample (floor(t) - half + 1 + k); x is that sample's distance from t.
        const x = frac + half - 1 - k;
        const r = x / half;
        const win = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0beta;
        const arg = Math.PI * fc * x;
        const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
        const c = fc * sinc * win;
        this.#coeffs[p * taps + k] = c;
        sum += c;
      }
      // Unity gain at DC for every phase: no level ripple between interpolated positions.
      for (let k = 0; k < taps; k++) this.#coeffs[p * taps + k]! /= sum;
    }
    this.#work = new Float32Array(taps + 960);
  }

  /** Upper bound of the output count for `inputSamples` input samples. */
  maxOutput(inputSamples: number): number {
    return Math.ceil((inputSamples * this.#up) / this.#down) + 1;
  }

  /**
   * Resamples `count` samples of `input` (default all) into `out` and returns the number of output samples.
   * `out` must hold at least {@link maxOutput}(count) samples.
   */
  process(input: Int16Array, out: Int16Array, count: number = input.length): number {
    const n = Math.min(count, input.length);
    if (this.#taps === 0) {
      if (n > out.length) throw new CodecError('CODEC_OUTPUT_TOO_SMALL', `${n} samples do not fit`);
      out.set(input.subarray(0, n));
      return n;
    }
    if (this.maxOutput(n) > out.length) {
      throw new CodecError(
        'CODEC_OUTPUT_TOO_SMALL',
        `${this.maxOutput(n)} samples do not fit in ${out.length}`,
      );
    }
    const taps = this.#taps;
    if (this.#work.length < taps + n) {
      const grown = new Float32Array(taps + n);
      grown.set(this.#work.subarray(0, taps));
      this.#work = grown;
    }
    const work = this.#work;
    for (let i = 0; i < n; i++) work[taps + i] = input[i]!;
    const up = this.#up;
    const down = this.#down;
    const coeffs = this.#coeffs;
    const end = n * up;
    let acc = this.#acc;
    let o = 0;
    while (acc < end) {
      const idx = Math.floor(acc / up);
      const phase = acc - idx * up;
      // Taps cover work[idx + 1 .. idx + taps], i.e. input samples idx - taps + 1 .. idx.
      const base = phase * taps;
      let s = 0;
      for (let k = 0; k < taps; k++) s += coeffs[base + k]! * work[idx + 1 + k]!;
      out[o++] = s >= 32767 ? 32767 : s <= -32768 ? -32768 : Math.round(s);
      acc += down;
    }
    this.#acc = acc - end;
    work.copyWithin(0, n, n + taps);
    return o;
  }

  /** Forgets the history (a discontinuity in the input). */
  reset(): void {
    this.#work.fill(0);
    this.#acc = 0;
  }
}
