/**
 * Sets of code points as sorted, disjoint, non-adjacent `[low, high]` ranges: what one step of a regular
 * expression can consume. The backtracking analysis (analyse.ts) only asks whether two steps can consume the same
 * character, so the sets need union, intersection test and complement, nothing more.
 */

/** Sorted, disjoint, non-adjacent inclusive ranges. */
export type CharSet = readonly (readonly [number, number])[];

export const MAX_CODE_POINT = 0x10ffff;
export const EMPTY: CharSet = [];
export const ANY: CharSet = [[0, MAX_CODE_POINT]];

/** ECMA-262 LineTerminator: what `.` does not match without the `s` flag. */
const LINE_TERMINATORS: CharSet = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
export const NOT_LINE_TERMINATOR: CharSet = complement(LINE_TERMINATORS);
export const DIGIT: CharSet = [[0x30, 0x39]];
export const WORD: CharSet = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
/** ECMA-262 WhiteSpace and LineTerminator (`\s`). */
export const SPACE: CharSet = normalise([
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);

export function single(c: number): CharSet {
  return [[c, c]];
}

export function range(low: number, high: number): CharSet {
  return low <= high ? [[low, high]] : EMPTY;
}

/** Sorts and merges overlapping or adjacent ranges. */
export function normalise(ranges: readonly (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [low, high] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else out.push([low, high]);
  }
  return out;
}

export function union(...sets: CharSet[]): CharSet {
  return normalise(sets.flat());
}

export function complement(set: CharSet): CharSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [low, high] of set) {
    if (low > next) out.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function intersection(a: CharSet, b: CharSet): CharSet {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [aLow, aHigh] = a[i]!;
    const [bLow, bHigh] = b[j]!;
    const low = Math.max(aLow, bLow);
    const high = Math.min(aHigh, bHigh);
    if (low <= high) out.push([low, high]);
    if (aHigh < bHigh) i++;
    else j++;
  }
  return out;
}

export function overlaps(a: CharSet, b: CharSet): boolean {
  return intersection(a, b).length > 0;
}

/** Characters beyond ASCII that Unicode simple case folding makes equal to an ASCII letter (`u` + `i` flags). */
const FOLDS_TO_ASCII: readonly (readonly [number, number])[] = [
  [0x4b, 0x212a], // K, Kelvin sign
  [0x53, 0x017f], // S, long s
];

/**
 * The set under the `i` flag, over-approximated: ASCII letters gain their other case (and the two non-ASCII
 * letters that fold onto them), and anything beyond ASCII gains all of non-ASCII, whose case folding this module
 * does not know. A larger set can only make the analysis find more overlap, never less.
 */
export function caseInsensitive(set: CharSet): CharSet {
  const extra: [number, number][] = [];
  for (const [low, high] of set) {
    for (const [l, h] of intersection([[low, high]], [[0x41, 0x5a]])) extra.push([l + 0x20, h + 0x20]);
    for (const [l, h] of intersection([[low, high]], [[0x61, 0x7a]])) extra.push([l - 0x20, h - 0x20]);
    if (high > 0x7f) extra.push([0x80, MAX_CODE_POINT]);
  }
  for (const [ascii, other] of FOLDS_TO_ASCII) {
    if (overlaps(set, [[ascii, ascii]]) || overlaps(set, [[ascii + 0x20, ascii + 0x20]]))
      extra.push([other, other]);
  }
  return extra.length === 0 ? set : union(set, extra);
}
