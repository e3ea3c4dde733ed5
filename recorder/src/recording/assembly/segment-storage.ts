/**
 * Where the segments of a recording live until they are assembled (DESIGN.md §4). A recording that moved between
 * recorders has one audio file per recorder; the recorder that finishes it reads them all through this interface,
 * so the shared RECORDING_DIR used today can later be replaced by an object store (keys instead of paths).
 *
 * Names are relative to the storage root and use `/`; the first segment keeps the final name `<id>.wav` (a
 * recording that never moved is not touched), later ones are written under `.segments/<id>/<n>/`.
 */
import {
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rmdir,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

/** One stored object: its name and bytes. */
export interface StoredObject {
  readonly name: string;
  readonly data: Buffer;
}

/** An object opened for reading in ranges (an object store's ranged GET), so no object is ever held whole. */
export interface ObjectReader {
  /** The name opened: `name`, or a killed writer's `name.part`. */
  readonly name: string;
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only at the end of the object). */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** An object being written in blocks (an object store's multipart upload); invisible until `commit`. */
export interface ObjectWriter {
  /** Appends `data`; the caller may reuse the buffer once the promise resolves. */
  append(data: Buffer): Promise<void>;
  /** Publishes the object under its name, replacing any there: readers see the old one or the new one, never half. */
  commit(): Promise<void>;
  /** Drops what was written; the object under the name is untouched. */
  abort(): Promise<void>;
}

/** Storage of recording segments: a shared directory now, an object store later. */
export interface SegmentStorage {
  /** Names of every audio object of a recording (segments, including files a killed writer left as `.part`). */
  list(recordingId: string): Promise<string[]>;
  /** The object `name`, else a killed writer's `name.part`; undefined when neither exists. */
  read(name: string): Promise<StoredObject | undefined>;
  /** Opens `name`, else a killed writer's `name.part`, for ranged reads; undefined when neither exists. */
  open(name: string): Promise<ObjectReader | undefined>;
  /** Starts writing `name` in blocks. */
  create(name: string): Promise<ObjectWriter>;
  /** Removes exactly `name` (as `list` or `read` named it); an absent object is ignored. */
  remove(name: string): Promise<void>;
}

/** Largest object read back: 4 GiB is the most a RIFF file can hold. */
const MAX_OBJECT_BYTES = 0xffffffff;

/** Name of segment `index` (1-based) of a recording: the first keeps the final name. */
export function segmentFileName(recordingId: string, index: number): string {
  return index <= 1 ? `${recordingId}.wav` : `${segmentDirectoryName(recordingId, index)}/${recordingId}.wav`;
}

/** Directory (relative) the media engine writes segment `index` ≥ 2 into. */
export function segmentDirectoryName(recordingId: string, index: number): string {
  return `.segments/${recordingId}/${index}`;
}

/** `SegmentStorage` on a directory shared by every recorder (a ReadWriteMany volume in Kubernetes). */
export class DirectorySegmentStorage implements SegmentStorage {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  async list(recordingId: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of [`${recordingId}.wav`, `${recordingId}.wav.part`]) {
      if (await this.#exists(name)) out.push(name);
    }
    const base = `.segments/${recordingId}`;
    let indexes: string[];
    try {
      indexes = await readdir(this.#path(base));
    } catch {
      return out;
    }
    for (const index of indexes.sort((a, b) => Number(a) - Number(b))) {
      let files: string[];
      try {
        files = await readdir(this.#path(`${base}/${index}`));
      } catch {
        continue;
      }
      for (const f of files) if (/\.wav(\.part)?$/.test(f)) out.push(`${base}/${index}/${f}`);
    }
    return out;
  }

  async read(name: string): Promise<StoredObject | undefined> {
    for (const candidate of [name, `${name}.part`]) {
      try {
        const data = await readFile(this.#path(candidate));
        if (data.length > MAX_OBJECT_BYTES) throw new Error(`${candidate} is larger than a WAV can be`);
        return { name: candidate, data };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return undefined;
  }

  async open(name: string): Promise<ObjectReader | undefined> {
    for (const candidate of [name, `${name}.part`]) {
      let fh: FileHandle;
      try {
        fh = await open(this.#path(candidate), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const { size } = await fh.stat();
      if (size > MAX_OBJECT_BYTES) {
        await fh.close();
        throw new Error(`${candidate} is larger than a WAV can be`);
      }
      return new FileReader(candidate, size, fh);
    }
    return undefined;
  }

  async create(name: string): Promise<ObjectWriter> {
    const path = this.#path(name);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.assembling`;
    return new FileWriter(temporary, path, await open(temporary, 'w'));
  }

  async remove(name: string): Promise<void> {
    await unlink(this.#path(name)).catch(() => undefined);
    // Segment directories are removed once empty, so `.segments/` does not fill with husks.
    const parts = name.split('/');
    if (parts[0] === '.segments' && parts.length === 4) {
      await rmdir(this.#path(parts.slice(0, 3).join('/'))).catch(() => undefined);
      await rmdir(this.#path(parts.slice(0, 2).join('/'))).catch(() => undefined);
    }
  }

  async #exists(name: string): Promise<boolean> {
    try {
      return (await stat(this.#path(name))).isFile();
    } catch {
      return false;
    }
  }

  /** The path of a name, refusing anything that would leave the root (names come from the shared store). */
  #path(name: string): string {
    const clean = normalize(name);
    if (clean.startsWith('..') || clean.startsWith(sep) || clean.includes(`${sep}..${sep}`) || clean === '..')
      throw new Error(`segment name ${JSON.stringify(name)} leaves the recording directory`);
    return join(this.#root, clean);
  }
}

class FileReader implements ObjectReader {
  readonly name: string;
  readonly size: number;
  readonly #fh: FileHandle;

  constructor(name: string, size: number, fh: FileHandle) {
    this.name = name;
    this.size = size;
    this.#fh = fh;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - offset)));
    let filled = 0;
    while (filled < out.length) {
      const { bytesRead } = await this.#fh.read(out, filled, out.length - filled, offset + filled);
      // Shorter than it was when opened (truncated meanwhile): what is there is all there is.
      if (bytesRead === 0) return out.subarray(0, filled);
      filled += bytesRead;
    }
    return out;
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}

/** Written under `<name>.assembling` and renamed over `<name>` at commit: the assembler is the authority on it. */
class FileWriter implements ObjectWriter {
  readonly #temporary: string;
  readonly #path: string;
  readonly #fh: FileHandle;

  constructor(temporary: string, path: string, fh: FileHandle) {
    this.#temporary = temporary;
    this.#path = path;
    this.#fh = fh;
  }

  async append(data: Buffer): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.#fh.write(data, written, data.length - written);
      written += bytesWritten;
    }
  }

  async commit(): Promise<void> {
    await this.#fh.close();
    await rename(this.#temporary, this.#path);
  }

  async abort(): Promise<void> {
    await this.#fh.close().catch(() => undefined);
    await unlink(this.#temporary).catch(() => undefined);
  }
}
