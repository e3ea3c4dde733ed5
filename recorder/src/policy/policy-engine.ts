/**
 * RecordingPolicies applied to calls — what the SIPREC session layer, the media engine and the HTTP API call:
 *
 * - At the initial INVITE ({@link PolicyEngine.decide}): `record` as usual; `reject` → the session layer answers
 *   480 with {@link PolicyEngine.refusalHeaders}; `skip` → the dialog is accepted but every stream is answered
 *   `inactive` ({@link PolicyEngine.shapeAnswer}, RFC 7866 §8.1.1 lets an SRS defer recording that way, and the
 *   SRC stops sending media), no media is configured so no file exists ({@link PolicyEngine.mediaStreams}), and the
 *   final sidecar says `endReason: "skipped"` with the policy, so audits show the call was seen and deliberately not
 *   recorded.
 * - On every metadata update ({@link PolicyEngine.reevaluate}; participants often arrive only then, INTEROP §3.4):
 *   record → skip pauses the recording (the paused span is silence, media keeps flowing so a switch back is
 *   immediate); skip → record resumes it, or — for a call skipped from the start, whose streams are inactive — takes
 *   effect at the SRC's next offer, answered `recvonly`. A `reject` decision after setup is applied as skip: an
 *   answered dialog is not refused, and a BYE would only make the SRC fail over to another SRS.
 * - Pause rules: {@link PolicyEngine.guard} refuses API pause/resume (403) when `allowApi` is false; DTMF and header
 *   triggers pause and resume (see {@link PauseRules}).
 */
import type { Logger } from 'pino';
import type { DtmfEvent, MediaStreamConfig } from '../media/engine/engine-protocol.js';
import type { PauseRefusal, RecorderControl } from '../http/http-server.js';
import type { SipHeaders } from '../sip/message/index.js';
import type { RecordingSession } from '../siprec/session/recording-session.js';
import type { NegotiationResult } from '../siprec/session/media-negotiator.js';
import { mediaStreamsOf } from '../siprec/session/media-streams.js';
import { MAX_VALUE_LENGTH } from './match-policy.js';
import type { PolicyDecision, PolicyInput } from './policy.js';
import type { PolicySet } from './policy-set.js';
import { LazyChildLogger } from '../observability/logger.js';
import { PauseRules, type PauseTimers } from './pause-rules.js';
import { SessionPolicy, type DecisionCause } from './session-policy.js';

/** Metric label of decisions no policy made. Not a valid Kubernetes name, so never a policy's. */
export const DEFAULT_POLICY_LABEL = '(default)';
/** Distinct policy label values at most (names come from the file; reloads could add more over time). */
const MAX_POLICY_LABELS = 256;
/** Header rows kept per name for re-evaluation. */
const MAX_HEADER_ROWS = 16;

/** What the engine is built from. */
export interface PolicyEngineDeps {
  /** The policies in force (the watcher's current set). */
  readonly policies: () => PolicySet;
  readonly logger: Logger;
  readonly clock: { now(): number };
  /** `siprec_policy_decisions_total`. */
  readonly decisions: { inc(labels: { policy: string; action: string }): void };
  /** The session layer's pause (media timeline silence, session store). */
  readonly setPaused: (recordingId: string, paused: boolean) => void;
  readonly sessionOf: (recordingId: string) => RecordingSession | undefined;
  /** `warn-agent` of the Warning header of a refusal (RFC 3261 §20.43): this recorder. */
  readonly agent: string;
  readonly timers?: PauseTimers;
}

export class PolicyEngine {
  readonly #deps: PolicyEngineDeps;
  readonly #pause: PauseRules;
  readonly #labels = new Set<string>();

  constructor(deps: PolicyEngineDeps) {
    this.#deps = deps;
    this.#pause = new PauseRules({
      setPaused: deps.setPaused,
      logger: deps.logger,
      timers: deps.timers ?? {
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (t) => clearTimeout(t),
      },
    });
  }

  /** The decision for a new session, kept on it (`session.policy`); called once its metadata is applied. */
  decide(session: RecordingSession, headers: SipHeaders): PolicyDecision {
    const set = this.#deps.policies();
    const kept = new Map<string, string[]>();
    for (const name of set.headerNames) {
      const rows = headers.getAll(name).slice(0, MAX_HEADER_ROWS);
      if (rows.length > 0)
        kept.set(
          name,
          rows.map((v) => v.slice(0, MAX_VALUE_LENGTH)),
        );
    }
    const decision = set.evaluate(this.#input(session, kept));
    const sp = new SessionPolicy(decision, this.#deps.clock.now(), 'invite', kept);
    sp.inactive = decision.action === 'skip';
    session.policy = sp;
    this.#count(decision, session, 'invite');
    return decision;
  }

  /**
   * Headers of the 480 that refuses a call (RFC 3261 §20.43 Warning; RFC 3326 Reason, allowed in responses since
   * RFC 8606), naming the policy so the SBC's logs say why the call is not recorded.
   */
  refusalHeaders(decision: PolicyDecision): [string, string][] {
    // Names are printable (see parse-policies.ts); quotes and backslashes would end the quoted string early.
    const name = (decision.policy?.name ?? '').replace(/["\\]/g, '');
    const agent = this.#deps.agent.replace(/[^A-Za-z0-9.!%*_+`'~-]/g, '') || 'siprec-recorder';
    const text = `recording refused by policy ${name}`;
    return [
      ['Reason', `SIP;cause=480;text="${text}"`],
      ['Warning', `399 ${agent} "${text}"`],
    ];
  }

  /** The answer to an offer: every accepted stream `inactive` while a skipped call has recorded nothing. */
  shapeAnswer(session: RecordingSession, negotiation: NegotiationResult): NegotiationResult {
    const sp = session.policy;
    if (!sp) return negotiation;
    if (sp.action === 'record') {
      sp.inactive = false;
      return negotiation;
    }
    if (!sp.inactive) return negotiation;
    for (const s of negotiation.streams) if (s.accepted) s.direction = 'inactive';
    return {
      ...negotiation,
      answer: negotiation.answer.map((a) => (a.accepted ? { ...a, direction: 'inactive' } : a)),
    };
  }

  /** What the media worker records: nothing for a skipped call (no file is created), else every accepted stream. */
  mediaStreams(session: RecordingSession): MediaStreamConfig[] {
    return session.policy?.inactive ? [] : mediaStreamsOf(session.streams);
  }

  /** Re-decides after a metadata update (INTEROP §3.4) and switches record ↔ skip by pausing / resuming. */
  reevaluate(session: RecordingSession): void {
    if (session.ended) return;
    const existing = session.policy;
    const sp = this.#state(session);
    if (!existing) return; // just decided (taken over from another recorder)
    const decision = this.#deps.policies().evaluate(this.#input(session, sp.inviteHeaders));
    if (!sp.update(decision, this.#deps.clock.now(), 'metadata')) return;
    this.#count(decision, session, 'metadata');
    this.#pause.policyChanged(sp);
    this.#follow(session, sp);
  }

  /** Header pause triggers of an in-dialog request. */
  onRequest(session: RecordingSession, headers: SipHeaders): void {
    if (session.ended) return;
    this.#pause.headers(session, this.#state(session), headers);
  }

  /** DTMF events the media engine reports for a recording (see MediaEngineOptions.onDtmf). */
  onDtmf(recordingId: string, events: readonly DtmfEvent[]): void {
    const session = this.#deps.sessionOf(recordingId);
    if (!session || session.ended) return;
    this.#pause.dtmf(session, this.#state(session), events);
  }

  /** The HTTP API's view of the recorder, with pause and resume subject to the session's policy. */
  guard(control: RecorderControl): RecorderControl {
    const api = (recordingId: string, pause: boolean): boolean | PauseRefusal => {
      const session = this.#deps.sessionOf(recordingId);
      if (!session || session.ended) return pause ? control.pause(recordingId) : control.resume(recordingId);
      return this.#pause.api(session, this.#state(session), pause);
    };
    return {
      health: () => control.health(),
      listSessions: () => control.listSessions(),
      getSession: (id) => control.getSession(id),
      drain: () => control.drain(),
      pause: (id) => api(id, true),
      resume: (id) => api(id, false),
    };
  }

  /** The session's policy state; a session without one (taken over from another recorder) is decided now. */
  #state(session: RecordingSession): SessionPolicy {
    if (session.policy) return session.policy;
    const decision = this.#deps.policies().evaluate(this.#input(session, new Map()));
    const sp = new SessionPolicy(decision, this.#deps.clock.now(), 'takeover', new Map());
    // Why the previous recorder paused it is unknown: keep it paused until someone resumes it through the API.
    if (session.paused) sp.pauses.add('api');
    session.policy = sp;
    this.#count(decision, session, 'takeover');
    this.#follow(session, sp);
    return sp;
  }

  /** Pauses a recorded call the decision now skips, resumes one it records again. */
  #follow(session: RecordingSession, sp: SessionPolicy): void {
    if (sp.action === 'record') sp.pauses.delete('policy');
    else if (!sp.inactive) sp.pauses.add('policy');
    this.#pause.apply(session, sp);
  }

  #input(session: RecordingSession, headers: ReadonlyMap<string, readonly string[]>): PolicyInput {
    return {
      sourceAddress: session.source.remoteAddress,
      header: (name) => headers.get(name) ?? [],
      metadata: session.metadata,
    };
  }

  #count(decision: PolicyDecision, session: RecordingSession, cause: DecisionCause): void {
    let label = decision.policy?.name ?? DEFAULT_POLICY_LABEL;
    if (!this.#labels.has(label)) {
      if (this.#labels.size >= MAX_POLICY_LABELS) label = '(other)';
      else this.#labels.add(label);
    }
    this.#deps.decisions.inc({ policy: label, action: decision.action });
    const log = new LazyChildLogger(this.#deps.logger, {
      callId: session.callId,
      recordingId: session.recordingId,
    });
    const fields = { policy: decision.policy?.name ?? null, action: decision.action, cause };
    if (decision.policy || cause !== 'invite') log.info(fields, 'recording policy decision');
    else log.debug(fields, 'recording policy decision');
  }
}
