/**
 * The canonical 44-byte RIFF/WAVE header for 16-bit PCM, and a bounds-checked reader that walks the chunk
 * list of any PCM WAV (so files written by other tools, or torn ones, can be inspected).
 *
 * ```
 *  0 "RIFF"  4 riffSize(u32le) = fileSize - 8   8 "WAVE"
 * 12 "fmt "  16 16(u32le)  20 format=1(u16)  22 channels(u16)  24 sampleRate(u32)
 *            28 byteRate(u32)  32 blockAlign(u16)  34 bitsPerSample=16(u16)
 * 36 "data"  40 dataSize(u32le)  44 samples, interleaved, little-endian
 * ```
 */
import { WavError } from './wav-error.js';

/** Size of the header {@link buildWavHeader} writes; audio starts here. */
export const WAV_HEADER_BYTES = 44;
/** Largest data size a RIFF header can state. */
export const WAV_MAX_DATA_BYTES = 0xffffffff - 36;

/** What a WAV header says. */
export interface WavInfo {
  /** 1 = PCM, 0xfffe = WAVE_FORMAT_EXTENSIBLE. */
  readonly format: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Bytes per frame (one sample of every channel). */
  readonly blockAlign: number;
  /** Offset of the first audio byte. */
  readonly dataOffset: number;
  /** Data size the header states (may be stale in a file left by a crash). */
  readonly declaredDataBytes: number;
  /** RIFF size the header states. */
  readonly declaredRiffBytes: number;
}

/**
 * Writes a 16-bit PCM header for `dataBytes` of audio into `target` (or a new buffer) and returns it.
 * Sizes beyond the RIFF limit are clamped, which players read as "until end of file".
 */
export function buildWavHeader(
  channels: number,
  sampleRate: number,
  dataBytes: number,
  target: Buffer = Buffer.alloc(WAV_HEADER_BYTES),
): Buffer {
  const data = Math.min(dataBytes, WAV_MAX_DATA_BYTES);
  const blockAlign = channels * 2;
  target.write('RIFF', 0, 'latin1');
  target.writeUInt32LE(36 + data, 4);
  target.write('WAVE', 8, 'latin1');
  target.write('fmt ', 12, 'latin1');
  target.writeUInt32LE(16, 16);
  target.writeUInt16LE(1, 20);
  target.writeUInt16LE(channels, 22);
  target.writeUInt32LE(sampleRate, 24);
  target.writeUInt32LE(sampleRate * blockAlign, 28);
  target.writeUInt16LE(blockAlign, 32);
  target.writeUInt16LE(16, 34);
  target.write('data', 36, 'latin1');
  target.writeUInt32LE(data, 40);
  return target;
}

/**
 * Parses the header at the start of `buf` (the first few hundred bytes of a file suffice). Unknown chunks
 * before `data` are skipped. Throws `WAV_BAD_HEADER` when it is not a PCM WAV we can read.
 */
export function parseWavHeader(buf: Buffer): WavInfo {
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw new WavError('WAV_BAD_HEADER', 'not a RIFF/WAVE file');
  }
  const declaredRiffBytes = buf.readUInt32LE(4);
  let off = 12;
  let fmt:
    { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('WAV_BAD_HEADER', 'fmt chunk truncated');
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('WAV_BAD_HEADER', 'data chunk before fmt chunk');
      if (fmt.format !== 1 && fmt.format !== 0xfffe) {
        throw new WavError('WAV_BAD_HEADER', `format ${fmt.format} is not PCM`);
      }
      if (fmt.channels < 1 || fmt.sampleRate < 1 || fmt.blockAlign !== (fmt.channels * fmt.bits) / 8) {
        throw new WavError('WAV_BAD_HEADER', 'inconsistent fmt chunk');
      }
      return {
        format: fmt.format,
        channels: fmt.channels,
        sampleRate: fmt.sampleRate,
        bitsPerSample: fmt.bits,
        blockAlign: fmt.blockAlign,
        dataOffset: body,
        declaredDataBytes: size,
        declaredRiffBytes,
      };
    }
    // Chunks are word-aligned (RIFF pad byte).
    off = body + size + (size & 1);
  }
  throw new WavError('WAV_BAD_HEADER', fmt ? 'no data chunk' : 'no fmt chunk');
}
