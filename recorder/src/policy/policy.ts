/**
 * The RecordingPolicies as the recorder applies them: the operator compiles each `RecordingPolicy` into the
 * `policies.json` of POLICY_FILE (operator/src/policy/compile.ts); {@link parsePolicyDocument} turns that document
 * into these validated, ready-to-match objects.
 */
import type { CidrList } from '../net/cidr.js';
import type { RecordingMetadata } from '../siprec/metadata/index.js';

/** What happens to a matching call. */
export type PolicyAction = 'record' | 'skip' | 'reject';

/** Which participant a participant pattern applies to (CRD: the first is the caller, another the callee). */
export type ParticipantRole = 'any' | 'caller' | 'callee';

/** Fields of the recording metadata a policy can match (CRD `match.metadata[].field`). */
export type MetadataField = 'sessionId' | 'groupId' | 'participantName' | 'streamLabel' | 'extension';

/** A pause trigger: DTMF digits in the media, or a SIP header of in-dialog requests. */
export type PauseTrigger =
  | {
      readonly type: 'dtmf';
      /** Digit sequence (0-9, *, #, A-D) that pauses recording. */
      readonly pauseOn: string;
      /** Digit sequence that resumes it; without one only `maxPauseMs` resumes. */
      readonly resumeOn: string | undefined;
      /** Recording resumes on its own after this long; 0 = only `resumeOn` resumes. */
      readonly maxPauseMs: number;
    }
  | {
      readonly type: 'header';
      /** Lower-case header name watched on INFO, re-INVITE and UPDATE. */
      readonly header: string;
      /** Glob of the header value that pauses / resumes (whole value, case-insensitive). */
      readonly pauseOn: RegExp;
      readonly resumeOn: RegExp | undefined;
      readonly maxPauseMs: number;
    };

/** One validated policy. */
export interface RecordingPolicy {
  readonly name: string;
  readonly priority: number;
  readonly action: PolicyAction;
  readonly match: {
    readonly participants: readonly { readonly role: ParticipantRole; readonly regex: RegExp }[];
    /** Empty: any source. */
    readonly sourceCidrs: CidrList;
    readonly headers: readonly { readonly name: string; readonly regex: RegExp }[];
    readonly metadata: readonly { readonly field: MetadataField; readonly regex: RegExp }[];
  };
  readonly retentionDays: number;
  readonly pause: { readonly allowApi: boolean; readonly triggers: readonly PauseTrigger[] };
}

/** What a decision is made from. */
export interface PolicyInput {
  /** Address the SRC's INVITE came from. */
  readonly sourceAddress: string;
  /** Values of a header of the recording INVITE (case-insensitive name); empty when absent. */
  readonly header: (name: string) => readonly string[];
  /** The session's metadata as merged so far; undefined when none was sent or none could be parsed. */
  readonly metadata: RecordingMetadata | undefined;
}

/** The outcome of evaluating the policies for one call. */
export interface PolicyDecision {
  /** The deciding policy; undefined for the default (no policy file, or no policy matched). */
  readonly policy: RecordingPolicy | undefined;
  readonly action: PolicyAction;
}

/** The pause rules of a call no policy decided: the API may pause it, nothing in the call does. */
export const DEFAULT_PAUSE_RULES: RecordingPolicy['pause'] = Object.freeze({
  allowApi: true,
  triggers: Object.freeze([]),
});
