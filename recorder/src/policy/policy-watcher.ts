/**
 * Keeps the POLICY_FILE's policies current while the recorder runs. Kubernetes updates a ConfigMap volume by
 * writing a new timestamped directory and swapping the `..data` symlink the file resolves through, so watching the
 * file's inode misses updates. Two mechanisms, each enough on its own:
 * - a poll every `pollMs` compares the resolved path, inode, mtime and size;
 * - `fs.watch` on the file's directory (the swap renames `..data` there) checks at once, debounced.
 * A changed file that does not validate is logged and the previous policies stay in force; a valid one replaces
 * them for new decisions (sessions in progress are re-evaluated at their next metadata update).
 */
import { watch, type FSWatcher } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { PolicyFileError } from './policy-error.js';
import { PolicySet } from './policy-set.js';

/** Options of a {@link PolicyWatcher}. */
export interface PolicyWatcherOptions {
  readonly path: string;
  /** The set loaded at start (validated with the configuration). */
  readonly initial: PolicySet;
  readonly logger: Logger;
  /** Poll interval, ms (default 5000). */
  readonly pollMs?: number;
  /** Called after a valid changed file replaced the policies. */
  readonly onReload?: (set: PolicySet) => void;
  /** Called for a changed file that was refused. */
  readonly onInvalid?: (err: PolicyFileError) => void;
}

const DEBOUNCE_MS = 100;

/** Watches one policy file; {@link current} is always the last valid set. */
export class PolicyWatcher {
  readonly #opts: PolicyWatcherOptions;
  #current: PolicySet;
  /** Signature of the file as last examined (valid or not), so a bad file is reported once, not every poll. */
  #seen: string | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #checking: Promise<void> | undefined;
  #again = false;

  constructor(opts: PolicyWatcherOptions) {
    this.#opts = opts;
    this.#current = opts.initial;
  }

  /** The policies in force. */
  get current(): PolicySet {
    return this.#current;
  }

  /** Starts polling and watching the directory. */
  start(): void {
    this.#poll = setInterval(() => void this.check(), this.#opts.pollMs ?? 5000);
    this.#poll.unref();
    try {
      this.#watcher = watch(dirname(this.#opts.path), { persistent: false }, () => this.#soon());
      this.#watcher.on('error', () => this.#closeWatcher());
    } catch {
      // No inotify (limits reached, some filesystems): the poll alone keeps the policies current.
    }
  }

  stop(): void {
    if (this.#poll) clearInterval(this.#poll);
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#poll = undefined;
    this.#debounce = undefined;
    this.#closeWatcher();
  }

  /** Looks at the file now; reloads when it changed. Concurrent calls share one check (and one more after it). */
  check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return this.#checking;
    }
    this.#checking = this.#check().finally(() => {
      this.#checking = undefined;
      if (this.#again) {
        this.#again = false;
        void this.check();
      }
    });
    return this.#checking;
  }

  async #check(): Promise<void> {
    const { path, logger } = this.#opts;
    const signature = await this.#signature();
    if (signature === this.#seen) return;
    this.#seen = signature;
    if (signature === undefined) {
      logger.warn({ policyFile: path }, 'policy file is gone; the policies loaded before stay in force');
      return;
    }
    let next: PolicySet;
    try {
      next = await PolicySet.load(path);
    } catch (err) {
      if (!(err instanceof PolicyFileError)) {
        logger.error({ policyFile: path, err }, 'policy file could not be checked');
        return;
      }
      logger.error(
        { policyFile: path, code: err.code, problems: err.problems, policies: this.#current.names },
        'policy file refused; the policies loaded before stay in force',
      );
      this.#opts.onInvalid?.(err);
      return;
    }
    if (next.text === this.#current.text) return;
    this.#current = next;
    logger.info({ policyFile: path, policies: next.names }, 'policies reloaded');
    this.#opts.onReload?.(next);
  }

  async #signature(): Promise<string | undefined> {
    try {
      const resolved = await realpath(this.#opts.path);
      const s = await stat(resolved);
      return `${resolved}|${s.ino}|${s.mtimeMs}|${s.size}`;
    } catch {
      return undefined;
    }
  }

  #soon(): void {
    if (this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.check();
    }, DEBOUNCE_MS);
    this.#debounce.unref();
  }

  #closeWatcher(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
