/**
 * The policy state of one recording session: the decision in force, how it changed, why the recording is paused,
 * and what the sidecar says about it (`policy: { name, action, … }`).
 *
 * Pauses have sources, kept apart so that one does not undo another: `api` (POST /api/sessions/{id}/pause),
 * `trigger` (a DTMF or header pause trigger of the policy) and `policy` (a metadata update moved the call to a skip
 * policy while it was being recorded). The recording is paused while any source holds it.
 */
import type { PolicyAction, PolicyDecision, RecordingPolicy } from './policy.js';
import { DEFAULT_PAUSE_RULES } from './policy.js';
import { DtmfSequence } from './dtmf-sequence.js';

/** Who paused a recording. */
export type PauseSource = 'api' | 'trigger' | 'policy';

/** What changed a decision. */
export type DecisionCause = 'invite' | 'metadata' | 'takeover';

/** The sidecar's `policy` object. */
export interface SidecarPolicy {
  /** The deciding policy; null when no policy matched (default: record). */
  readonly name: string | null;
  readonly action: PolicyAction;
  /** Days to keep the recording (0: until removed by hand), for the retention job. */
  readonly retentionDays: number;
  /** How the session ended at the SIP level when `endReason` is `skipped`. */
  readonly sessionEndReason?: string;
  /** Every decision of the session, oldest first (bounded). */
  readonly decisions: readonly {
    readonly at: string;
    readonly name: string | null;
    readonly action: PolicyAction;
    readonly cause: DecisionCause;
  }[];
}

/** Decisions kept per session: an SRC sending endless metadata updates must not grow memory without bound. */
const MAX_DECISIONS = 16;

export class SessionPolicy {
  #decision: PolicyDecision;
  readonly #decisions: { at: string; name: string | null; action: PolicyAction; cause: DecisionCause }[] = [];
  /**
   * The streams were answered `inactive` at setup because the call was skipped, and nothing has been recorded
   * since: the SRC sends no media, and none is configured, so no file exists. Cleared when a later offer is
   * answered `recvonly` under a record decision.
   */
  inactive = false;
  readonly pauses = new Set<PauseSource>();
  /** Auto-resume of a trigger pause (`maxPause`). */
  pauseTimer: NodeJS.Timeout | undefined;
  readonly dtmf = new DtmfSequence();
  /** Values of the INVITE headers the policies match on, kept for re-evaluation on metadata updates. */
  readonly inviteHeaders: ReadonlyMap<string, readonly string[]>;

  constructor(
    decision: PolicyDecision,
    at: number,
    cause: DecisionCause,
    inviteHeaders: ReadonlyMap<string, readonly string[]>,
  ) {
    this.#decision = decision;
    this.inviteHeaders = inviteHeaders;
    this.#note(decision, at, cause);
  }

  get decision(): PolicyDecision {
    return this.#decision;
  }

  /** The deciding policy, if any. */
  get policy(): RecordingPolicy | undefined {
    return this.#decision.policy;
  }

  /** What is done with the call now; `reject` after setup is treated as skip (an answered dialog is not refused). */
  get action(): PolicyAction {
    return this.#decision.action;
  }

  get pauseRules(): RecordingPolicy['pause'] {
    return this.#decision.policy?.pause ?? DEFAULT_PAUSE_RULES;
  }

  /** Whether the recording should be paused now. */
  get paused(): boolean {
    return this.pauses.size > 0;
  }

  /** Takes a new decision; returns whether the deciding policy or the action changed. */
  update(decision: PolicyDecision, at: number, cause: DecisionCause): boolean {
    if (decision.policy?.name === this.#decision.policy?.name && decision.action === this.#decision.action) {
      this.#decision = decision; // the same policy, possibly reloaded with new pause rules
      return false;
    }
    this.#decision = decision;
    this.#note(decision, at, cause);
    return true;
  }

  /** The end reason the sidecar shows: `skipped` for a call seen but deliberately never recorded. */
  sidecarEndReason(reason: string | undefined): string | undefined {
    return this.inactive && reason !== undefined ? 'skipped' : reason;
  }

  toSidecar(endReason: string | undefined): SidecarPolicy {
    return {
      name: this.#decision.policy?.name ?? null,
      action: this.#decision.action,
      retentionDays: this.#decision.policy?.retentionDays ?? 0,
      ...(this.inactive && endReason !== undefined ? { sessionEndReason: endReason } : {}),
      decisions: this.#decisions,
    };
  }

  #note(decision: PolicyDecision, at: number, cause: DecisionCause): void {
    if (this.#decisions.length >= MAX_DECISIONS) this.#decisions.splice(1, 1); // keep the first, drop the oldest change
    this.#decisions.push({
      at: new Date(at).toISOString(),
      name: decision.policy?.name ?? null,
      action: decision.action,
      cause,
    });
  }
}
