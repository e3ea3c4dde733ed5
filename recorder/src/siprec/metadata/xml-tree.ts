/**
 * A small, namespace-aware element tree read in one pass over the document. Elements are found by local name
 * everywhere in this module (INTEROP.md §3.1: five dialects, prefixes or none), so each element records its local
 * name and resolved namespace URI once.
 *
 * The reader is also the well-formedness check: it refuses what a strict XML 1.0 reader refuses in the documents
 * SRCs send (a bare `&` in text, a `<` that opens no markup, unquoted or repeated attributes, mismatched or
 * unclosed tags, a second root, text outside the root), so a malformed document costs one pass and the sanitiser
 * (sanitise.ts) gets its chance. A separate validating pass followed by a parse and a tree conversion used to cost
 * three passes and most of the INVITE's CPU.
 *
 * Not supported, by design: DTDs and entity declarations (xml-guard.ts refuses them before any parsing), so only
 * the five predefined entities and character references are decoded and nothing can expand.
 */
import { BoundedMemo } from '../../sip/message/bounded-memo.js';

/** One XML element. */
export interface XmlElement {
  /** Qualified name as written (`tns:participant`). */
  name: string;
  /** Local name (`participant`). */
  local: string;
  /** Local name in lower case: the dialects disagree on case (`datamode` / `dataMode`), INTEROP.md §3.1. */
  localLower: string;
  /** Prefix as written, `''` for none. */
  prefix: string;
  /** Namespace URI the element is in, `''` when none is in scope. */
  ns: string;
  /** Attributes by qualified name, entity references decoded. */
  attrs: Map<string, string>;
  children: XmlElement[];
  /** The element's own character data (CDATA included), entity references decoded, not trimmed. */
  text: string;
}

/** Result of {@link parseXmlTree}. */
export type XmlTreeResult = { ok: true; root: XmlElement } | { ok: false; error: string };

/** XML 1.0 §2.3 NameStartChar, the BMP part (what fast-xml-parser and the SRCs' own stacks accept). */
const NAME_START_CHARS =
  ':A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
/** XML 1.0 §2.3 Name. */
const NAME = new RegExp(
  // The NameChar ranges hold combining marks (U+0300–U+036F) on purpose: names may contain them after the start.
  // eslint-disable-next-line no-misleading-character-class
  `^[${NAME_START_CHARS}][${NAME_START_CHARS}\\-.\\d\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`,
);

/** XML 1.0 §4.1 references: `&name;` (kept as written unless predefined), `&#n;`, `&#xh;`. */
const REFERENCE = /&(?:[A-Za-z0-9_]{1,20}|#[0-9]+|#x[0-9A-Fa-f]+);/y;

/**
 * Names refused outright, as the XML parser this reader replaced did: the model keeps element and attribute names
 * as JSON keys (extensions.ts), and these are the ones that reach an object's prototype.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** What a qualified name is, worked out once per distinct name. */
export interface NameFacts {
  /** An XML 1.0 Name. */
  readonly wellFormed: boolean;
  readonly reserved: boolean;
  readonly prefix: string;
  readonly local: string;
  readonly localLower: string;
}

/**
 * SRCs send the same few dozen element and attribute names in every INVITE: checking and splitting each of them
 * again (a Unicode class regex, slices, a lower-casing) was a fifth of the reading time. Bounded like the SIP
 * header memos, so junk names cost at most its capacity.
 */
export const nameFacts = new BoundedMemo<NameFacts>(
  (name) => {
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    return {
      wellFormed: NAME.test(name),
      reserved: RESERVED_NAMES.has(name),
      prefix: colon < 0 ? '' : name.slice(0, colon),
      local,
      localLower: local.toLowerCase(),
    };
  },
  512,
  128,
);

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** XML 1.0 §2.3 S, as SRCs write it. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Thrown inside the reader only; {@link parseXmlTree} turns it into `{ ok: false }`. */
class NotWellFormed extends Error {}

/** An element being read, with the namespace scope its children inherit. */
interface Open {
  element: XmlElement;
  scope: ReadonlyMap<string, string>;
}

const EMPTY_SCOPE: ReadonlyMap<string, string> = new Map();

/**
 * Reads a document into {@link XmlElement}s, refusing it when it is not well-formed. The caller has already
 * bounded size, element count and depth and refused DTDs (xml-guard.ts); the element stack here is explicit, so
 * no document can exhaust the call stack either. Never throws.
 */
export function parseXmlTree(xml: string): XmlTreeResult {
  try {
    return { ok: true, root: read(xml) };
  } catch (err) {
    if (err instanceof NotWellFormed) return { ok: false, error: err.message };
    throw err;
  }
}

function fail(xml: string, at: number, message: string): never {
  let line = 1;
  let lineStart = 0;
  for (let i = xml.indexOf('\n'); i >= 0 && i < at; i = xml.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  throw new NotWellFormed(`${message} (line ${line}, column ${at - lineStart + 1})`);
}

function read(document: string): XmlElement {
  // XML 1.0 §2.11: CRLF and a lone CR reach the application as LF.
  const xml = document.includes('\r') ? document.replace(/\r\n?/g, '\n') : document;
  const length = xml.length;
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const docStart = i;

  while (i < length) {
    const c = xml.charCodeAt(i);
    if (c !== LT) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        // Prolog and epilogue (XML 1.0 §2.8): white space only.
        if (!isSpace(c)) fail(xml, i, `unexpected ${JSON.stringify(xml[i])} outside the root element`);
        i++;
        continue;
      }
      const end = xml.indexOf('<', i);
      const stop = end < 0 ? length : end;
      top.element.text += textRun(xml, i, stop);
      i = stop;
      continue;
    }
    const next = xml.charCodeAt(i + 1);
    if (next === QUESTION) {
      i = skipProcessingInstruction(xml, i, docStart);
    } else if (next === BANG) {
      if (xml.startsWith('<!--', i)) {
        i = endOf(xml, '-->', i + 4, 'comment');
      } else if (xml.startsWith('<![CDATA[', i)) {
        const top = stack[stack.length - 1];
        if (top === undefined) fail(xml, i, 'CDATA section outside the root element');
        const close = xml.indexOf(']]>', i + 9);
        if (close < 0) fail(xml, i, 'unterminated CDATA section');
        top.element.text += xml.slice(i + 9, close);
        i = close + 3;
      } else {
        fail(xml, i, "'<!' opens no comment or CDATA section");
      }
    } else if (next === SLASH) {
      i = closeTag(xml, i, stack);
    } else {
      if (stack.length === 0 && root !== undefined) fail(xml, i, 'a second root element');
      const parent = stack[stack.length - 1];
      const tag = startTag(xml, i, parent?.scope ?? EMPTY_SCOPE);
      if (parent === undefined) root = tag.open.element;
      else parent.element.children.push(tag.open.element);
      if (!tag.selfClosing) stack.push(tag.open);
      i = tag.end;
    }
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed !== undefined) fail(xml, length, `unclosed element <${unclosed.element.name}>`);
  if (root === undefined) fail(xml, length, 'no root element');
  return root;
}

/** Character data from `from` to `to`: references checked (a bare `&` is not XML, §2.4) and decoded. */
function textRun(xml: string, from: number, to: number): string {
  let amp = xml.indexOf('&', from);
  if (amp < 0 || amp >= to) return xml.slice(from, to);
  while (amp >= 0 && amp < to) {
    REFERENCE.lastIndex = amp;
    if (!REFERENCE.test(xml)) fail(xml, amp, "'&' starts no entity reference");
    amp = xml.indexOf('&', REFERENCE.lastIndex);
  }
  return decodeEntities(xml.slice(from, to));
}

/** Skips `<?target …?>`; an XML declaration is only allowed at the very start (XML 1.0 §2.8). */
function skipProcessingInstruction(xml: string, at: number, docStart: number): number {
  const end = endOf(xml, '?>', at + 2, 'processing instruction');
  if (at !== docStart && /^xml(?:[\s?]|$)/.test(xml.slice(at + 2, at + 6)))
    fail(xml, at, 'XML declaration allowed only at the start of the document');
  return end;
}

function endOf(xml: string, terminator: string, from: number, what: string): number {
  const at = xml.indexOf(terminator, from);
  if (at < 0) fail(xml, from, `unterminated ${what}`);
  return at + terminator.length;
}

/** Reads `</name S? >` at `at`, pops the matching element; returns the position after it. */
function closeTag(xml: string, at: number, stack: Open[]): number {
  let p = at + 2;
  while (p < xml.length) {
    const c = xml.charCodeAt(p);
    if (c === GT || isSpace(c)) break;
    p++;
  }
  const name = xml.slice(at + 2, p);
  while (p < xml.length && isSpace(xml.charCodeAt(p))) p++;
  if (xml.charCodeAt(p) !== GT) fail(xml, at, `closing tag </${name}> not properly closed`);
  const open = stack.pop();
  if (open === undefined) fail(xml, at, `closing tag </${name}> without an open element`);
  if (open.element.name !== name) fail(xml, at, `expected </${open.element.name}> instead of </${name}>`);
  return p + 1;
}

/** Reads a start tag `<name (S attr="value")* S? /?>` at `at`. */
function startTag(
  xml: string,
  at: number,
  scope: ReadonlyMap<string, string>,
): { open: Open; selfClosing: boolean; end: number } {
  const length = xml.length;
  let p = at + 1;
  while (p < length) {
    const c = xml.charCodeAt(p);
    if (c === GT || c === SLASH || isSpace(c)) break;
    p++;
  }
  const name = xml.slice(at + 1, p);
  const facts = nameFacts.get(name);
  if (!facts.wellFormed) fail(xml, at, `invalid element name ${JSON.stringify(name.slice(0, 40))}`);
  if (facts.reserved) fail(xml, at, `reserved element name ${name}`);

  const attrs = new Map<string, string>();
  let inner: Map<string, string> | undefined;
  let selfClosing = false;
  for (;;) {
    const spaceFrom = p;
    while (p < length && isSpace(xml.charCodeAt(p))) p++;
    if (p >= length) fail(xml, at, `unterminated start tag <${name}>`);
    const c = xml.charCodeAt(p);
    if (c === GT) {
      p++;
      break;
    }
    if (c === SLASH) {
      if (xml.charCodeAt(p + 1) !== GT) fail(xml, p, `'/' inside the start tag <${name}>`);
      selfClosing = true;
      p += 2;
      break;
    }
    // XML 1.0 §3.1: attributes are separated from the name and from each other by white space.
    if (p === spaceFrom) fail(xml, p, `no white space before an attribute of <${name}>`);
    const nameStart = p;
    while (p < length) {
      const d = xml.charCodeAt(p);
      if (d === EQUALS || d === GT || d === SLASH || isSpace(d)) break;
      p++;
    }
    const attr = xml.slice(nameStart, p);
    const attrFacts = nameFacts.get(attr);
    if (!attrFacts.wellFormed || attrFacts.reserved)
      fail(xml, nameStart, `invalid attribute name ${JSON.stringify(attr.slice(0, 40))}`);
    while (p < length && isSpace(xml.charCodeAt(p))) p++;
    if (xml.charCodeAt(p) !== EQUALS) fail(xml, nameStart, `attribute ${attr} has no value`);
    p++;
    while (p < length && isSpace(xml.charCodeAt(p))) p++;
    const quote = xml.charCodeAt(p);
    if (quote !== DQUOTE && quote !== SQUOTE) fail(xml, p, `attribute ${attr} is not quoted`);
    const close = xml.indexOf(quote === DQUOTE ? '"' : "'", p + 1);
    if (close < 0) fail(xml, p, `attribute ${attr} has an open quote`);
    if (attrs.has(attr)) fail(xml, nameStart, `attribute ${attr} is repeated`);
    const value = decodeEntities(xml.slice(p + 1, close));
    attrs.set(attr, value);
    // xmlns and xmlns:p declarations open a new scope for this element and its descendants (Namespaces §6.1).
    if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
      inner ??= new Map(scope);
      inner.set(attr === 'xmlns' ? '' : attr.slice(6), value);
    }
    p = close + 1;
  }

  const nsScope = inner ?? scope;
  const { prefix, local, localLower } = facts;
  const element: XmlElement = {
    name,
    local,
    localLower,
    prefix,
    ns: nsScope.get(prefix) ?? '',
    attrs,
    children: [],
    text: '',
  };
  return { open: { element, scope: nsScope }, selfClosing, end: p };
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the XML 1.0 §4.6 predefined entities and character references in one pass (no double decoding). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));/g,
    (whole, dec, hex, named) => {
      if (typeof named === 'string') return PREDEFINED[named] ?? whole;
      const code = typeof dec === 'string' ? Number(dec) : parseInt(String(hex), 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}
