/**
 * Globs of header pause triggers (`pauseOn` / `resumeOn` of a `header` trigger stay globs in policies.json, unlike
 * match patterns, which the operator compiles). Same reading as the operator's: `*` any run, `?` one character,
 * `[abc]` / `[!abc]` a class, everything else literal; the whole value, case-insensitively.
 */

const SPECIAL = /[\\^$.|+(){}]/;

/**
 * Compiles a glob into an anchored, case-insensitive RegExp.
 * @throws Error for an unterminated `[` class
 */
export function globToRegExp(glob: string): RegExp {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new Error(`unterminated [ at position ${i + 1}`);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (SPECIAL.test(c) || c === ']') out += `\\${c}`;
    else out += c;
  }
  return new RegExp(`${out}$`, 'iu');
}
