/**
 * Compares a recording with the audio that was sent: FFT cross-correlation finds the lag, then the
 * normalised correlation and the SNR (after a least-squares gain) are measured on the overlap at that lag.
 * Used by every audio test (thresholds from PEERS.md: G.711 ≥ 0.999, G.722 ≥ 0.99, Opus ≥ 0.9).
 */
import { readFileSync } from 'node:fs';
import { parseWavHeader } from '../../recorder/src/recording/wav/wav-format.js';

/** Result of {@link compareAudio}. */
export interface AudioComparison {
  /** Normalised (cosine) correlation at the best lag, in [-1, 1]. */
  readonly correlation: number;
  /** How much later the recording is than the reference (negative: earlier), in ms. */
  readonly lagMs: number;
  readonly lagSamples: number;
  /** Reference energy over the residual after scaling the recording by its best gain, in dB. */
  readonly snrDb: number;
  /** Samples compared. */
  readonly overlap: number;
}

/** Options of {@link compareAudio}. */
export interface CompareOptions {
  /** Largest lag searched either way; default 1000 ms. */
  readonly maxLagMs?: number;
}

type Samples = ArrayLike<number>;

/** In-place iterative radix-2 FFT (`inverse` without the 1/N scale). */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** Lag (in samples) that maximises Σ ref[i]·rec[i + lag], searched within ±maxLag. */
function bestLag(ref: Samples, rec: Samples, maxLag: number): number {
  let n = 1;
  while (n < ref.length + rec.length) n <<= 1;
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  for (let i = 0; i < ref.length; i++) ar[i] = ref[i]!;
  for (let i = 0; i < rec.length; i++) br[i] = rec[i]!;
  fft(ar, ai, false);
  fft(br, bi, false);
  // conj(A)·B transforms back to the cross-correlation c[k] = Σ a[i]·b[i + k].
  for (let i = 0; i < n; i++) {
    const r = ar[i]! * br[i]! + ai[i]! * bi[i]!;
    const im = ar[i]! * bi[i]! - ai[i]! * br[i]!;
    ar[i] = r;
    ai[i] = im;
  }
  fft(ar, ai, true);
  let best = 0;
  let bestValue = -Infinity;
  for (let k = -maxLag; k <= maxLag; k++) {
    const v = ar[(k + n) % n]!;
    if (v > bestValue) {
      bestValue = v;
      best = k;
    }
  }
  return best;
}

/**
 * Compares `recorded` with `reference` (same sample rate, mono). Both may be any numeric array; a recording
 * longer or shorter than the reference is compared on the overlap.
 */
export function compareAudio(
  reference: Samples,
  recorded: Samples,
  sampleRate: number,
  options: CompareOptions = {},
): AudioComparison {
  const maxLag = Math.round(((options.maxLagMs ?? 1000) * sampleRate) / 1000);
  const lag = bestLag(reference, recorded, maxLag);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  let overlap = 0;
  for (let i = Math.max(0, -lag); i < reference.length && i + lag < recorded.length; i++) {
    const a = reference[i]!;
    const b = recorded[i + lag]!;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
    overlap++;
  }
  const correlation = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
  const gain = sbb > 0 ? sab / sbb : 0;
  // Σ(a - g·b)² expanded, so the overlap is walked once.
  const noise = Math.max(saa - 2 * gain * sab + gain * gain * sbb, 1e-9);
  return {
    correlation,
    lagSamples: lag,
    lagMs: (lag * 1000) / sampleRate,
    snrDb: saa > 0 ? 10 * Math.log10(saa / noise) : -Infinity,
    overlap,
  };
}

/** A WAV file read back for comparison: one Int16Array per channel. */
export interface WavContent {
  readonly sampleRate: number;
  readonly channels: Int16Array[];
  /** Frames (samples per channel) actually present. */
  readonly frames: number;
}

/** Reads a 16-bit PCM WAV file and de-interleaves it (trusting the file's length, not the header size). */
export function readWavFile(path: string): WavContent {
  const buf = readFileSync(path);
  const info = parseWavHeader(buf);
  if (info.bitsPerSample !== 16) throw new Error(`${path}: ${info.bitsPerSample}-bit audio is not supported`);
  const frames = Math.floor((buf.length - info.dataOffset) / info.blockAlign);
  const channels = Array.from({ length: info.channels }, () => new Int16Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < info.channels; c++) {
      channels[c]![f] = buf.readInt16LE(info.dataOffset + f * info.blockAlign + c * 2);
    }
  }
  return { sampleRate: info.sampleRate, channels, frames };
}

/** Reads raw s16le mono samples (as written by `ffmpeg -f s16le` or `sox -t raw`). */
export function readS16le(path: string): Int16Array {
  const buf = readFileSync(path);
  const out = new Int16Array(buf.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}
