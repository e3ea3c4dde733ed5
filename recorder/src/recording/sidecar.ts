/**
 * The JSON sidecar of a recording (DESIGN.md §9): who was on the call, which stream is which channel, when it
 * started and ended and why, and the raw metadata as the SRC sent it.
 *
 * While the session runs the sidecar lives at `<recordingId>.json.part`; when the session ends it is written to
 * `<recordingId>.json` and the part file is removed, so a consumer that sees `.json` knows the recording is final.
 * Every write goes through a temporary file and a rename, so a reader never sees half a document.
 *
 * In-progress updates are coalesced: a session's part file is rewritten at most once per `coalesceMs`, rendered at write
 * time, and a session that ends before its first update is due writes only its final document. Call setup is the
 * recorder's hottest signalling path and two file renames per short call were a large share of its CPU.
 */
import { rename, writeFile } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface SidecarParticipant {
  readonly id: string;
  readonly aor?: string;
  readonly name?: string;
  readonly role?: 'caller' | 'callee';
  /** Labels of the streams this participant sends. */
  readonly streamLabels: readonly string[];
}

export interface SidecarStream {
  readonly label: string | null;
  readonly mediaIndex: number;
  readonly codec: string | null;
  readonly clockRate: number | null;
  readonly srtp: string | null;
  /** Channel in the WAV file, or null when the stream is not recorded (port 0, inactive). */
  readonly channel: number | null;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly [extra: string]: unknown;
}

export interface SidecarSegment {
  readonly recorderId: string;
  readonly start: string;
  readonly end: string | null;
}

export interface SidecarDocument {
  readonly recordingId: string;
  readonly callId: string;
  readonly siprecSessionId: string | null;
  readonly state: 'recording' | 'final';
  readonly participants: readonly SidecarParticipant[];
  readonly streams: readonly SidecarStream[];
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly endReason: string | null;
  readonly segments: readonly SidecarSegment[];
  /** RFC 4733 events: digit, the label of the stream that carried it, its start and duration. */
  readonly dtmf: readonly {
    readonly digit: string;
    readonly stream: string | null;
    readonly channel?: number;
    readonly at: string;
    /** Start relative to `startedAt` (sample 0 of the WAV). */
    readonly offsetMs?: number;
    readonly durationMs: number;
  }[];
  /** The audio file once final: `<recordingId>.wav` next to the sidecar; null while recording or without audio. */
  readonly recording?: {
    readonly file: string;
    readonly channels: number;
    readonly sampleRate: number;
    readonly frames: number;
    readonly durationMs: number;
  } | null;
  readonly source: { readonly address: string; readonly port: number; readonly transport: string };
  readonly metadata: {
    readonly status: 'none' | 'parsed' | 'sanitised' | 'unparsed';
    readonly dialect: string | null;
    readonly raw: readonly {
      readonly receivedAt: string;
      readonly method: string;
      readonly document: string;
    }[];
    readonly merged: unknown;
  };
  readonly [extra: string]: unknown;
}

/** Writes sidecars for one recording directory; writes for the same recording are serialised. */
export class SidecarWriter {
  readonly #dir: string;
  readonly #coalesceMs: number;
  readonly #chains = new Map<string, Promise<void>>();
  /** Updates waiting for their coalescing delay, by recording id. */
  readonly #pending = new Map<string, { render: () => SidecarDocument; timer: NodeJS.Timeout }>();
  /** Recordings whose part file exists (so finalisation knows whether there is one to remove). */
  readonly #partWritten = new Set<string>();

  constructor(dir: string, opts: { coalesceMs?: number } = {}) {
    this.#dir = dir;
    this.#coalesceMs = opts.coalesceMs ?? 1000;
  }

  partPath(recordingId: string): string {
    return join(this.#dir, `${recordingId}.json.part`);
  }

  finalPath(recordingId: string): string {
    return join(this.#dir, `${recordingId}.json`);
  }

  /** Creates the directory; call once at start. */
  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
  }

  /**
   * Schedules a rewrite of the in-progress sidecar; `render` is called when the write happens, so several updates in
   * quick succession cost one rendering and one write. Errors go to `onError`.
   */
  update(recordingId: string, render: () => SidecarDocument, onError: (err: unknown) => void): void {
    const pending = this.#pending.get(recordingId);
    if (pending) {
      pending.render = render;
      return;
    }
    const timer = setTimeout(() => {
      const due = this.#pending.get(recordingId);
      this.#pending.delete(recordingId);
      if (due) this.#writePart(recordingId, due.render).catch(onError);
    }, this.#coalesceMs);
    timer.unref();
    this.#pending.set(recordingId, { render, timer });
  }

  /** Writes the final sidecar and removes the in-progress one (dropping any update not yet written). */
  finalize(doc: SidecarDocument): Promise<void> {
    const pending = this.#pending.get(doc.recordingId);
    if (pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(doc.recordingId);
    }
    return this.#enqueue(doc.recordingId, async () => {
      await atomicWrite(this.finalPath(doc.recordingId), doc);
      if (this.#partWritten.delete(doc.recordingId)) {
        await unlink(this.partPath(doc.recordingId)).catch(() => undefined);
      }
    });
  }

  /** Writes every scheduled update now and waits for all writes (used at shutdown and by tests). */
  async flush(): Promise<void> {
    for (const [recordingId, pending] of [...this.#pending]) {
      clearTimeout(pending.timer);
      this.#pending.delete(recordingId);
      void this.#writePart(recordingId, pending.render).catch(() => undefined);
    }
    await Promise.allSettled([...this.#chains.values()]);
  }

  #writePart(recordingId: string, render: () => SidecarDocument): Promise<void> {
    return this.#enqueue(recordingId, async () => {
      const doc = render();
      // A session finalised meanwhile must not get its part file back.
      if (doc.state === 'final') return;
      await atomicWrite(this.partPath(recordingId), doc);
      this.#partWritten.add(recordingId);
    });
  }

  #enqueue(recordingId: string, job: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(recordingId) ?? Promise.resolve();
    const next = previous.then(job, job);
    this.#chains.set(recordingId, next);
    void next.finally(() => {
      if (this.#chains.get(recordingId) === next) this.#chains.delete(recordingId);
    });
    return next;
  }
}

/**
 * Writes through `<path>.tmp` and a rename. The callback forms of writeFile and rename cost the SIP thread less than
 * the promise API's (no FileHandle, one promise for the whole write instead of one per step), and a short call's
 * final sidecar is one of the few file writes of its setup.
 */
function atomicWrite(path: string, doc: SidecarDocument): Promise<void> {
  const tmp = `${path}.tmp`;
  const text = JSON.stringify(doc, null, 2) + '\n';
  return new Promise((resolve, reject) => {
    writeFile(tmp, text, (writeError) => {
      if (writeError) return reject(writeError);
      rename(tmp, path, (renameError) => (renameError ? reject(renameError) : resolve()));
    });
  });
}
