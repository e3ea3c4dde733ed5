/**
 * Validation and compilation of a RecordingPolicy into the form the recorder loads from POLICY_FILE.
 *
 * The API server's CEL rules catch what CEL can express; what it cannot (regular expressions that do
 * not compile, or that can backtrack exponentially or worse than cubically — the recorder's own analysis, so
 * both always agree) is caught here, reported on the policy's status
 * with a message naming the field, and never crashes the operator.
 */
import { isIP } from 'node:net';
import type { RecordingPolicy } from '../api/generated/recording-policy.js';
import { globToRegex, GlobSyntaxError, type CompiledRegex } from './glob.js';
import { parseDuration } from '../builders/duration.js';
import { compilePolicyRegex } from '../../../recorder/src/policy/regex-safety/index.js';

/** A policy as written to the recorders' policies.json. */
export interface CompiledPolicy {
  name: string;
  priority: number;
  action: 'record' | 'skip' | 'reject';
  match: {
    participants: { role: 'any' | 'caller' | 'callee'; regex: CompiledRegex }[];
    sourceCIDRs: string[];
    headers: { name: string; regex: CompiledRegex }[];
    metadata: { field: string; regex: CompiledRegex }[];
  };
  format: { container: 'wav'; channelLayout: 'perStream' | 'mixed' };
  retention: { days: number };
  pause: {
    allowApi: boolean;
    triggers: {
      type: 'dtmf' | 'header';
      header?: string;
      pauseOn: string;
      resumeOn?: string;
      maxPauseMs: number;
    }[];
  };
}

/** Outcome of compiling one policy: the compiled form, or every problem found. */
export type PolicyCompileResult =
  { valid: true; policy: CompiledPolicy } | { valid: false; problems: string[] };

const MAX_PATTERN = 256;
const SIP_TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

function compilePattern(pattern: string, syntax: 'glob' | 'regex', where: string, problems: string[]) {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN) {
    problems.push(`${where}: a pattern must have 1 to ${MAX_PATTERN} characters`);
    return undefined;
  }
  let compiled: CompiledRegex;
  if (syntax === 'glob') {
    try {
      compiled = globToRegex(pattern);
    } catch (err) {
      if (err instanceof GlobSyntaxError) {
        problems.push(`${where}: glob ${JSON.stringify(pattern)}: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  } else {
    compiled = { source: pattern, flags: 'u' };
  }
  return checkBacktracking(compiled, `${syntax} ${JSON.stringify(pattern)}`, where, problems);
}

/**
 * The recorder's own check of what it loads (a glob with many `*` backtracks like any regex): a pattern refused
 * here would otherwise make every recorder refuse the whole policies.json.
 */
function checkBacktracking(
  compiled: CompiledRegex,
  what: string,
  where: string,
  problems: string[],
): CompiledRegex | undefined {
  const checked = compilePolicyRegex(compiled.source, compiled.flags);
  if ('syntaxError' in checked) problems.push(`${where}: ${checked.syntaxError}`);
  else if ('problem' in checked) problems.push(`${where}: ${what} ${checked.problem}`);
  else return compiled;
  return undefined;
}

/** A header trigger's glob stays a glob in policies.json; the recorder compiles and checks it the same way. */
function checkTriggerGlob(glob: string, where: string, problems: string[]): void {
  try {
    checkBacktracking(globToRegex(glob), `glob ${JSON.stringify(glob)}`, where, problems);
  } catch (err) {
    if (!(err instanceof GlobSyntaxError)) throw err;
    problems.push(`${where}: glob ${JSON.stringify(glob)}: ${err.message}`);
  }
}

function validCidr(cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const family = isIP(cidr.slice(0, slash));
  const bits = cidr.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** Validates a RecordingPolicy (as read from the API server, defaults applied) and compiles it. */
export function compilePolicy(policy: RecordingPolicy): PolicyCompileResult {
  const problems: string[] = [];
  const spec = policy.spec;
  const participants = (spec.match.participants ?? []).flatMap((p, i) => {
    const regex = compilePattern(p.pattern, p.syntax, `match.participants[${i}].pattern`, problems);
    return regex ? [{ role: p.role, regex }] : [];
  });
  const headers = (spec.match.headers ?? []).flatMap((h, i) => {
    if (!SIP_TOKEN.test(h.name))
      problems.push(`match.headers[${i}].name: ${JSON.stringify(h.name)} is not a SIP header name`);
    const regex = compilePattern(h.pattern, h.syntax, `match.headers[${i}].pattern`, problems);
    return regex ? [{ name: h.name.toLowerCase(), regex }] : [];
  });
  const metadata = (spec.match.metadata ?? []).flatMap((m, i) => {
    const regex = compilePattern(m.pattern, m.syntax, `match.metadata[${i}].pattern`, problems);
    return regex ? [{ field: m.field, regex }] : [];
  });
  const sourceCIDRs = spec.match.sourceCIDRs ?? [];
  sourceCIDRs.forEach((c, i) => {
    if (!validCidr(c)) problems.push(`match.sourceCIDRs[${i}]: ${JSON.stringify(c)} is not a CIDR`);
  });
  const triggers = (spec.pause.triggers ?? []).flatMap((t, i) => {
    const maxPauseMs = parseDuration(t.maxPause);
    if (maxPauseMs === undefined) {
      problems.push(`pause.triggers[${i}].maxPause: ${JSON.stringify(t.maxPause)} is not a duration`);
      return [];
    }
    if (t.type === 'header' && !t.header) {
      problems.push(`pause.triggers[${i}]: a header trigger needs header`);
      return [];
    }
    if (t.type === 'header') {
      checkTriggerGlob(t.pauseOn, `pause.triggers[${i}].pauseOn`, problems);
      if (t.resumeOn) checkTriggerGlob(t.resumeOn, `pause.triggers[${i}].resumeOn`, problems);
    }
    return [
      {
        type: t.type,
        ...(t.header ? { header: t.header.toLowerCase() } : {}),
        pauseOn: t.pauseOn,
        ...(t.resumeOn ? { resumeOn: t.resumeOn } : {}),
        maxPauseMs,
      },
    ];
  });
  if (problems.length > 0) return { valid: false, problems };
  return {
    valid: true,
    policy: {
      name: policy.metadata.name ?? '',
      priority: spec.priority,
      action: spec.action,
      match: { participants, sourceCIDRs: [...sourceCIDRs], headers, metadata },
      format: { container: spec.format.container, channelLayout: spec.format.channelLayout },
      retention: { days: spec.retention.days },
      pause: { allowApi: spec.pause.allowApi, triggers },
    },
  };
}
