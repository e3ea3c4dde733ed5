/**
 * Glob patterns of RecordingPolicy matches, compiled to anchored regular expressions the recorder
 * evaluates: `*` any run of characters, `?` one character, `[abc]` / `[!abc]` a class; everything
 * else is literal. Globs match the whole value, case-insensitively (SIP URI schemes and hosts are
 * case-insensitive, RFC 3261 §19.1.4, and users type AoRs in any case).
 */

/** A regular expression in the form the recorder rebuilds it: `new RegExp(source, flags)`. */
export interface CompiledRegex {
  source: string;
  flags: string;
}

/** Error for a glob that cannot be compiled (an unterminated class). */
export class GlobSyntaxError extends Error {
  readonly code = 'OPERATOR_POLICY_GLOB';
}

const SPECIAL = /[\\^$.|+(){}]/;

/** Compiles a glob into an anchored, case-insensitive regular expression. */
export function globToRegex(glob: string): CompiledRegex {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') {
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new GlobSyntaxError(`unterminated [ at position ${i + 1}`);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (SPECIAL.test(c) || c === ']') {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return { source: `${out}$`, flags: 'iu' };
}
