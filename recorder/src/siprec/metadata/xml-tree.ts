/**
 * A small, namespace-aware element tree built from fast-xml-parser's ordered output. Elements are found by local
 * name everywhere in this module (INTEROP.md §3.1: five dialects, prefixes or none), so each element records its
 * local name and resolved namespace URI once.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One XML element. */
export interface XmlElement {
  /** Qualified name as written (`tns:participant`). */
  name: string;
  /** Local name (`participant`). */
  local: string;
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

type OrderedNode = Record<string, unknown>;

/** Key under which fast-xml-parser reports CDATA sections, so they escape entity decoding. */
const CDATA = '#cdata';

/**
 * Well-formedness check (fast-xml-parser's validator), then a parse into {@link XmlElement}s. The caller has
 * already rejected DTDs and bounded size and depth (see xml-guard.ts), so no entity expansion can happen here:
 * entities are off in the parser and only the five predefined ones and character references are decoded.
 */
export function parseXmlTree(xml: string): XmlTreeResult {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return { ok: false, error: `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` };
  }
  let ordered: unknown;
  try {
    ordered = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: false,
      processEntities: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      cdataPropName: CDATA,
    }).parse(xml);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const roots = (Array.isArray(ordered) ? (ordered as OrderedNode[]) : []).filter(
    (node) => elementName(node) !== undefined,
  );
  if (roots.length !== 1) return { ok: false, error: `${roots.length} root elements` };
  return { ok: true, root: toElement(roots[0]!, new Map()) };
}

/** The tag name of an ordered node, or `undefined` for text, comments and declarations. */
function elementName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) {
    if (key !== ':@' && key !== '#text' && key !== CDATA && !key.startsWith('?')) return key;
  }
  return undefined;
}

function toElement(node: OrderedNode, scope: ReadonlyMap<string, string>): XmlElement {
  const name = elementName(node)!;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  const attrs = new Map<string, string>();
  let inner: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(rawAttrs)) {
    const decoded = decodeEntities(typeof value === 'string' ? value : String(value));
    attrs.set(key, decoded);
    // xmlns and xmlns:p declarations open a new scope for this element and its descendants.
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      inner ??= new Map(scope);
      inner.set(key === 'xmlns' ? '' : key.slice(6), decoded);
    }
  }
  const nsScope = inner ?? scope;
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const element: XmlElement = {
    name,
    local: colon < 0 ? name : name.slice(colon + 1),
    prefix,
    ns: nsScope.get(prefix) ?? '',
    attrs,
    children: [],
    text: '',
  };
  const content = node[name];
  for (const child of Array.isArray(content) ? (content as OrderedNode[]) : []) {
    if (typeof child['#text'] === 'string' || typeof child['#text'] === 'number') {
      element.text += decodeEntities(String(child['#text']));
    } else if (Array.isArray(child[CDATA])) {
      for (const piece of child[CDATA] as OrderedNode[]) {
        if (typeof piece['#text'] === 'string') element.text += piece['#text'];
      }
    } else if (elementName(child) !== undefined) {
      element.children.push(toElement(child, nsScope));
    }
  }
  return element;
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
