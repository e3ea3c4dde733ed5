/**
 * Crash repair: turns a `<name>.wav.part` left by a killed recorder into a valid `<name>.wav`.
 *
 * The writer patches the header only every few seconds and the last block may be half written, so the
 * header's sizes are stale (or zero) and the data may end mid-frame. The real length is the file's length
 * truncated to whole frames; the RIFF and data sizes are rewritten to match, then the file is renamed.
 */
import { open, rename } from 'node:fs/promises';
import { WavError } from './wav-error.js';
import {
  WAV_HEADER_BYTES,
  WAV_MAX_DATA_BYTES,
  buildWavHeader,
  parseWavHeader,
  type WavInfo,
} from './wav-format.js';

/** Format to assume when even the header is unreadable (known from the session store or sidecar). */
export interface RepairFallback {
  readonly channels: number;
  readonly sampleRate: number;
}

/** What {@link repairWav} did. */
export interface RepairResult {
  /** The final `.wav` path. */
  readonly path: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly frames: number;
  readonly durationMs: number;
  /** Data size the header claimed before the repair. */
  readonly declaredDataBytes: number;
  /** Data size after the repair. */
  readonly dataBytes: number;
  /** Bytes of a torn last frame that were cut off. */
  readonly tornBytes: number;
  /** True when the header itself had to be rebuilt from the fallback format. */
  readonly headerRebuilt: boolean;
}

/**
 * Repairs `partPath` (which must end in `.part`) in place and renames it to the name without `.part`.
 * Throws `WAV_NOT_A_PART_FILE`, or `WAV_BAD_HEADER` when the header is unreadable and no fallback is given.
 */
export async function repairWav(partPath: string, fallback?: RepairFallback): Promise<RepairResult> {
  if (!partPath.endsWith('.part')) {
    throw new WavError('WAV_NOT_A_PART_FILE', `${partPath} is not a .part file`);
  }
  const finalPath = partPath.slice(0, -'.part'.length);
  const fh = await open(partPath, 'r+');
  let result: Omit<RepairResult, 'path'>;
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    await fh.read(head, 0, head.length, 0);
    let info: WavInfo | undefined;
    try {
      info = parseWavHeader(head);
    } catch (err) {
      if (!fallback) throw err;
    }
    let headerRebuilt = false;
    if (!info) {
      const fb = fallback!;
      info = {
        format: 1,
        channels: fb.channels,
        sampleRate: fb.sampleRate,
        bitsPerSample: 16,
        blockAlign: fb.channels * 2,
        dataOffset: WAV_HEADER_BYTES,
        declaredDataBytes: 0,
        declaredRiffBytes: 0,
      };
      headerRebuilt = true;
    }
    const available = Math.max(0, size - info.dataOffset);
    const dataBytes = Math.min(available - (available % info.blockAlign), WAV_MAX_DATA_BYTES);
    const keep = info.dataOffset + dataBytes;
    if (headerRebuilt) {
      await fh.write(buildWavHeader(info.channels, info.sampleRate, dataBytes), 0, WAV_HEADER_BYTES, 0);
    } else {
      // Patch the sizes where this header has them, keeping any extra chunks the file carries.
      const sizes = Buffer.alloc(4);
      sizes.writeUInt32LE(keep - 8, 0);
      await fh.write(sizes, 0, 4, 4);
      sizes.writeUInt32LE(dataBytes, 0);
      await fh.write(sizes, 0, 4, info.dataOffset - 4);
    }
    await fh.truncate(keep);
    await fh.datasync();
    const frames = dataBytes / info.blockAlign;
    result = {
      channels: info.channels,
      sampleRate: info.sampleRate,
      frames,
      durationMs: (frames * 1000) / info.sampleRate,
      declaredDataBytes: info.declaredDataBytes,
      dataBytes,
      tornBytes: Math.max(0, size - keep),
      headerRebuilt,
    };
  } finally {
    await fh.close();
  }
  await rename(partPath, finalPath);
  return { path: finalPath, ...result };
}
