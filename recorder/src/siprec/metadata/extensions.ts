/**
 * Vendor extension data kept generically (RFC 7865 §6.9 `extensiondata`, and the unknown elements vendors put
 * elsewhere: Ribbon `callData` in `<group>`, NetSapiens directly under `<recording>`, Zaion `x_part_info`). Unknown
 * elements and unknown versions survive as JSON, so nothing the SRC said is lost on the way to storage.
 */
import type { MetadataExtension } from './types.js';
import { localOf } from './xml-query.js';
import type { XmlElement } from './xml-tree.js';

/**
 * Generic JSON of an element: text alone for a leaf without attributes; otherwise an object with attributes as
 * `@name`, children by local name (an array when repeated) and non-blank text as `#text`.
 */
export function elementToJson(el: XmlElement): unknown {
  const attrs = [...el.attrs].filter(([name]) => name !== 'xmlns' && !name.startsWith('xmlns:'));
  const text = el.text.trim();
  if (attrs.length === 0 && el.children.length === 0) return text;
  const out: Record<string, unknown> = {};
  for (const [name, value] of attrs) setOwn(out, `@${name}`, value);
  const groups = new Map<string, unknown[]>();
  for (const child of el.children) {
    const group = groups.get(child.local);
    if (group === undefined) groups.set(child.local, [elementToJson(child)]);
    else group.push(elementToJson(child));
  }
  for (const [key, values] of groups) setOwn(out, key, values.length === 1 ? values[0] : values);
  if (text !== '') setOwn(out, '#text', text);
  return out;
}

/** An own enumerable property even for names like `__proto__` (no prototype pollution from XML names). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Extension entries for the unknown children of an element. `<extensiondata>` wrappers are unwrapped: their
 * children are the extensions (an `extensiondata` with only text is kept as it is).
 */
export function collectExtensions(
  scope: MetadataExtension['scope'],
  ownerId: string | undefined,
  unknown: XmlElement[],
): MetadataExtension[] {
  const out: MetadataExtension[] = [];
  for (const el of unknown) {
    const items = localOf(el) === 'extensiondata' && el.children.length > 0 ? el.children : [el];
    for (const item of items) {
      const entry: MetadataExtension = { scope, name: item.local, value: elementToJson(item) };
      if (ownerId !== undefined) entry.ownerId = ownerId;
      if (item.ns !== '') entry.namespace = item.ns;
      out.push(entry);
    }
  }
  return out;
}
