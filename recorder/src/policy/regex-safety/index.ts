/**
 * Regular expressions of RecordingPolicies made safe to run on the SIP thread against values an SRC controls.
 * The operator refuses the same patterns when it compiles a policy (operator/src/policy/compile.ts), so a policy
 * it accepts is never refused by the recorders loading it.
 */
import { analyseBacktracking } from './analyse.js';

export { analyseBacktracking, type BacktrackingVerdict } from './analyse.js';

/** Patterns whose matching time can grow faster than this power of the input length are refused. */
export const MAX_BACKTRACKING_DEGREE = 3;

/**
 * Longest input a pattern of each degree is tested against: up to quadratic, the callers' own bound; cubic
 * patterns on their first 128 characters (≈ 128³/6 steps, a few milliseconds at worst).
 */
const INPUT_LIMIT_BY_DEGREE: readonly number[] = [Infinity, Infinity, Infinity, 128];

/** A RegExp that tests at most the first `inputLimit` characters of a value. */
export class BoundedRegExp extends RegExp {
  readonly inputLimit: number;

  constructor(source: string, flags: string, inputLimit: number) {
    super(source, flags);
    this.inputLimit = inputLimit;
  }

  override test(value: string): boolean {
    return super.test(value.length > this.inputLimit ? value.slice(0, this.inputLimit) : value);
  }
}

/**
 * Compiles a policy pattern, or says why it is refused: a syntax error, or a pattern that can backtrack
 * exponentially or with a degree above {@link MAX_BACKTRACKING_DEGREE} (the problem reads after the pattern, as
 * in `regex "(a+)+" nests quantifiers, which can take exponential time on some inputs`).
 */
export function compilePolicyRegex(
  source: string,
  flags: string,
): { readonly regex: RegExp } | { readonly syntaxError: string } | { readonly problem: string } {
  try {
    new RegExp(source, flags);
  } catch (err) {
    return { syntaxError: (err as Error).message };
  }
  const verdict = analyseBacktracking(source, flags);
  if (!verdict.safe) return { problem: verdict.problem };
  if (verdict.degree > MAX_BACKTRACKING_DEGREE) {
    return {
      problem:
        'has quantifiers in a row that can take the same characters, ' +
        `which can take time growing as the ${verdict.degree}th power of the input length`,
    };
  }
  const limit = INPUT_LIMIT_BY_DEGREE[verdict.degree] ?? Infinity;
  return {
    regex: Number.isFinite(limit) ? new BoundedRegExp(source, flags, limit) : new RegExp(source, flags),
  };
}
