/**
 * A reader of ECMAScript regular expressions (ECMA-262 §22.2.1) into the little tree the backtracking analysis
 * needs: which characters each step can consume, where the quantifiers, alternatives, anchors and
 * backreferences are. The pattern has already been compiled by `new RegExp`, so the syntax is known to be valid;
 * what this reader cannot tell exactly (Unicode property escapes) it reads as "any character", which only makes
 * the analysis more cautious.
 */
import {
  ANY,
  caseInsensitive,
  complement,
  DIGIT,
  NOT_LINE_TERMINATOR,
  range,
  single,
  SPACE,
  union,
  WORD,
  type CharSet,
} from './char-set.js';

/** One alternative of a disjunction: terms in order. */
export type Sequence = readonly Term[];

export type Term =
  /** One character from `set`. */
  | { readonly kind: 'chars'; readonly set: CharSet }
  /** `^`, `$`, `\b`, `\B`: zero-width, may fail. */
  | { readonly kind: 'assertion'; readonly which: 'start' | 'end' | 'boundary' }
  | { readonly kind: 'backreference' }
  /** `(…)`, `(?:…)`, `(?<name>…)`, or a zero-width lookaround `(?=…)` `(?!…)` `(?<=…)` `(?<!…)`. */
  | { readonly kind: 'group'; readonly alternatives: readonly Sequence[]; readonly lookaround: boolean }
  | { readonly kind: 'repeat'; readonly body: Term; readonly min: number; readonly max: number };

/** Flags that change what the analysis sees. */
export interface SyntaxFlags {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
  readonly multiline: boolean;
}

/** Reads a pattern `new RegExp(source, flags)` accepted into its top-level alternatives. */
export function readRegex(source: string, flags: SyntaxFlags): readonly Sequence[] {
  const reader = new Reader(source, flags);
  const alternatives = reader.disjunction();
  if (!reader.done) throw new Error(`unexpected ${JSON.stringify(source.slice(reader.at, reader.at + 1))}`);
  return alternatives;
}

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, f: 0x0c };

class Reader {
  readonly #source: string;
  readonly #flags: SyntaxFlags;
  at = 0;

  constructor(source: string, flags: SyntaxFlags) {
    this.#source = source;
    this.#flags = flags;
  }

  get done(): boolean {
    return this.at >= this.#source.length;
  }

  disjunction(): Sequence[] {
    const alternatives = [this.#sequence()];
    while (this.#peek() === '|') {
      this.at++;
      alternatives.push(this.#sequence());
    }
    return alternatives;
  }

  #sequence(): Term[] {
    const terms: Term[] = [];
    while (!this.done && this.#peek() !== '|' && this.#peek() !== ')') {
      const atom = this.#atom();
      terms.push(this.#quantified(atom));
    }
    return terms;
  }

  #quantified(atom: Term): Term {
    let min: number;
    let max: number;
    const c = this.#peek();
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      // Without the u flag a `{` that starts no quantifier is a literal (Annex B); it was read as one by #atom.
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#source.slice(this.at));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.at += m[0].length - 1;
    } else return atom;
    this.at++;
    if (this.#peek() === '?') this.at++; // lazy: same paths, other order
    return { kind: 'repeat', body: atom, min, max };
  }

  #atom(): Term {
    const c = this.#next();
    switch (c) {
      case '^':
        return { kind: 'assertion', which: 'start' };
      case '$':
        return { kind: 'assertion', which: 'end' };
      case '.':
        return this.#chars(this.#flags.dotAll ? ANY : NOT_LINE_TERMINATOR);
      case '(':
        return this.#group();
      case '[':
        return this.#chars(this.#class());
      case '\\':
        return this.#escape();
      default:
        return this.#chars(single(c.codePointAt(0)!));
    }
  }

  #group(): Term {
    let lookaround = false;
    if (this.#source.startsWith('?:', this.at)) this.at += 2;
    else if (/^\?<?[=!]/.test(this.#source.slice(this.at, this.at + 3))) {
      lookaround = true;
      this.at += this.#source[this.at + 1] === '<' ? 3 : 2;
    } else if (this.#source.startsWith('?<', this.at)) {
      this.at = this.#source.indexOf('>', this.at) + 1;
    }
    const alternatives = this.disjunction();
    if (this.#next() !== ')') throw new Error('unterminated group');
    return { kind: 'group', alternatives, lookaround };
  }

  #escape(): Term {
    const c = this.#next();
    if (c === 'b' || c === 'B') return { kind: 'assertion', which: 'boundary' };
    if (/[1-9]/.test(c) || (c === 'k' && this.#peek() === '<')) return { kind: 'backreference' };
    return this.#chars(this.#escapedSet(c));
  }

  /** `[…]` after its `[`. */
  #class(): CharSet {
    const negated = this.#peek() === '^';
    if (negated) this.at++;
    const parts: CharSet[] = [];
    while (this.#peek() !== ']') {
      if (this.done) throw new Error('unterminated character class');
      const low = this.#classAtom();
      if (this.#peek() === '-' && this.#source[this.at + 1] !== ']' && typeof low === 'number') {
        this.at++;
        const high = this.#classAtom();
        if (typeof high === 'number') {
          parts.push(range(low, high));
          continue;
        }
        parts.push(single(low), single(0x2d), high);
        continue;
      }
      parts.push(typeof low === 'number' ? single(low) : low);
    }
    this.at++;
    const set = union(...parts);
    // Folded after the complement (by #chars): under `i`, `[^a]` then covers at least what it really matches.
    return negated ? complement(set) : set;
  }

  /** One class member: a code point, or a set for `\d`-style escapes. */
  #classAtom(): number | CharSet {
    const c = this.#next();
    if (c !== '\\') return c.codePointAt(0)!;
    const e = this.#next();
    if (e === 'b') return 0x08;
    if (e === '-') return 0x2d;
    const set = this.#escapedSet(e);
    return set.length === 1 && set[0]![0] === set[0]![1] ? set[0]![0] : set;
  }

  /** The characters an escape outside `\b`, `\B` and backreferences stands for. */
  #escapedSet(c: string): CharSet {
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case '0':
        return single(0);
      case 'p':
      case 'P':
        if (this.#peek() === '{') this.at = this.#source.indexOf('}', this.at) + 1;
        return ANY;
      case 'c': {
        const letter = this.#next();
        return single(letter.charCodeAt(0) % 32);
      }
      case 'x':
        return single(this.#hex(2));
      case 'u':
        if (this.#peek() === '{') {
          const end = this.#source.indexOf('}', this.at);
          const code = parseInt(this.#source.slice(this.at + 1, end), 16);
          this.at = end + 1;
          return single(code);
        }
        return single(this.#hex(4));
      default: {
        const control = CONTROL_ESCAPES[c];
        return single(control ?? c.codePointAt(0)!);
      }
    }
  }

  #hex(digits: number): number {
    const text = this.#source.slice(this.at, this.at + digits);
    this.at += digits;
    return parseInt(text, 16);
  }

  #chars(set: CharSet): Term {
    return { kind: 'chars', set: this.#fold(set) };
  }

  #fold(set: CharSet): CharSet {
    return this.#flags.ignoreCase ? caseInsensitive(set) : set;
  }

  #peek(): string | undefined {
    return this.#source[this.at];
  }

  /** The next code point (a surrogate pair is one character). */
  #next(): string {
    const code = this.#source.codePointAt(this.at);
    if (code === undefined) throw new Error('unexpected end of pattern');
    const c = String.fromCodePoint(code);
    this.at += c.length;
    return c;
  }
}
