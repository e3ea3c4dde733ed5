/**
 * The SiprecRecorder controller: resolve policies → ensure children → update status, each a small
 * step that says continue or stop. Reads come from the informer caches; the only API requests are
 * writes, and only when something differs.
 */
import type { Logger } from 'pino';
import type { SiprecRecorder } from '../api/generated/siprec-recorder.js';
import { splitKey } from '../api/meta.js';
import type { Reconciler, ReconcileResult } from '../runtime/controller.js';
import type { ChildSync } from './child-sync.js';
import type { RecorderContext, RecorderStep } from './siprec-recorder/context.js';

/** Reconciles SiprecRecorders. */
export class SiprecRecorderReconciler implements Reconciler {
  readonly #getRecorder: (namespace: string, name: string) => SiprecRecorder | undefined;
  readonly #steps: readonly RecorderStep[];
  readonly #childSync: ChildSync;
  readonly #logger: Logger;

  constructor(deps: {
    getRecorder: (namespace: string, name: string) => SiprecRecorder | undefined;
    steps: readonly RecorderStep[];
    childSync: ChildSync;
    logger: Logger;
  }) {
    this.#getRecorder = deps.getRecorder;
    this.#steps = deps.steps;
    this.#childSync = deps.childSync;
    this.#logger = deps.logger;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const recorder = this.#getRecorder(namespace, name);
    if (!recorder) {
      // Gone: the garbage collector removes the children through their owner references.
      this.#childSync.forgetOwner(key);
      return;
    }
    if (recorder.metadata.deletionTimestamp) return;
    const ctx: RecorderContext = { key, recorder, policies: [], problems: [], outcomes: [], retryable: [] };
    for (const step of this.#steps) {
      const result = await step.run(ctx);
      if (result.next === 'stop') {
        this.#logger.debug({ recorder: key, step: step.name }, 'reconcile stopped');
        return result.requeueAfterMs === undefined ? undefined : { requeueAfterMs: result.requeueAfterMs };
      }
    }
    // The status already says what failed; rethrow so the key is retried with back-off.
    if (ctx.retryable.length > 0) throw ctx.retryable[0];
  }
}
