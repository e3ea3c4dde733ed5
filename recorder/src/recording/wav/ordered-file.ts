/**
 * One file handle with asynchronous writes that run strictly in submission order. Used for block-sized
 * writes (hundreds of ms of audio), never per packet. The first failure is kept and reported once through
 * `onError`; later submissions are skipped, and `idle()`/`close()` reject with it. The internal chain never
 * rejects, so nothing can surface as an unhandled rejection.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WavError } from './wav-error.js';

/** A write-ordered file. */
export class OrderedFile {
  readonly path: string;
  readonly #fh: FileHandle;
  readonly #onError: ((err: WavError) => void) | undefined;
  #tail: Promise<void> = Promise.resolve();
  #error: WavError | undefined;
  #closed = false;

  private constructor(path: string, fh: FileHandle, onError: ((err: WavError) => void) | undefined) {
    this.path = path;
    this.#fh = fh;
    this.#onError = onError;
  }

  /**
   * Opens (creating or truncating) `path` for writing, making its directory when missing: a failover segment's
   * directory is made while the takeover answers, and the first audio may come before it exists.
   */
  static async create(path: string, onError?: (err: WavError) => void): Promise<OrderedFile> {
    try {
      return new OrderedFile(path, await openCreatingDirectory(path), onError);
    } catch (err) {
      throw new WavError('WAV_WRITE_FAILED', `cannot create ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** The first failure, if any. */
  get error(): WavError | undefined {
    return this.#error;
  }

  /** Queues `len` bytes of `buf` for `position`; `done` runs after the write (e.g. to recycle the buffer). */
  write(buf: Buffer, len: number, position: number, done?: (buf: Buffer) => void): void {
    this.run(async (fh) => {
      let off = 0;
      while (off < len) {
        const { bytesWritten } = await fh.write(buf, off, len - off, position + off);
        if (bytesWritten <= 0) throw new Error('short write');
        off += bytesWritten;
      }
      done?.(buf);
    });
  }

  /** Queues `len` bytes gathered from `bufs` for `position`, in one system call when the kernel takes them all. */
  writev(bufs: Buffer[], len: number, position: number, done?: () => void): void {
    this.run(async (fh) => {
      const { bytesWritten } = await fh.writev(bufs, position);
      if (bytesWritten < len) {
        // A short write (a full disk, a signal): the rest goes out with plain writes, which report the failure.
        const rest = Buffer.concat(bufs).subarray(bytesWritten);
        let off = 0;
        while (off < rest.length) {
          const more = await fh.write(rest, off, rest.length - off, position + bytesWritten + off);
          if (more.bytesWritten <= 0) throw new Error('short write');
          off += more.bytesWritten;
        }
      }
      done?.();
    });
  }

  /** Queues an arbitrary step on the handle (header patch, sync), in order with the writes. */
  run(task: (fh: FileHandle) => Promise<unknown>): void {
    if (this.#closed) {
      this.#fail(new WavError('WAV_CLOSED', `${this.path} is closed`));
      return;
    }
    this.#tail = this.#tail.then(async () => {
      if (this.#error) return;
      try {
        await task(this.#fh);
      } catch (err) {
        this.#fail(
          err instanceof WavError
            ? err
            : new WavError('WAV_WRITE_FAILED', `write to ${this.path} failed: ${(err as Error).message}`, {
                cause: err,
              }),
        );
      }
    });
  }

  /** Resolves when everything queued so far is on its way to disk; rejects with the first failure. */
  async idle(): Promise<void> {
    await this.#tail;
    if (this.#error) throw this.#error;
  }

  /** Waits for queued work, optionally fsyncs, and closes the handle; idempotent. */
  async close(sync: boolean): Promise<void> {
    if (this.#closed) {
      await this.#tail;
      return;
    }
    if (sync) this.run((fh) => fh.datasync());
    this.#closed = true;
    await this.#tail;
    await this.#fh.close().catch(() => undefined);
    if (this.#error) throw this.#error;
  }

  #fail(err: WavError): void {
    if (this.#error) return;
    this.#error = err;
    this.#onError?.(err);
  }
}

async function openCreatingDirectory(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'w');
  }
}
