/**
 * A policy's pause rules at run time (CRD `pause`): whether the HTTP API may pause and resume a session
 * (`allowApi`), and the triggers in the call that do — DTMF sequences in the SRC's RFC 4733 events (`pauseOn`,
 * `resumeOn`, `maxPause`) and header values of in-dialog requests. Each source of a pause is kept apart (see
 * {@link SessionPolicy}); the recording is paused while any holds it.
 */
import type { Logger } from 'pino';
import type { DtmfEvent } from '../media/engine/engine-protocol.js';
import type { SipHeaders } from '../sip/message/index.js';
import type { RecordingSession } from '../siprec/session/recording-session.js';
import { MAX_VALUE_LENGTH } from './match-policy.js';
import type { SessionPolicy } from './session-policy.js';

/** Timers, injectable so tests can fake time. */
export interface PauseTimers {
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

/** Why an API pause or resume was refused: the HTTP status and the message the API answers with. */
export interface PauseRefusal {
  readonly status: number;
  readonly error: string;
}

/** Header rows tested per trigger and request. */
const MAX_HEADER_ROWS = 16;

/** Applies pause sources to sessions; the session layer's pause (media timeline + store) does the pausing. */
export class PauseRules {
  readonly #setPaused: (recordingId: string, paused: boolean) => void;
  readonly #timers: PauseTimers;
  readonly #logger: Logger;

  constructor(deps: {
    setPaused: (recordingId: string, paused: boolean) => void;
    timers: PauseTimers;
    logger: Logger;
  }) {
    this.#setPaused = deps.setPaused;
    this.#timers = deps.timers;
    this.#logger = deps.logger;
  }

  /** An API pause/resume: refused (403) when the policy forbids it, or (409) when the call is not recorded. */
  api(session: RecordingSession, sp: SessionPolicy, pause: boolean): true | PauseRefusal {
    const name = sp.policy?.name;
    if (!sp.pauseRules.allowApi) {
      return {
        status: 403,
        error: `policy "${name ?? ''}" does not allow pausing or resuming session ${session.recordingId} through the API`,
      };
    }
    if (sp.action !== 'record') {
      return {
        status: 409,
        error: `session ${session.recordingId} is not recorded: policy "${name ?? ''}" decided ${sp.action}`,
      };
    }
    if (pause) sp.pauses.add('api');
    else {
      // A person resuming through the API overrides a trigger pause too; a policy skip is not theirs to undo.
      sp.pauses.delete('api');
      this.#endTrigger(sp);
    }
    this.apply(session, sp);
    return true;
  }

  /** RFC 4733 events of a session's streams, as the media engine reports them (after each event ends). */
  dtmf(session: RecordingSession, sp: SessionPolicy, events: readonly DtmfEvent[]): void {
    if (sp.action !== 'record') return;
    const triggers = sp.pauseRules.triggers.filter((t) => t.type === 'dtmf');
    if (triggers.length === 0) return;
    for (const e of events) {
      const stream = e.label ?? `channel-${e.channel}`;
      const digits = sp.dtmf.push(stream, e.digit, e.atMs);
      if (digits === '') continue;
      for (const t of triggers) {
        const holding = sp.pauses.has('trigger');
        // Resume first: with pauseOn equal to resumeOn the sequence toggles.
        if (holding && t.resumeOn !== undefined && digits.endsWith(t.resumeOn)) {
          sp.dtmf.clear(stream);
          this.#resume(session, sp, `DTMF ${t.resumeOn}`);
          break;
        }
        if (!holding && digits.endsWith(t.pauseOn)) {
          sp.dtmf.clear(stream);
          this.#pause(session, sp, `DTMF ${t.pauseOn}`, t.maxPauseMs);
          break;
        }
      }
    }
  }

  /** Header triggers on an in-dialog request (INFO, re-INVITE, UPDATE). */
  headers(session: RecordingSession, sp: SessionPolicy, headers: SipHeaders): void {
    if (sp.action !== 'record') return;
    for (const t of sp.pauseRules.triggers) {
      if (t.type !== 'header') continue;
      const values = headers
        .getAll(t.header)
        .slice(0, MAX_HEADER_ROWS)
        .map((v) => v.slice(0, MAX_VALUE_LENGTH));
      if (values.length === 0) continue;
      const holding = sp.pauses.has('trigger');
      if (holding && t.resumeOn !== undefined && values.some((v) => t.resumeOn!.test(v))) {
        this.#resume(session, sp, `header ${t.header}`);
      } else if (!holding && values.some((v) => t.pauseOn.test(v))) {
        this.#pause(session, sp, `header ${t.header}`, t.maxPauseMs);
      }
    }
  }

  /** The decision changed: a trigger pause of the previous policy ends with it. */
  policyChanged(sp: SessionPolicy): void {
    this.#endTrigger(sp);
  }

  /** Makes the session's pause state follow its sources. */
  apply(session: RecordingSession, sp: SessionPolicy): void {
    if (session.ended || session.paused === sp.paused) return;
    this.#setPaused(session.recordingId, sp.paused);
  }

  #pause(session: RecordingSession, sp: SessionPolicy, by: string, maxPauseMs: number): void {
    sp.pauses.add('trigger');
    if (maxPauseMs > 0) {
      sp.pauseTimer = this.#timers.setTimeout(() => {
        sp.pauseTimer = undefined;
        if (session.ended || !sp.pauses.delete('trigger')) return;
        this.#log(session, sp).info({ maxPauseMs }, 'recording resumed: the pause reached maxPause');
        this.apply(session, sp);
      }, maxPauseMs);
      sp.pauseTimer.unref?.();
    }
    this.#log(session, sp).info({ trigger: by }, 'pause trigger: recording paused');
    this.apply(session, sp);
  }

  #resume(session: RecordingSession, sp: SessionPolicy, by: string): void {
    this.#endTrigger(sp);
    this.#log(session, sp).info({ trigger: by }, 'pause trigger: recording resumed');
    this.apply(session, sp);
  }

  #endTrigger(sp: SessionPolicy): void {
    if (sp.pauseTimer) this.#timers.clearTimeout(sp.pauseTimer);
    sp.pauseTimer = undefined;
    sp.pauses.delete('trigger');
  }

  #log(session: RecordingSession, sp: SessionPolicy): Logger {
    return this.#logger.child({
      callId: session.callId,
      recordingId: session.recordingId,
      policy: sp.policy?.name ?? null,
    });
  }
}
