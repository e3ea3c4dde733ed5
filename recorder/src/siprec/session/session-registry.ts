/**
 * Active sessions by dialog id and by recording id, plus short-lived tombstones of ended dialogs so a
 * retransmitted or late BYE still gets 200 rather than 481 (INTEROP §8.8).
 */
import type { RecordingSession } from './recording-session.js';

/** How long an ended dialog is remembered: 64·T1 covers every retransmission of the BYE. */
const TOMBSTONE_MS = 64 * 500;
const MAX_TOMBSTONES = 100_000;

export class SessionRegistry {
  readonly #byDialog = new Map<string, RecordingSession>();
  readonly #byRecording = new Map<string, RecordingSession>();
  readonly #tombstones = new Map<string, number>();

  get size(): number {
    return this.#byRecording.size;
  }

  add(session: RecordingSession): void {
    this.#byDialog.set(session.dialog.id, session);
    this.#byRecording.set(session.recordingId, session);
  }

  byDialog(dialogId: string): RecordingSession | undefined {
    return this.#byDialog.get(dialogId);
  }

  byRecording(recordingId: string): RecordingSession | undefined {
    return this.#byRecording.get(recordingId);
  }

  all(): IterableIterator<RecordingSession> {
    return this.#byRecording.values();
  }

  /** Forgets an ended session and remembers its dialog for a while. */
  remove(session: RecordingSession, now: number): void {
    this.#byDialog.delete(session.dialog.id);
    this.#byRecording.delete(session.recordingId);
    this.#tombstones.set(session.dialog.id, now + TOMBSTONE_MS);
    if (this.#tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.#tombstones.keys().next();
      if (!oldest.done) this.#tombstones.delete(oldest.value);
    }
  }

  /** Whether the dialog ended recently. */
  isTombstoned(dialogId: string, now: number): boolean {
    const until = this.#tombstones.get(dialogId);
    if (until === undefined) return false;
    if (until < now) {
      this.#tombstones.delete(dialogId);
      return false;
    }
    return true;
  }

  /** Drops expired tombstones (called by the periodic sweep). */
  sweepTombstones(now: number): void {
    for (const [id, until] of this.#tombstones) {
      if (until < now) this.#tombstones.delete(id);
      else break; // insertion order ≈ expiry order
    }
  }
}
