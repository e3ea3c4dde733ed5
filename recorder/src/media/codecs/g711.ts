/**
 * ITU-T G.711 μ-law (PCMU, RTP PT 0) and A-law (PCMA, PT 8) decoding through 256-entry tables, plus the
 * matching encoders (used by tests and load generators to produce real payloads).
 */
import { CodecError, type Decoder } from './decoder.js';

let ulawTable: Int16Array | undefined;
let alawTable: Int16Array | undefined;

/** μ-law byte → linear sample (G.711 §2, Table 2a; the segment/step formula of the standard). */
function expandUlaw(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** A-law byte → linear sample (G.711 §2, Table 1a; even bits inverted on the line). */
function expandAlaw(byte: number): number {
  const a = byte ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

/** The 256-entry μ-law expansion table (built on first use, never at import time). */
export function ulawDecodeTable(): Int16Array {
  if (!ulawTable) {
    ulawTable = new Int16Array(256);
    for (let i = 0; i < 256; i++) ulawTable[i] = expandUlaw(i);
  }
  return ulawTable;
}

/** The 256-entry A-law expansion table (built on first use). */
export function alawDecodeTable(): Int16Array {
  if (!alawTable) {
    alawTable = new Int16Array(256);
    for (let i = 0; i < 256; i++) alawTable[i] = expandAlaw(i);
  }
  return alawTable;
}

// Segment end points of the companding curves (G.711 Tables 1a/2a), in the shifted domains used below.
const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segmentOf(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]!) return i;
  return 8;
}

/** Linear 16-bit sample → μ-law byte (G.711 with the usual 0x84 bias and 32635 clip). */
export function encodeUlaw(sample: number): number {
  let pcm = sample >> 2;
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (pcm > 8159) pcm = 8159;
  pcm += 0x84 >> 2;
  const seg = segmentOf(pcm, ULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return (((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask) & 0xff;
}

/** Linear 16-bit sample → A-law byte. */
export function encodeAlaw(sample: number): number {
  let pcm = sample >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segmentOf(pcm, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return (aval ^ mask) & 0xff;
}

/** Decoder for PCMU or PCMA: one byte per sample at 8 kHz (RFC 3551 §4.5.14). */
export class G711Decoder implements Decoder {
  readonly name: 'PCMU' | 'PCMA';
  readonly sampleRate = 8000;
  readonly channels = 1;
  readonly #table: Int16Array;

  constructor(law: 'PCMU' | 'PCMA') {
    this.name = law;
    this.#table = law === 'PCMU' ? ulawDecodeTable() : alawDecodeTable();
  }

  decode(payload: Buffer, out: Int16Array): number {
    const n = payload.length;
    if (n > out.length) {
      throw new CodecError('CODEC_OUTPUT_TOO_SMALL', `${n} samples do not fit in ${out.length}`);
    }
    const table = this.#table;
    for (let i = 0; i < n; i++) out[i] = table[payload[i]!]!;
    return n;
  }

  concealment(out: Int16Array, samples: number): number {
    const n = Math.max(0, Math.min(samples, out.length));
    out.fill(0, 0, n);
    return n;
  }

  reset(): void {
    // Stateless.
  }

  close(): void {
    // Nothing to free.
  }
}
