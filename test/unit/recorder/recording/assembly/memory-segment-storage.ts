/**
 * A `SegmentStorage` double holding objects in memory (as an object store would, keyed by name) that records the
 * largest buffer it handed out or was given: what the assembler held at once, whatever the recording's length.
 */
import type {
  ObjectReader,
  ObjectWriter,
  SegmentStorage,
  StoredObject,
} from '../../../../../recorder/src/recording/assembly/segment-storage.js';

export class MemorySegmentStorage implements SegmentStorage {
  readonly objects = new Map<string, Buffer>();
  /** Largest block read or appended, bytes. */
  largestBuffer = 0;
  /** Whole-object reads (`read`): the assembler must not make any. */
  wholeReads = 0;

  constructor(objects: Iterable<[string, Buffer]> = []) {
    for (const [name, data] of objects) this.objects.set(name, data);
  }

  list(recordingId: string): Promise<string[]> {
    return Promise.resolve([...this.objects.keys()].filter((n) => n.includes(recordingId)));
  }

  read(name: string): Promise<StoredObject | undefined> {
    this.wholeReads++;
    for (const candidate of [name, `${name}.part`]) {
      const data = this.objects.get(candidate);
      if (data) return Promise.resolve({ name: candidate, data });
    }
    return Promise.resolve(undefined);
  }

  open(name: string): Promise<ObjectReader | undefined> {
    for (const candidate of [name, `${name}.part`]) {
      const data = this.objects.get(candidate);
      if (!data) continue;
      return Promise.resolve({
        name: candidate,
        size: data.length,
        read: (offset: number, length: number): Promise<Buffer> => {
          const block = Buffer.from(data.subarray(offset, offset + length));
          this.largestBuffer = Math.max(this.largestBuffer, block.length);
          return Promise.resolve(block);
        },
        close: () => Promise.resolve(),
      });
    }
    return Promise.resolve(undefined);
  }

  create(name: string): Promise<ObjectWriter> {
    const parts: Buffer[] = [];
    return Promise.resolve({
      append: (data: Buffer): Promise<void> => {
        this.largestBuffer = Math.max(this.largestBuffer, data.length);
        parts.push(Buffer.from(data));
        return Promise.resolve();
      },
      commit: (): Promise<void> => {
        this.objects.set(name, Buffer.concat(parts));
        return Promise.resolve();
      },
      abort: (): Promise<void> => Promise.resolve(),
    });
  }

  remove(name: string): Promise<void> {
    this.objects.delete(name);
    return Promise.resolve();
  }
}
