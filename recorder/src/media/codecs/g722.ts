/**
 * ITU-T G.722 (09/2012) sub-band ADPCM decoder: 64, 56 and 48 kbit/s modes, 16 kHz output.
 *
 * Each octet carries one lower-band codeword (6, 5 or 4 bits; §3.1 and Table 1) and one 2-bit higher-band
 * codeword (upper two bits). Both bands run the same adaptive predictor (blocks RECONS/PARREC, UPPOL1/2,
 * UPZERO, FILTEP/FILTEZ, PREDIC of §3.6) and quantizer adaptation (LOGSCL/SCALEL, LOGSCH/SCALEH), then the
 * receive QMF (§4.4, Table 11) recombines the bands into two 16 kHz samples. Arithmetic is kept in the
 * fixed-point ranges of the recommendation so the output is bit-exact with the ITU reference decoder (and
 * with ffmpeg's adpcm_g722, which is checked in test/integration/media).
 *
 * RTP: payload type 9, RTP clock 8000 although audio is sampled at 16 kHz (RFC 3551 §4.5.2).
 */
import { CodecError, type Decoder } from './decoder.js';

/** Inverse of the logarithmic scale factor, 2^(i/32) in Q11 (§3.5, ILA table). */
const ILA = Int16Array.of(
  2048,
  2093,
  2139,
  2186,
  2233,
  2282,
  2332,
  2383,
  2435,
  2489,
  2543,
  2599,
  2656,
  2714,
  2774,
  2834,
  2896,
  2960,
  3025,
  3091,
  3158,
  3228,
  3298,
  3371,
  3444,
  3520,
  3597,
  3676,
  3756,
  3838,
  3922,
  4008,
);
/** Higher-band scale-factor multipliers WH (Table 16), indexed by the codeword's magnitude bit. */
const WH = Int16Array.of(798, -214);
/** Higher-band inverse quantizer output QQ2 with sign (Table 15), indexed by the 2-bit codeword. */
const QQ2 = Int16Array.of(-926, -202, 926, 202);
/** Lower-band multipliers WL (Table 14) already mapped through RIL4 for the 4-bit index. */
const WL4 = Int16Array.of(-60, 3042, 1198, 538, 334, 172, 58, -30, 3042, 1198, 538, 334, 172, 58, -30, -60);
/** 4-bit lower-band inverse quantizer (QQ4 with sign, Table 13): drives the predictor in every mode. */
const QQ4 = Int16Array.of(
  0,
  -2557,
  -1612,
  -1121,
  -786,
  -530,
  -323,
  -150,
  2557,
  1612,
  1121,
  786,
  530,
  323,
  150,
  0,
);
/** 6-bit lower-band inverse quantizer (64 kbit/s, QQ6 with sign, Table 11/12). */
const QQ6 = Int16Array.of(
  -17,
  -17,
  -17,
  -17,
  -3101,
  -2738,
  -2376,
  -2088,
  -1873,
  -1689,
  -1535,
  -1399,
  -1279,
  -1170,
  -1072,
  -982,
  -899,
  -822,
  -750,
  -682,
  -618,
  -558,
  -501,
  -447,
  -396,
  -347,
  -300,
  -254,
  -211,
  -170,
  -130,
  -91,
  3101,
  2738,
  2376,
  2088,
  1873,
  1689,
  1535,
  1399,
  1279,
  1170,
  1072,
  982,
  899,
  822,
  750,
  682,
  618,
  558,
  501,
  447,
  396,
  347,
  300,
  254,
  211,
  170,
  130,
  91,
  54,
  17,
  -54,
  -17,
);
/** 5-bit lower-band inverse quantizer (56 kbit/s, QQ5 with sign). */
const QQ5 = Int16Array.of(
  -35,
  -35,
  -2919,
  -2195,
  -1765,
  -1458,
  -1219,
  -1023,
  -858,
  -714,
  -587,
  -473,
  -370,
  -276,
  -190,
  -110,
  2919,
  2195,
  1765,
  1458,
  1219,
  1023,
  858,
  714,
  587,
  473,
  370,
  276,
  190,
  110,
  35,
  -35,
);
/** Receive QMF coefficients (Table 11). */
const QMF = Int16Array.of(3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11);

const HISTORY = 1024;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function sat16(v: number): number {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

/** Scale factor from its logarithm (SCALEL/SCALEH, §3.5): 2^(nb/2048) via the ILA table and a shift. */
function scaleFromLog(logFactor: number): number {
  const mant = ILA[(logFactor >> 6) & 31]!;
  const shift = logFactor >> 11;
  return shift < 0 ? mant >> -shift : mant << shift;
}

/** Adaptive predictor and quantizer-adaptation state of one sub-band. */
class Band {
  /** Signal estimate (s). */
  predictor = 0;
  /** Zero-section output (sz). */
  zeroOut = 0;
  /** Signs of the two previous partially reconstructed signals (p), 1 when negative. */
  sign1 = 0;
  sign2 = 0;
  /** Previous reconstructed signal (r, doubled scale). */
  prevRecon = 0;
  /** Pole coefficients a1, a2. */
  a1 = 0;
  a2 = 0;
  /** Delayed quantized differences (dlt1..6, doubled) and zero-section coefficients (b1..6). */
  readonly dlt = new Int32Array(6);
  readonly b = new Int32Array(6);
  /** Logarithmic (nb) and linear (det) quantizer scale factors. */
  logFactor = 0;
  scale: number;

  constructor(initialScale: number) {
    this.scale = initialScale;
  }

  reset(initialScale: number): void {
    this.predictor = this.zeroOut = this.sign1 = this.sign2 = this.prevRecon = 0;
    this.a1 = this.a2 = this.logFactor = 0;
    this.dlt.fill(0);
    this.b.fill(0);
    this.scale = initialScale;
  }

  /** Predictor update for a quantized difference `d` (§3.6: PARREC, UPPOL2, UPPOL1, UPZERO, FILTEZ, FILTEP). */
  adapt(d: number): void {
    const sign = this.zeroOut + d < 0 ? 1 : 0;
    // UPPOL1/UPPOL2 sign products: sg1 is -1 when p(n) and p(n-1) agree, sg2 is +1 when p(n) and p(n-2) agree.
    const sg1 = sign !== this.sign1 ? 1 : -1;
    const sg2 = sign === this.sign2 ? 1 : -1;
    this.sign2 = this.sign1;
    this.sign1 = sign;

    // UPPOL2 then UPPOL1 with the stability constraint |a1| <= 1 - 2^-4 - a2.
    this.a2 = clamp(
      ((sg1 * clamp(this.a1, -8191, 8191)) >> 5) + sg2 * 128 + ((this.a2 * 127) >> 7),
      -12288,
      12288,
    );
    const limit = 15360 - this.a2;
    this.a1 = clamp(-192 * sg1 + ((this.a1 * 255) >> 8), -limit, limit);

    // UPZERO: sign-sign update with leakage 255/256, then DELAYA and FILTEZ.
    const dlt = this.dlt;
    const b = this.b;
    const step = d === 0 ? 0 : 128;
    let sz = 0;
    for (let i = 5; i >= 0; i--) {
      const older = i === 0 ? d * 2 : dlt[i - 1]!;
      b[i] = ((b[i]! * 255) >> 8) + ((dlt[i]! ^ d) < 0 ? -step : step);
      dlt[i] = older;
      sz += (older * b[i]!) >> 15;
    }
    this.zeroOut = sz;

    // FILTEP + PREDIC.
    const recon = sat16((this.predictor + d) * 2);
    this.predictor = sat16(sz + ((this.a1 * recon) >> 15) + ((this.a2 * this.prevRecon) >> 15));
    this.prevRecon = recon;
  }
}

/** Bits per lower-band codeword for each G.722 mode. */
export type G722Mode = 64000 | 56000 | 48000;

/**
 * G.722 decoder producing 16 kHz mono. Keep one per stream; `reset()` after an SSRC change since the
 * ADPCM state of one encoder means nothing to another.
 */
export class G722Decoder implements Decoder {
  readonly name = 'G722';
  readonly sampleRate = 16000;
  readonly channels = 1;
  readonly #low = new Band(8);
  readonly #high = new Band(2);
  readonly #hist = new Int32Array(HISTORY);
  #pos = 22;
  readonly #skip: number;
  readonly #lowTable: Int16Array;

  /** @param mode bit rate; RTP always uses 64000 (RFC 3551 §4.5.2), the others exist for completeness. */
  constructor(mode: G722Mode = 64000) {
    if (mode !== 64000 && mode !== 56000 && mode !== 48000) {
      throw new CodecError('CODEC_BAD_OPTIONS', `G.722 mode ${String(mode)} is not 64000, 56000 or 48000`);
    }
    this.#skip = mode === 64000 ? 0 : mode === 56000 ? 1 : 2;
    this.#lowTable = this.#skip === 0 ? QQ6 : this.#skip === 1 ? QQ5 : QQ4;
  }

  decode(payload: Buffer, out: Int16Array): number {
    const n = payload.length;
    if (n * 2 > out.length) {
      throw new CodecError('CODEC_OUTPUT_TOO_SMALL', `${n * 2} samples do not fit in ${out.length}`);
    }
    const low = this.#low;
    const high = this.#high;
    const hist = this.#hist;
    const skip = this.#skip;
    const lowTable = this.#lowTable;
    const lowMask = (0x3f >> skip) << skip;
    let pos = this.#pos;
    let o = 0;
    for (let j = 0; j < n; j++) {
      const byte = payload[j]!;
      const ihigh = byte >> 6;
      const ilow = (byte & lowMask) >> skip;

      // Lower band: INVQBL output plus estimate gives the reconstructed signal (§3.4, RECONS).
      const rlow = clamp(((low.scale * lowTable[ilow]!) >> 10) + low.predictor, -16384, 16383);
      const i4 = ilow >> (2 - skip);
      low.adapt((low.scale * QQ4[i4]!) >> 10);
      low.logFactor = clamp(((low.logFactor * 127) >> 7) + WL4[i4]!, 0, 18432);
      low.scale = scaleFromLog(low.logFactor - (8 << 11));

      // Higher band (§3.3, 2-bit ADPCM).
      const dhigh = (high.scale * QQ2[ihigh]!) >> 10;
      const rhigh = clamp(dhigh + high.predictor, -16384, 16383);
      high.adapt(dhigh);
      high.logFactor = clamp(((high.logFactor * 127) >> 7) + WH[ihigh & 1]!, 0, 22528);
      high.scale = scaleFromLog(high.logFactor - (10 << 11));

      // Receive QMF (§4.4): the sum and difference signals feed a 24-tap filter pair.
      hist[pos++] = rlow + rhigh;
      hist[pos++] = rlow - rhigh;
      const base = pos - 24;
      let even = 0;
      let odd = 0;
      for (let i = 0; i < 12; i++) {
        even += hist[base + 2 * i]! * QMF[i]!;
        odd += hist[base + 2 * i + 1]! * QMF[11 - i]!;
      }
      out[o++] = sat16(odd >> 11);
      out[o++] = sat16(even >> 11);
      if (pos >= HISTORY) {
        hist.copyWithin(0, pos - 22, pos);
        pos = 22;
      }
    }
    this.#pos = pos;
    return o;
  }

  /**
   * Silence for lost frames. The ADPCM state is left as it is: it converges back to the encoder's within a
   * few milliseconds of good frames, which is what the reference decoder without Appendix III/IV PLC does.
   */
  concealment(out: Int16Array, samples: number): number {
    const n = Math.max(0, Math.min(samples, out.length));
    out.fill(0, 0, n);
    return n;
  }

  reset(): void {
    this.#low.reset(8);
    this.#high.reset(2);
    this.#hist.fill(0);
    this.#pos = 22;
  }

  close(): void {
    // Pure JavaScript state; nothing to free.
  }
}
