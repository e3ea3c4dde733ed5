/**
 * Finds the final sidecar (`<recordingId>.json`, DESIGN.md §9) a recorder wrote for a given Call-ID, for tests
 * that run many calls against one recorder and cannot tell the recording id from the SIP answer.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The parts of a sidecar the integration tests look at. */
export interface SidecarView {
  readonly recordingId: string;
  readonly callId: string;
  readonly state: string;
  readonly endReason: string | null;
  readonly participants: readonly { id: string; aor?: string; name?: string; streamLabels: string[] }[];
  readonly streams: readonly { label: string | null; channel: number | null; codec: string | null }[];
  readonly metadata: { status: string; raw: readonly unknown[] };
}

export class SidecarIndex {
  readonly #dir: string;
  readonly #byCallId = new Map<string, SidecarView>();
  readonly #read = new Set<string>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Number of final sidecars seen so far. */
  get size(): number {
    return this.#read.size;
  }

  /**
   * Waits for the final sidecar of `callId`.
   * @returns undefined when none appears within the timeout
   */
  async waitFor(callId: string, timeoutMs = 5000): Promise<SidecarView | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#scan();
      const found = this.#byCallId.get(callId);
      if (found || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async #scan(): Promise<void> {
    for (const name of await readdir(this.#dir)) {
      if (!name.endsWith('.json') || this.#read.has(name)) continue;
      let doc: SidecarView;
      try {
        doc = JSON.parse(await readFile(join(this.#dir, name), 'utf8')) as SidecarView;
      } catch {
        continue; // renamed into place atomically; a failure here is a race with a later write
      }
      this.#read.add(name);
      this.#byCallId.set(doc.callId, doc);
    }
  }
}
