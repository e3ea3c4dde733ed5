/**
 * Repairs the ill-formed XML that production SBCs send (INTEROP.md §3.2), so that a strict parser accepts it:
 *
 * - a bare `&` in text or attribute values (Cisco CUBE `<name>DENVER CITY&CNT</name>`) becomes `&amp;` unless it
 *   starts an entity or character reference;
 * - a `<` that does not open markup (Oracle `<apkt:request-uri><sip:record=…></apkt:request-uri>`) becomes `&lt;`:
 *   markup is `</`, `<!`, `<?`, or a name followed by white space, `>` or `/`, and a name that is a URI scheme
 *   (`sip:`, `tel:`…) never opens an element;
 * - an unquoted attribute value (`xmlns:apkt=http://…`, seen in a harness imitating Oracle) gets quoted.
 *
 * Comments, CDATA sections and processing instructions are copied untouched; any other `<!` (a `<!{CDATA{` hack
 * seen in a SIPp scenario) is text. DTDs never get here (xml-guard.ts refuses them). Runs in one linear pass.
 */

/** Result of {@link sanitiseXml}. */
export interface SanitiseResult {
  text: string;
  /** What was repaired, one entry per kind (empty when nothing was changed). */
  repairs: string[];
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.-]/;
/** URI schemes seen inside metadata text: `<sip:…>` is a URI in angle brackets, not an element. */
const URI_SCHEME_NAME = /^(?:sips?|tel|https?|urn|mailto|pres|im):/i;
const ENTITY_AHEAD = /^&(?:[A-Za-z_][A-Za-z0-9_.-]*|#[0-9]+|#x[0-9A-Fa-f]+);/;

/** Applies the repairs above. The output is unchanged when the input needed none. */
export function sanitiseXml(xml: string): SanitiseResult {
  const counts = { amp: 0, lt: 0, quoted: 0 };
  let out = '';
  let i = 0;
  const copyUntil = (terminator: string): void => {
    const end = xml.indexOf(terminator, i);
    const stop = end < 0 ? xml.length : end + terminator.length;
    out += xml.slice(i, stop);
    i = stop;
  };
  while (i < xml.length) {
    const ch = xml[i]!;
    if (ch === '&') {
      out += escapeAmp(xml, i, counts);
      i++;
    } else if (ch !== '<') {
      out += ch;
      i++;
    } else if (xml.startsWith('<!--', i)) {
      copyUntil('-->');
    } else if (xml.startsWith('<![CDATA[', i)) {
      copyUntil(']]>');
    } else if (xml[i + 1] === '?' || xml[i + 1] === '/') {
      copyUntil('>');
    } else {
      const tag = readStartTag(xml, i, counts);
      if (tag === undefined) {
        out += '&lt;';
        counts.lt++;
        i++;
      } else {
        out += tag.text;
        i = tag.end;
      }
    }
  }
  const repairs: string[] = [];
  if (counts.amp > 0) repairs.push(`${counts.amp} bare '&' escaped`);
  if (counts.lt > 0) repairs.push(`${counts.lt} '<' in text escaped`);
  if (counts.quoted > 0) repairs.push(`${counts.quoted} unquoted attribute value(s) quoted`);
  return { text: out, repairs };
}

function escapeAmp(xml: string, at: number, counts: { amp: number }): string {
  if (ENTITY_AHEAD.test(xml.slice(at, at + 16))) return '&';
  counts.amp++;
  return '&amp;';
}

/**
 * Reads a start tag at `at` and returns its repaired text, or `undefined` when the `<` does not open an element
 * (then it is text and gets escaped by the caller).
 */
function readStartTag(
  xml: string,
  at: number,
  counts: { amp: number; quoted: number },
): { text: string; end: number } | undefined {
  let p = at + 1;
  if (!NAME_START.test(xml[p] ?? '')) return undefined;
  while (p < xml.length && NAME_CHAR.test(xml[p]!)) p++;
  const name = xml.slice(at + 1, p);
  const after = xml[p] ?? '';
  if (URI_SCHEME_NAME.test(name) || !(after === '>' || after === '/' || /\s/.test(after))) return undefined;

  let text = `<${name}`;
  for (;;) {
    const ws = /^\s*/.exec(xml.slice(p, p + 256))![0];
    text += ws;
    p += ws.length;
    if (p >= xml.length) return { text, end: p };
    if (xml[p] === '>') return { text: `${text}>`, end: p + 1 };
    if (xml.startsWith('/>', p)) return { text: `${text}/>`, end: p + 2 };
    const attrStart = p;
    while (p < xml.length && !/[\s=/>]/.test(xml[p]!)) p++;
    if (p === attrStart) {
      // A stray '/' or '=' inside the tag: keep it, the strict parser will judge.
      text += xml[p]!;
      p++;
      continue;
    }
    text += xml.slice(attrStart, p);
    const eqWs = /^\s*=\s*/.exec(xml.slice(p, p + 256));
    if (eqWs === null) continue;
    text += '=';
    p += eqWs[0].length;
    const quote = xml[p];
    if (quote === '"' || quote === "'") {
      const close = xml.indexOf(quote, p + 1);
      const stop = close < 0 ? xml.length : close;
      text += quote + escapeValueAmps(xml.slice(p + 1, stop), counts) + (close < 0 ? '' : quote);
      p = close < 0 ? stop : close + 1;
      continue;
    }
    let valueEnd = p;
    while (valueEnd < xml.length && !/[\s>]/.test(xml[valueEnd]!)) valueEnd++;
    // `<a x=y/>`: the '/' closes the tag rather than ending the value.
    if (xml[valueEnd] === '>' && xml[valueEnd - 1] === '/' && valueEnd - 1 > p) valueEnd--;
    const value = xml.slice(p, valueEnd);
    text += `"${escapeValueAmps(value, counts).replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`;
    counts.quoted++;
    p = valueEnd;
  }
}

function escapeValueAmps(value: string, counts: { amp: number }): string {
  let out = '';
  for (let i = 0; i < value.length; i++) out += value[i] === '&' ? escapeAmp(value, i, counts) : value[i];
  return out;
}
