/**
 * Lossless storage of RTP payloads we do not decode (G.729 when it is the only codec offered), next to the
 * WAV. The container is deliberately simple so any tool can convert it later:
 *
 * ```
 * header (32 bytes)
 *   0  8  magic "SRSRAW01"
 *   8  4  RTP clock rate (u32 BE)
 *  12  1  RTP payload type (u8)
 *  13  3  reserved, zero
 *  16 16  encoding name, ASCII, NUL padded (e.g. "G729")
 * records, back to back until end of file
 *   0  4  RTP timestamp (u32 BE)
 *   4  2  RTP sequence number (u16 BE)
 *   6  2  payload length n (u16 BE)
 *   8  n  payload bytes, as received (after SRTP decryption)
 * ```
 * A file cut short by a crash simply ends in a torn record, which {@link readRawFrames} ignores.
 * Written to `${path}.part` and renamed by `finalize()`, like the WAV.
 */
import { rename } from 'node:fs/promises';
import { OrderedFile } from './ordered-file.js';
import { WavError } from './wav-error.js';

export const RAW_MAGIC = 'SRSRAW01';
export const RAW_HEADER_BYTES = 32;
const RECORD_HEADER_BYTES = 8;

/** Options of {@link RawFrameWriter.create}. */
export interface RawFrameWriterOptions {
  /** Final path (e.g. `<recordingId>.ch1.g729.raw`). */
  readonly path: string;
  readonly encodingName: string;
  readonly payloadType: number;
  readonly clockRate: number;
  /** Bytes buffered before a file write; default 8192 (about 8 s of G.729 at 20 ms). */
  readonly blockBytes?: number;
  readonly onError?: (err: WavError) => void;
}

/** One stored RTP payload. */
export interface RawFrame {
  readonly timestamp: number;
  readonly sequence: number;
  readonly payload: Buffer;
}

/** What a raw-frame file says about itself. */
export interface RawFrameFile {
  readonly encodingName: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly frames: RawFrame[];
  /** Bytes after the last complete record (a torn write). */
  readonly trailingBytes: number;
}

/** Writer of one raw-frame file (see module comment). */
export class RawFrameWriter {
  readonly path: string;
  readonly #file: OrderedFile;
  readonly #blockBytes: number;
  #block: Buffer;
  #fill = 0;
  #position = RAW_HEADER_BYTES;
  #frames = 0;
  #finalized: Promise<{ path: string; frames: number; bytes: number }> | undefined;

  private constructor(path: string, file: OrderedFile, blockBytes: number) {
    this.path = path;
    this.#file = file;
    this.#blockBytes = blockBytes;
    this.#block = Buffer.alloc(blockBytes);
  }

  /** Creates `${path}.part` and writes the header. */
  static async create(options: RawFrameWriterOptions): Promise<RawFrameWriter> {
    const name = Buffer.from(options.encodingName, 'latin1');
    if (name.length > 16 || !/^[\x21-\x7e]+$/.test(options.encodingName)) {
      throw new WavError('WAV_BAD_OPTIONS', 'encoding name must be 1–16 printable ASCII characters');
    }
    if (!Number.isInteger(options.payloadType) || options.payloadType < 0 || options.payloadType > 127) {
      throw new WavError('WAV_BAD_OPTIONS', `payload type ${options.payloadType} is not 0–127`);
    }
    const file = await OrderedFile.create(`${options.path}.part`, options.onError);
    const header = Buffer.alloc(RAW_HEADER_BYTES);
    header.write(RAW_MAGIC, 0, 'latin1');
    header.writeUInt32BE(options.clockRate >>> 0, 8);
    header.writeUInt8(options.payloadType, 12);
    name.copy(header, 16);
    file.write(header, RAW_HEADER_BYTES, 0);
    return new RawFrameWriter(options.path, file, Math.max(options.blockBytes ?? 8192, 1024));
  }

  /** Records stored so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Stores one payload (copied; at most 65535 bytes, longer ones are refused with false). */
  write(timestamp: number, sequence: number, payload: Buffer): boolean {
    if (this.#finalized || this.#file.error || payload.length > 0xffff) return false;
    const need = RECORD_HEADER_BYTES + payload.length;
    if (this.#fill + need > this.#block.length) {
      this.#submit();
      if (need > this.#block.length) this.#block = Buffer.alloc(need);
    }
    const b = this.#block;
    b.writeUInt32BE(timestamp >>> 0, this.#fill);
    b.writeUInt16BE(sequence & 0xffff, this.#fill + 4);
    b.writeUInt16BE(payload.length, this.#fill + 6);
    payload.copy(b, this.#fill + RECORD_HEADER_BYTES);
    this.#fill += need;
    this.#frames++;
    return true;
  }

  /** Writes what is buffered and waits for it. */
  async flush(): Promise<void> {
    this.#submit();
    await this.#file.idle();
  }

  /** Writes the rest, syncs, closes and renames to the final path; idempotent. */
  finalize(): Promise<{ path: string; frames: number; bytes: number }> {
    this.#finalized ??= (async () => {
      this.#submit();
      await this.#file.close(true);
      await rename(`${this.path}.part`, this.path);
      return { path: this.path, frames: this.#frames, bytes: this.#position };
    })();
    return this.#finalized;
  }

  #submit(): void {
    if (this.#fill === 0) return;
    this.#file.write(this.#block, this.#fill, this.#position);
    this.#position += this.#fill;
    // The queued buffer belongs to the pending write now; a fresh one takes over (once per block).
    this.#block = Buffer.alloc(this.#blockBytes);
    this.#fill = 0;
  }
}

/** Parses a raw-frame file's content, bounds-checked; a torn last record is reported, not thrown. */
export function readRawFrames(data: Buffer): RawFrameFile {
  if (data.length < RAW_HEADER_BYTES || data.toString('latin1', 0, 8) !== RAW_MAGIC) {
    throw new WavError('WAV_BAD_HEADER', 'not a raw-frame file');
  }
  const nameEnd = data.indexOf(0, 16);
  const encodingName = data.toString('latin1', 16, nameEnd < 0 || nameEnd > 32 ? 32 : nameEnd);
  const frames: RawFrame[] = [];
  let off = RAW_HEADER_BYTES;
  while (off + RECORD_HEADER_BYTES <= data.length) {
    const len = data.readUInt16BE(off + 6);
    if (off + RECORD_HEADER_BYTES + len > data.length) break;
    frames.push({
      timestamp: data.readUInt32BE(off),
      sequence: data.readUInt16BE(off + 4),
      payload: data.subarray(off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + len),
    });
    off += RECORD_HEADER_BYTES + len;
  }
  return {
    encodingName,
    payloadType: data.readUInt8(12),
    clockRate: data.readUInt32BE(8),
    frames,
    trailingBytes: data.length - off,
  };
}
