/**
 * Splits a header value on `separator` where it is not inside a quoted string or a `<…>` URI
 * (RFC 3261 §7.3.1: list headers are comma-separated, but display names and URIs may contain commas;
 * §25.1: quoted-pair `\"` does not end a quoted string). An unterminated `<` (Metaswitch
 * `Contact: <sip:…;+sip.src`) keeps the rest of the value together rather than failing.
 * Linear in the input length. Empty elements are kept (as '') so callers decide what they mean.
 */
export function splitOutside(value: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (inQuotes) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inQuotes = false;
    } else if (inAngle) {
      if (ch === 0x3e /* > */) inAngle = false;
    } else if (ch === 0x22) {
      inQuotes = true;
    } else if (ch === 0x3c /* < */) {
      inAngle = true;
    } else if (ch === separator.charCodeAt(0)) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/**
 * Parses `;name=value;flag` generic parameters (RFC 3261 §25.1 generic-param) into a Map keyed by
 * lower-case name. A flag parameter (`;lr`, `;+sip.src`, `;rport`) maps to ''. Quoted values keep their
 * quotes removed. Whitespace around `;` and `=` is tolerated (LWS is allowed there).
 */
export function parseParams(segments: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const raw of segments) {
    const seg = raw.trim();
    if (seg === '') continue;
    const eq = seg.indexOf('=');
    const name = (eq < 0 ? seg : seg.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    let val = eq < 0 ? '' : seg.slice(eq + 1).trim();
    if (val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
    // First occurrence wins: a duplicated parameter must not let a later copy override, e.g., a tag.
    if (!params.has(name)) params.set(name, val);
  }
  return params;
}

/** Formats a parameter Map back to `;name=value;flag`. */
export function formatParams(params: ReadonlyMap<string, string>): string {
  let out = '';
  for (const [name, val] of params) {
    if (val === '') out += `;${name}`;
    // Values that are not a plain token/host (e.g. `+sip.instance="<urn:…>"`) go back in quotes.
    else if (/^[\w.!%*+`'~:\-[\]]+$/.test(val)) out += `;${name}=${val}`;
    else out += `;${name}="${val.replace(/["\\]/g, '\\$&')}"`;
  }
  return out;
}
