import { BoundedMemo } from './bounded-memo.js';
import { formatParams, parseParams, splitOutside } from './split.js';

/** A parsed From/To/Contact/Route value (RFC 3261 §20.10 name-addr / addr-spec plus header params). */
export interface NameAddr {
  /** Unquoted display name, if any. */
  readonly displayName?: string;
  /** The URI, without angle brackets (URI parameters stay in it). */
  readonly uri: string;
  /** Header parameters after the URI (`tag`, `expires`, `+sip.src`, `src`, …), lower-case names. */
  readonly params: Map<string, string>;
}

/**
 * Parses a name-addr or addr-spec leniently:
 * - `"Bob \"B\"" <sip:bob@h>;tag=1` — quoted display name with escapes;
 * - `Bob <sip:bob@h>` — token display name;
 * - `sip:acmeSrc@10.0.0.1;tag=x` — no angle brackets (Oracle): per RFC 3261 §20 the parameters after an
 *   addr-spec are header parameters, not URI parameters;
 * - `<sip:x@h;+sip.src` — unterminated `<` (Metaswitch): the rest is taken as the URI;
 * - `<sip:h;transport=tcp;+sip.src>` — the feature tag inside the URI (Avaya) stays in `uri`.
 * Never throws.
 */
export function parseNameAddr(input: string): NameAddr {
  const s = input.trim();
  let displayName: string | undefined;
  let i = 0;

  if (s.startsWith('"')) {
    let name = '';
    i = 1;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      name += s[i];
      i++;
    }
    displayName = name;
    i = Math.min(i + 1, s.length);
  }

  const lt = s.indexOf('<', i);
  // A `<` after the first `;` belongs to a parameter value, not to a name-addr.
  const firstSemi = s.indexOf(';', i);
  if (lt >= 0 && (firstSemi < 0 || lt < firstSemi)) {
    if (displayName === undefined) {
      const token = s.slice(i, lt).trim();
      if (token !== '') displayName = token;
    }
    const gt = s.indexOf('>', lt + 1);
    const uri = (gt < 0 ? s.slice(lt + 1) : s.slice(lt + 1, gt)).trim();
    const params = gt < 0 ? new Map<string, string>() : parseParams(splitOutside(s.slice(gt + 1), ';'));
    return displayName === undefined ? { uri, params } : { displayName, uri, params };
  }

  const [uri = '', ...paramParts] = splitOutside(s.slice(i), ';');
  const params = parseParams(paramParts);
  return displayName === undefined ? { uri: uri.trim(), params } : { displayName, uri: uri.trim(), params };
}

/** Formats a name-addr, always with angle brackets (RFC 3261 §20.10 requires them when params follow). */
export function formatNameAddr(addr: NameAddr): string {
  const name =
    addr.displayName === undefined || addr.displayName === ''
      ? ''
      : `"${addr.displayName.replace(/["\\]/g, '\\$&')}" `;
  return `${name}<${addr.uri}>${formatParams(addr.params)}`;
}

/** The `tag` parameter of a From/To value (RFC 3261 §19.3), or undefined. */
export function getTag(nameAddrValue: string | undefined): string | undefined {
  return nameAddrValue === undefined ? undefined : TAGS.get(nameAddrValue);
}

/** From and To tags are asked for six to eight times per call (merge key, dialog id, ACK key, responses). */
const TAGS = new BoundedMemo((value: string): string | undefined => {
  const tag = parseNameAddr(value).params.get('tag');
  return tag === undefined || tag === '' ? undefined : tag;
});
