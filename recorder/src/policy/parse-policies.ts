/**
 * Validation of the `policies.json` document POLICY_FILE points at (the operator writes it, see
 * operator/src/builders/configmap.ts; people may write it by hand for a recorder outside Kubernetes):
 *
 * ```json
 * { "version": 1, "policies": [ { "name", "priority", "action": "record|skip|reject",
 *   "match": { "participants": [{ "role", "regex": { "source", "flags" } }], "sourceCIDRs": [],
 *              "headers": [{ "name", "regex" }], "metadata": [{ "field", "regex" }] },
 *   "retention": { "days" }, "pause": { "allowApi", "triggers": [{ "type", "pauseOn", "resumeOn", "maxPauseMs" }] } } ] }
 * ```
 *
 * Every problem is collected and named by policy and field, so one look at the log fixes the file. Regular
 * expressions come from users and run against what SRCs send: besides compiling, they are bounded in length and
 * refused when they can backtrack exponentially or with a high polynomial degree (regex-safety/, the operator's
 * rule, applied here again for hand-written files), and `g`/`y` flags (stateful `test()`) are refused.
 */
import { CidrList } from '../net/cidr.js';
import { parseDurationMs } from '../config/duration.js';
import { globToRegExp } from './glob.js';
import { compilePolicyRegex } from './regex-safety/index.js';
import type {
  MetadataField,
  ParticipantRole,
  PauseTrigger,
  PolicyAction,
  RecordingPolicy,
} from './policy.js';

/** The layout version this recorder reads (operator/src/builders/configmap.ts POLICY_FILE_VERSION). */
export const POLICY_FILE_VERSION = 1;
export const MAX_POLICIES = 1000;
const MAX_ENTRIES = 64;
const MAX_TRIGGERS = 8;
/** Compiled globs are longer than the 256-character patterns the CRD allows (escapes, `.*`). */
const MAX_REGEX_SOURCE = 1024;
const MAX_NAME = 253;
const ACTIONS: readonly PolicyAction[] = ['record', 'skip', 'reject'];
const ROLES: readonly ParticipantRole[] = ['any', 'caller', 'callee'];
const FIELDS: readonly MetadataField[] = [
  'sessionId',
  'groupId',
  'participantName',
  'streamLabel',
  'extension',
];
/** RFC 3261 §25.1 token. */
const SIP_TOKEN = /^[A-Za-z0-9.!%*_+`'~-]{1,128}$/;
const DTMF_SEQUENCE = /^[0-9A-D*#]{1,64}$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates the document's text; throws with every problem found. */
export function parsePolicyDocument(text: string): RecordingPolicy[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PolicyDocumentError([`not JSON: ${(err as Error).message}`]);
  }
  if (!isObject(doc)) throw new PolicyDocumentError(['the document must be a JSON object']);
  if (doc.version !== POLICY_FILE_VERSION) {
    throw new PolicyDocumentError([
      `version ${JSON.stringify(doc.version)} is not supported (this recorder reads version ${POLICY_FILE_VERSION})`,
    ]);
  }
  if (!Array.isArray(doc.policies)) throw new PolicyDocumentError(['policies must be an array']);
  if (doc.policies.length > MAX_POLICIES)
    throw new PolicyDocumentError([`at most ${MAX_POLICIES} policies (found ${doc.policies.length})`]);

  const problems: string[] = [];
  const names = new Set<string>();
  const policies: RecordingPolicy[] = [];
  doc.policies.forEach((raw: unknown, i) => {
    const name = isObject(raw) && typeof raw.name === 'string' ? raw.name : undefined;
    const where = name !== undefined ? `policy ${JSON.stringify(name.slice(0, MAX_NAME))}` : `policies[${i}]`;
    const own: string[] = [];
    const policy = parsePolicy(raw, own);
    if (name !== undefined && names.has(name)) own.push('name: another policy has the same name');
    if (name !== undefined) names.add(name);
    for (const p of own) problems.push(`${where}: ${p}`);
    if (own.length === 0 && policy) policies.push(policy);
  });
  if (problems.length > 0) throw new PolicyDocumentError(problems);
  // Highest priority first, ties by name: the operator's order (operator/src/policy/select.ts).
  return policies.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

/** Problems of a document (no path yet: {@link PolicySet} wraps them in a PolicyFileError). */
export class PolicyDocumentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

function parsePolicy(raw: unknown, problems: string[]): RecordingPolicy | undefined {
  if (!isObject(raw)) {
    problems.push('must be an object');
    return undefined;
  }
  const name = raw.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME || hasControl(name))
    problems.push(`name must be a string of 1 to ${MAX_NAME} printable characters`);
  const priority = raw.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority))
    problems.push(`priority ${JSON.stringify(priority)} must be an integer`);
  const action = raw.action;
  if (!ACTIONS.includes(action as PolicyAction))
    problems.push(`action ${JSON.stringify(action)} must be one of ${ACTIONS.join(', ')}`);

  const match = raw.match ?? {};
  if (!isObject(match)) problems.push('match must be an object');
  const m: Json = isObject(match) ? match : {};
  const participants = list(m.participants, 'match.participants', problems).flatMap((p, i) => {
    const where = `match.participants[${i}]`;
    const role = isObject(p) ? (p.role ?? 'any') : undefined;
    if (!ROLES.includes(role as ParticipantRole)) {
      problems.push(`${where}.role ${JSON.stringify(role)} must be one of ${ROLES.join(', ')}`);
      return [];
    }
    const regex = compileRegex(isObject(p) ? p.regex : undefined, `${where}.regex`, problems);
    return regex ? [{ role: role as ParticipantRole, regex }] : [];
  });
  const cidrs = list(m.sourceCIDRs, 'match.sourceCIDRs', problems);
  let sourceCidrs = CidrList.parse('');
  if (cidrs.every((c) => typeof c === 'string')) {
    try {
      sourceCidrs = CidrList.parse(cidrs.join(','));
    } catch (err) {
      problems.push(`match.sourceCIDRs: ${(err as Error).message}`);
    }
  } else problems.push('match.sourceCIDRs must hold strings');
  const headers = list(m.headers, 'match.headers', problems).flatMap((h, i) => {
    const where = `match.headers[${i}]`;
    const headerName = isObject(h) ? h.name : undefined;
    if (typeof headerName !== 'string' || !SIP_TOKEN.test(headerName)) {
      problems.push(`${where}.name ${JSON.stringify(headerName)} is not a SIP header name`);
      return [];
    }
    const regex = compileRegex(isObject(h) ? h.regex : undefined, `${where}.regex`, problems);
    return regex ? [{ name: headerName.toLowerCase(), regex }] : [];
  });
  const metadata = list(m.metadata, 'match.metadata', problems).flatMap((f, i) => {
    const where = `match.metadata[${i}]`;
    const field = isObject(f) ? f.field : undefined;
    if (!FIELDS.includes(field as MetadataField)) {
      problems.push(`${where}.field ${JSON.stringify(field)} must be one of ${FIELDS.join(', ')}`);
      return [];
    }
    const regex = compileRegex(isObject(f) ? f.regex : undefined, `${where}.regex`, problems);
    return regex ? [{ field: field as MetadataField, regex }] : [];
  });

  const retention = raw.retention ?? {};
  const days = isObject(retention) ? (retention.days ?? 0) : undefined;
  if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 0)
    problems.push(`retention.days ${JSON.stringify(days)} must be a non-negative integer`);

  const pause = raw.pause ?? {};
  const allowApi = isObject(pause) ? (pause.allowApi ?? true) : undefined;
  if (typeof allowApi !== 'boolean') problems.push('pause.allowApi must be true or false');
  const rawTriggers = list(isObject(pause) ? pause.triggers : undefined, 'pause.triggers', problems);
  if (rawTriggers.length > MAX_TRIGGERS) problems.push(`pause.triggers: at most ${MAX_TRIGGERS}`);
  const triggers = rawTriggers.flatMap((t, i) => {
    const trigger = parseTrigger(t, `pause.triggers[${i}]`, problems);
    return trigger ? [trigger] : [];
  });

  return {
    name: typeof name === 'string' ? name : '',
    priority: typeof priority === 'number' ? priority : 0,
    action: action as PolicyAction,
    match: { participants, sourceCidrs, headers, metadata },
    retentionDays: typeof days === 'number' ? days : 0,
    pause: { allowApi: allowApi === true, triggers },
  };
}

/** C0 control characters (names end up in logs, sidecars and SIP headers). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

function list(value: unknown, where: string, problems: string[]): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${where} must be an array`);
    return [];
  }
  if (value.length > MAX_ENTRIES) {
    problems.push(`${where}: at most ${MAX_ENTRIES} entries`);
    return [];
  }
  return value;
}

function compileRegex(value: unknown, where: string, problems: string[]): RegExp | undefined {
  if (!isObject(value) || typeof value.source !== 'string') {
    problems.push(`${where} must be { "source": "…", "flags": "…" }`);
    return undefined;
  }
  const { source } = value;
  const flags = value.flags ?? '';
  if (source.length === 0 || source.length > MAX_REGEX_SOURCE) {
    problems.push(`${where}: the regex must have 1 to ${MAX_REGEX_SOURCE} characters`);
    return undefined;
  }
  if (typeof flags !== 'string' || !/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
    problems.push(`${where}: flags ${JSON.stringify(flags)} may only combine i, m, s and u`);
    return undefined;
  }
  const compiled = compilePolicyRegex(source, flags);
  if ('regex' in compiled) return compiled.regex;
  if ('syntaxError' in compiled) problems.push(`${where}: ${compiled.syntaxError}`);
  else problems.push(`${where}: regex ${JSON.stringify(source)} ${compiled.problem}`);
  return undefined;
}

function parseTrigger(raw: unknown, where: string, problems: string[]): PauseTrigger | undefined {
  if (!isObject(raw)) {
    problems.push(`${where} must be an object`);
    return undefined;
  }
  // The operator writes maxPauseMs; a hand-written file may say maxPause: "3m" like the CRD.
  let maxPauseMs: number | undefined;
  if (raw.maxPauseMs !== undefined) {
    maxPauseMs =
      typeof raw.maxPauseMs === 'number' && Number.isSafeInteger(raw.maxPauseMs) && raw.maxPauseMs >= 0
        ? raw.maxPauseMs
        : undefined;
  } else if (raw.maxPause !== undefined) {
    maxPauseMs = typeof raw.maxPause === 'string' ? parseDurationMs(raw.maxPause) : undefined;
  } else maxPauseMs = 300_000; // the CRD's default, 5m
  if (maxPauseMs === undefined) {
    problems.push(`${where}.maxPauseMs must be a non-negative integer of milliseconds`);
    return undefined;
  }
  const resumeOn = raw.resumeOn === '' ? undefined : raw.resumeOn;
  if (raw.type === 'dtmf') {
    for (const [key, value] of [
      ['pauseOn', raw.pauseOn],
      ['resumeOn', resumeOn],
    ] as const) {
      if (
        (key === 'pauseOn' || value !== undefined) &&
        (typeof value !== 'string' || !DTMF_SEQUENCE.test(value))
      ) {
        problems.push(`${where}.${key} ${JSON.stringify(value)} must be a DTMF sequence such as *1`);
        return undefined;
      }
    }
    return {
      type: 'dtmf',
      pauseOn: raw.pauseOn as string,
      resumeOn: resumeOn as string | undefined,
      maxPauseMs,
    };
  }
  if (raw.type === 'header') {
    if (typeof raw.header !== 'string' || !SIP_TOKEN.test(raw.header)) {
      problems.push(`${where}.header ${JSON.stringify(raw.header)} is not a SIP header name`);
      return undefined;
    }
    const glob = (key: string, value: unknown): RegExp | undefined => {
      if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
        problems.push(`${where}.${key} must be a glob of 1 to 64 characters`);
        return undefined;
      }
      let regex: RegExp;
      try {
        regex = globToRegExp(value);
      } catch (err) {
        problems.push(`${where}.${key}: glob ${JSON.stringify(value)}: ${(err as Error).message}`);
        return undefined;
      }
      // Header values come from the SRC: a glob with many `*` backtracks like any pattern.
      const compiled = compilePolicyRegex(regex.source, regex.flags);
      if ('regex' in compiled) return compiled.regex;
      problems.push(
        `${where}.${key}: glob ${JSON.stringify(value)} ${'problem' in compiled ? compiled.problem : compiled.syntaxError}`,
      );
      return undefined;
    };
    const pauseOn = glob('pauseOn', raw.pauseOn);
    const resume = resumeOn === undefined ? undefined : glob('resumeOn', resumeOn);
    if (!pauseOn || (resumeOn !== undefined && !resume)) return undefined;
    return { type: 'header', header: raw.header.toLowerCase(), pauseOn, resumeOn: resume, maxPauseMs };
  }
  problems.push(`${where}.type ${JSON.stringify(raw.type)} must be dtmf or header`);
  return undefined;
}
