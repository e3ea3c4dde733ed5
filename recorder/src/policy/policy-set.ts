/**
 * The policies of one POLICY_FILE, in evaluation order, and the decision for a call: the highest-priority matching
 * policy (ties by name), or the default — record — when there is no policy file or none matches (CRD
 * `RecordingPolicy`: "a call no policy matches is recorded with the defaults").
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PolicyDocumentError, parsePolicyDocument } from './parse-policies.js';
import { PolicyFileError } from './policy-error.js';
import { matchesPolicy } from './match-policy.js';
import type { PolicyDecision, PolicyInput, RecordingPolicy } from './policy.js';

/** Largest policy file read (a ConfigMap holds at most 1 MiB anyway). */
export const MAX_POLICY_FILE_BYTES = 4 * 1024 * 1024;

const DEFAULT_DECISION: PolicyDecision = Object.freeze({ policy: undefined, action: 'record' });

/** An immutable, validated set of policies. */
export class PolicySet {
  /** In evaluation order: priority descending, then name. */
  readonly policies: readonly RecordingPolicy[];
  /** Where it was read from (undefined for the empty set). */
  readonly path: string | undefined;
  /** The text it was parsed from, to tell a changed file from a touched one. */
  readonly text: string;

  private constructor(policies: readonly RecordingPolicy[], path: string | undefined, text: string) {
    this.policies = policies;
    this.path = path;
    this.text = text;
  }

  /** No policies: every call is recorded. */
  static empty(): PolicySet {
    return new PolicySet([], undefined, '');
  }

  /**
   * Validates a document.
   * @throws PolicyFileError `POLICY_FILE_INVALID` with every problem, each naming its policy and field
   */
  static parse(text: string, path = '<policies>'): PolicySet {
    try {
      return new PolicySet(parsePolicyDocument(text), path, text);
    } catch (err) {
      if (err instanceof PolicyDocumentError)
        throw new PolicyFileError('POLICY_FILE_INVALID', err.problems, path);
      throw err;
    }
  }

  /**
   * Reads and validates a policy file.
   * @throws PolicyFileError (`POLICY_FILE_UNREADABLE` or `POLICY_FILE_INVALID`)
   */
  static async load(path: string): Promise<PolicySet> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw unreadable(path, err);
    }
    return PolicySet.fromText(text, path);
  }

  /** {@link load}, synchronously: for the configuration check at start, which must stop a bad deployment at once. */
  static loadSync(path: string): PolicySet {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw unreadable(path, err);
    }
    return PolicySet.fromText(text, path);
  }

  private static fromText(text: string, path: string): PolicySet {
    if (Buffer.byteLength(text) > MAX_POLICY_FILE_BYTES)
      throw new PolicyFileError('POLICY_FILE_INVALID', [`larger than ${MAX_POLICY_FILE_BYTES} bytes`], path);
    return PolicySet.parse(text, path);
  }

  /** Names of the policies, in evaluation order. */
  get names(): string[] {
    return this.policies.map((p) => p.name);
  }

  /** Lower-case names of the INVITE headers any policy matches on (what a session keeps for re-evaluation). */
  get headerNames(): ReadonlySet<string> {
    return new Set(this.policies.flatMap((p) => p.match.headers.map((h) => h.name)));
  }

  /** The policy by name. */
  get(name: string): RecordingPolicy | undefined {
    return this.policies.find((p) => p.name === name);
  }

  /** The decision for a call: the first matching policy in evaluation order, else record. */
  evaluate(input: PolicyInput): PolicyDecision {
    for (const policy of this.policies) {
      if (matchesPolicy(policy, input)) return { policy, action: policy.action };
    }
    return DEFAULT_DECISION;
  }
}

function unreadable(path: string, err: unknown): PolicyFileError {
  const e = err as NodeJS.ErrnoException;
  return new PolicyFileError(
    'POLICY_FILE_UNREADABLE',
    [`cannot read the file: ${e.code ?? e.message}`],
    path,
  );
}
