/**
 * Look-ups by local name, case-insensitive: the dialects disagree on prefixes (`tns:`), namespaces and even case
 * (`datamode` / `dataMode`), INTEROP.md §3.1.
 */
import { nameFacts, type XmlElement } from './xml-tree.js';

/** Lower-case local name of an element. */
export function localOf(el: XmlElement): string {
  return el.localLower;
}

/** Child elements with one of the given (lower-case) local names. */
export function childrenNamed(el: XmlElement, ...locals: string[]): XmlElement[] {
  return el.children.filter((c) => locals.includes(localOf(c)));
}

/** First child element with one of the given (lower-case) local names. */
export function childNamed(el: XmlElement, ...locals: string[]): XmlElement | undefined {
  return el.children.find((c) => locals.includes(localOf(c)));
}

/** Trimmed text of the first child with that local name; `undefined` when absent. */
export function childText(el: XmlElement, ...locals: string[]): string | undefined {
  const c = childNamed(el, ...locals);
  return c === undefined ? undefined : c.text.trim();
}

/**
 * The first attribute, in the order of `locals`, whose local name matches (prefix ignored, `xmlns` declarations
 * never match). `session_id` / `id` style alternatives are passed in preference order.
 */
export function attrOf(el: XmlElement, ...locals: string[]): string | undefined {
  for (const wanted of locals) {
    for (const [name, value] of el.attrs) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      if (nameFacts.get(name).localLower === wanted) return value;
    }
  }
  return undefined;
}
