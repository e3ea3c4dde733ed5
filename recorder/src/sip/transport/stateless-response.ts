/**
 * A minimal stateless response built from a request's header section (RFC 3261 §8.2.6): the transport uses it
 * to answer a request whose framing is broken (400) before closing the connection. It only answers when that is
 * safe — a complete request header section with every header a response must copy — and never answers a
 * response or an ACK (§17.1.1.3: ACK gets no response).
 */

/** Headers a response copies from the request (§8.2.6.2), by full and compact name (§7.3.3). */
const COPIED: ReadonlyMap<string, string> = new Map([
  ['via', 'Via'],
  ['v', 'Via'],
  ['from', 'From'],
  ['f', 'From'],
  ['to', 'To'],
  ['t', 'To'],
  ['call-id', 'Call-ID'],
  ['i', 'Call-ID'],
  ['cseq', 'CSeq'],
]);

/** Request-Line (§7.1): Method SP Request-URI SP SIP-Version. */
const REQUEST_LINE = /^([A-Za-z]+) \S+ SIP\/2\.0$/;

/**
 * Builds `SIP/2.0 <status> <reason>` for the request whose header section is `header`, or returns undefined when
 * no response may or can be sent. `toTag` is added to To when the request's To has no tag (§8.2.6.2).
 */
export function buildStatelessResponse(
  header: Buffer,
  status: number,
  reason: string,
  toTag: string,
): Buffer | undefined {
  const lines = unfold(header.toString('latin1'));
  const requestLine = REQUEST_LINE.exec(lines[0]?.trim() ?? '');
  if (requestLine === null || requestLine[1]?.toUpperCase() === 'ACK') return undefined;
  const copied = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = COPIED.get(line.slice(0, colon).trim().toLowerCase());
    if (name === undefined) continue;
    const value = line.slice(colon + 1).trim();
    if (value.length === 0) return undefined;
    copied.set(name, [...(copied.get(name) ?? []), value]);
  }
  const out = [`SIP/2.0 ${status} ${reason}`];
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const values = copied.get(name);
    if (values === undefined) return undefined;
    if (name !== 'Via' && values.length !== 1) return undefined;
    for (let value of values) {
      if (name === 'To' && !/;\s*tag\s*=/i.test(value)) value += `;tag=${toTag}`;
      out.push(`${name}: ${value}`);
    }
  }
  out.push('Content-Length: 0', '', '');
  return Buffer.from(out.join('\r\n'), 'latin1');
}

/** Splits a header section into logical lines, joining folded continuation lines (§7.3.1). */
function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.length === 0) continue;
    if (/^[ \t]/.test(raw) && lines.length > 0) lines[lines.length - 1] += ' ' + raw.trim();
    else lines.push(raw);
  }
  return lines;
}
