/**
 * Puts a finished segment file (`<name>.wav.part`) under its final name without ever replacing a file that is
 * already there (DESIGN.md §4). The final name of segment 1 is also the name of the assembled recording: a recorder
 * that was frozen or partitioned while another one took its call over, finished it and assembled it, must not wake up
 * and rename its stale segment over the result. `link` fails with EEXIST where `rename` would silently replace, so
 * publishing is `link` + `unlink` of the part; the assembler, the authority on the final file, still renames over.
 *
 * A segment that finds its final name taken is kept, not lost: it moves under the recording's segment directory,
 * where `SegmentStorage.list` names it for whoever looks at the recording next.
 */
import { link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { segmentDirectoryName } from './segment-storage.js';

/** Where a segment ended up. */
export interface PublishedSegment {
  readonly path: string;
  /** True when the final name was taken and the segment was kept under `path` instead. */
  readonly superseded: boolean;
}

/** Errors of filesystems without hard links (some SMB and FUSE volumes). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Publishes `partPath` as `finalPath` unless `finalPath` exists (see module comment). */
export async function publishSegment(
  partPath: string,
  finalPath: string,
  now: () => number = Date.now,
): Promise<PublishedSegment> {
  try {
    await link(partPath, finalPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return keepAside(partPath, finalPath, now());
    if (!NO_HARD_LINKS.has(code)) throw err;
    // Without hard links the check and the rename are two steps; the window is microseconds against the seconds
    // a takeover takes, so this keeps the guarantee in practice.
    if (await exists(finalPath)) return keepAside(partPath, finalPath, now());
    await rename(partPath, finalPath);
    return { path: finalPath, superseded: false };
  }
  await unlink(partPath);
  return { path: finalPath, superseded: false };
}

/**
 * The name a superseded segment is kept under: next to the final file when that is already in a segment directory
 * (`.segments/<id>/<n>/`), else in the directory of segment 1 (`.segments/<id>/1/`, otherwise unused).
 */
export function supersededSegmentPath(finalPath: string, at: number): string {
  const file = basename(finalPath);
  const recordingId = file.endsWith('.wav') ? file.slice(0, -'.wav'.length) : file;
  const dir = dirname(finalPath);
  const inSegmentDir = dir.split(sep).includes('.segments');
  const target = inSegmentDir ? dir : join(dir, segmentDirectoryName(recordingId, 1));
  return join(target, `${recordingId}.superseded-${at}.wav`);
}

async function keepAside(partPath: string, finalPath: string, at: number): Promise<PublishedSegment> {
  const kept = supersededSegmentPath(finalPath, at);
  await mkdir(dirname(kept), { recursive: true });
  await rename(partPath, kept);
  return { path: kept, superseded: true };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
