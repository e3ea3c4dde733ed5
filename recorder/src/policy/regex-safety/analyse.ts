/**
 * How much a regular expression can backtrack in V8's engine, read from its structure (after the "star height"
 * and "ambiguity" criteria of Weideman et al., "Analyzing Matching Time Behavior of Backtracking Regular
 * Expression Matchers by Using Ambiguity of NFA", 2016, simplified to what can be decided from the syntax tree):
 *
 * - Exponential: a repeated part that can match one text in several ways — a quantifier inside a repeated group
 *   (`(a+)+`, `(x*y)*`, `(a?){20}`), a repeated group whose alternatives can start with the same character or
 *   match nothing (`(a|aa)*`, `(\w|\d)+`, `(a|)*`), or a backreference. Refused.
 * - Polynomial: quantifiers in a row that can take the same characters (`a*a*`, `.*x.*y`), each adding one
 *   degree to the time a failing match takes, plus one when the pattern is not anchored at the start (V8 retries
 *   at every position). A quantifier followed only by what always matches (`.*` at the very end) never backtracks
 *   and does not count.
 *
 * The reading is cautious: when unsure (case folding beyond ASCII, property escapes, lookarounds) it assumes the
 * worse case, so it may refuse a pattern that would have been fast, never the other way round.
 */
import { ANY, EMPTY, intersection, overlaps, union, type CharSet } from './char-set.js';
import { readRegex, type Sequence, type SyntaxFlags, type Term } from './regex-syntax.js';

/** Verdict on one pattern. */
export type BacktrackingVerdict =
  | {
      readonly safe: true;
      /** Worst-case matching time is O(n^degree) in the input length n (0: constant, 1: linear; counted up to 8). */
      readonly degree: number;
    }
  | { readonly safe: false; readonly problem: string };

/** What a part of a pattern can match, as far as backtracking is concerned. */
interface Facts {
  /** It can match the empty string. */
  readonly nullable: boolean;
  /** Characters a non-empty match can start with. */
  readonly first: CharSet;
  /** Characters it can consume anywhere. */
  readonly all: CharSet;
  /** It holds a quantifier whose count varies (`?`, `*`, `+`, `{n,m}`). */
  readonly variable: boolean;
  /**
   * It holds a quantifier whose count can vary by more than {@link SMALL_RANGE} (`*`, `+`, `{2,}`, `{0,100}`): its
   * share of the input grows with the input. `x{1,3}` only multiplies the work by a constant.
   */
  readonly repeats: boolean;
}

/** A step of a flattened sequence, for the polynomial degree. */
type Step =
  | { readonly kind: 'one'; readonly set: CharSet; readonly optional: boolean }
  | { readonly kind: 'loop'; readonly set: CharSet; readonly optional: boolean }
  | { readonly kind: 'assertion' };

class Exponential extends Error {}

/** Degrees are counted up to this; anything above the refusal threshold is refused alike. */
const MAX_REPORTED_DEGREE = 8;

/** Quantifier ranges up to this are a constant factor for the polynomial degree (but still refused nested). */
const SMALL_RANGE = 8;

const EXPONENTIAL = 'which can take exponential time on some inputs';

/** Analyses a pattern that `new RegExp(source, flags)` accepts. */
export function analyseBacktracking(source: string, flags: string): BacktrackingVerdict {
  const syntax: SyntaxFlags = {
    ignoreCase: flags.includes('i'),
    dotAll: flags.includes('s'),
    multiline: flags.includes('m'),
  };
  try {
    const alternatives = readRegex(source, syntax);
    for (const alternative of alternatives) sequenceFacts(alternative);
    const degree = Math.max(...alternatives.map((a) => sequenceDegree(a, syntax.multiline)));
    return { safe: true, degree };
  } catch (err) {
    if (err instanceof Exponential) return { safe: false, problem: err.message };
    return { safe: false, problem: `cannot be analysed (${(err as Error).message})` };
  }
}

function sequenceFacts(sequence: Sequence): Facts {
  let nullable = true;
  let first = EMPTY;
  const all: CharSet[] = [];
  let variable = false;
  let repeats = false;
  for (const term of sequence) {
    const f = termFacts(term);
    if (nullable) first = union(first, f.first);
    nullable &&= f.nullable;
    all.push(f.all);
    variable ||= f.variable;
    repeats ||= f.repeats;
  }
  return { nullable, first, all: union(...all), variable, repeats };
}

function alternativesFacts(alternatives: readonly Sequence[]): Facts {
  const each = alternatives.map(sequenceFacts);
  return {
    nullable: each.some((f) => f.nullable),
    first: union(...each.map((f) => f.first)),
    all: union(...each.map((f) => f.all)),
    variable: each.some((f) => f.variable),
    repeats: each.some((f) => f.repeats),
  };
}

function termFacts(term: Term): Facts {
  switch (term.kind) {
    case 'chars':
      return { nullable: false, first: term.set, all: term.set, variable: false, repeats: false };
    case 'assertion':
      return { nullable: true, first: EMPTY, all: EMPTY, variable: false, repeats: false };
    case 'backreference':
      throw new Exponential(`uses a backreference, ${EXPONENTIAL}`);
    case 'group': {
      const f = alternativesFacts(term.alternatives);
      // A lookaround consumes nothing; what it holds still runs (and backtracks) at every position it is tried.
      return term.lookaround ? { ...f, nullable: true, first: EMPTY, all: EMPTY } : f;
    }
    case 'repeat': {
      const body = termFacts(term.body);
      if (term.max > 1) refuseAmbiguousRepetition(term.body, body);
      return {
        nullable: term.min === 0 || body.nullable,
        first: body.first,
        all: body.all,
        variable: body.variable || term.min !== term.max,
        repeats: body.repeats || term.max - term.min > SMALL_RANGE,
      };
    }
  }
}

/** A part repeated more than once must match any text in one way only, or each repetition multiplies the ways. */
function refuseAmbiguousRepetition(body: Term, facts: Facts): void {
  if (facts.variable) throw new Exponential(`nests quantifiers, ${EXPONENTIAL}`);
  if (facts.nullable && facts.all.length > 0)
    throw new Exponential(`repeats a group that can match the empty string, ${EXPONENTIAL}`);
  forEachGroup(body, (alternatives) => {
    const each = alternatives.map(sequenceFacts);
    for (let i = 0; i < each.length; i++) {
      const a = each[i]!;
      if (a.nullable)
        throw new Exponential(`repeats a group with an alternative that can match nothing, ${EXPONENTIAL}`);
      for (let j = i + 1; j < each.length; j++) {
        if (overlaps(a.first, each[j]!.first))
          throw new Exponential(
            `repeats a group whose alternatives ${i + 1} and ${j + 1} can start with the same character, ${EXPONENTIAL}`,
          );
      }
    }
  });
}

function forEachGroup(term: Term, visit: (alternatives: readonly Sequence[]) => void): void {
  if (term.kind === 'repeat') forEachGroup(term.body, visit);
  if (term.kind !== 'group') return;
  if (term.alternatives.length > 1) visit(term.alternatives);
  for (const alternative of term.alternatives) for (const t of alternative) forEachGroup(t, visit);
}

/** The polynomial degree of one top-level alternative. */
function sequenceDegree(sequence: Sequence, multiline: boolean): number {
  const steps: Step[] = [];
  flatten(sequence, steps);
  const head = sequence[0];
  const anchored = !multiline && head?.kind === 'assertion' && head.which === 'start';
  // V8 retries an unanchored pattern at every start position: a loop over any character before the pattern.
  if (!anchored) steps.unshift({ kind: 'loop', set: ANY, optional: true });
  // Loops followed only by what always matches never backtrack: the first attempt succeeds.
  let tail = steps.length;
  while (tail > 0 && alwaysMatches(steps[tail - 1]!)) tail--;
  const chain: number[] = [];
  let degree = anchored ? 0 : 1;
  for (let j = 0; j < tail; j++) {
    const loop = steps[j]!;
    if (loop.kind !== 'loop') continue;
    let longest = 0;
    // Nearest loops first (short scans), and no further than the cap: the analysis itself must stay cheap on a
    // hostile 1 KiB pattern of hundreds of loops.
    for (let i = j - 1; i >= 0 && longest < MAX_REPORTED_DEGREE - 1; i--) {
      const before = steps[i]!;
      if (before.kind !== 'loop' || chain[i] === undefined) continue;
      if (takesTurns(steps, i, j)) longest = Math.max(longest, chain[i]!);
    }
    chain[j] = Math.min(longest + 1, MAX_REPORTED_DEGREE);
    degree = Math.max(degree, chain[j]!);
  }
  return degree;
}

function alwaysMatches(step: Step): boolean {
  return step.kind !== 'assertion' && step.optional;
}

/**
 * Whether the loops at `i` and `j` can share out one run of characters in several ways: both can take a common
 * character, and everything between them can match nothing or that character.
 */
function takesTurns(steps: readonly Step[], i: number, j: number): boolean {
  const a = steps[i]!;
  const b = steps[j]!;
  if (a.kind === 'assertion' || b.kind === 'assertion') return false;
  const shared = intersection(a.set, b.set);
  if (shared.length === 0) return false;
  for (let k = i + 1; k < j; k++) {
    const between = steps[k]!;
    if (between.kind === 'assertion' || between.optional) continue;
    if (!overlaps(between.set, shared)) return false;
  }
  return true;
}

function flatten(sequence: Sequence, out: Step[]): void {
  for (const term of sequence) {
    if (term.kind === 'assertion') {
      out.push({ kind: 'assertion' });
    } else if (term.kind === 'group' && !term.lookaround && term.alternatives.length === 1) {
      flatten(term.alternatives[0]!, out);
    } else {
      const f = termFacts(term);
      const isLoop = f.repeats || (term.kind === 'group' && term.lookaround && f.variable);
      const set = term.kind === 'group' && term.lookaround ? ANY : f.all;
      if (term.kind === 'group' && term.lookaround && !isLoop) out.push({ kind: 'assertion' });
      else out.push({ kind: isLoop ? 'loop' : 'one', set, optional: f.nullable });
    }
  }
}
