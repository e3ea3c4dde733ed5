/**
 * What INTEROP §5 requires of the SRS's answer to a recording INVITE, checked from the outside: the offer is read
 * from the INVITE as sent (our own small reader, not the recorder's parser), the answer from the 200 OK.
 */
import type { SipMessageIn } from './sip-client.js';
import { headerOf, parseSipMessage } from './sip-client.js';

export interface OfferedLine {
  readonly kind: string;
  readonly port: number;
  readonly protocol: string;
  readonly label: string | undefined;
  readonly direction: 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';
  /** c=0.0.0.0 (RFC 3264 §8.4 hold). */
  readonly held: boolean;
  /** Upper-case encoding names of the formats (static payload types resolved). */
  readonly codecs: readonly string[];
  readonly cryptoKeys: readonly string[];
}

/** Codecs the recorder can take (INTEROP §6 minimum set): a stream offering one of them is recorded. */
const RECORDABLE = new Set(['PCMU/8000', 'PCMA/8000', 'G722/8000', 'G729/8000', 'OPUS/48000']);
const STATIC: Readonly<Record<string, string>> = {
  '0': 'PCMU/8000',
  '8': 'PCMA/8000',
  '9': 'G722/8000',
  '18': 'G729/8000',
};

/** Splits a multipart body on its declared boundary (RFC 2046 §5.1.1) into parts with their headers. */
function parts(body: string, boundary: string): { headers: string; content: string }[] {
  const delimiter = new RegExp(`^--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*\\r?$`, 'm');
  const chunks = body.split(delimiter).filter((c, i) => i % 2 === 0 && c !== undefined);
  return chunks.slice(1).map((chunk) => {
    const text = chunk.replace(/^\r?\n/, '');
    const blank = /\r?\n\r?\n/.exec(text);
    return blank
      ? { headers: text.slice(0, blank.index), content: text.slice(blank.index + blank[0].length) }
      : { headers: text, content: '' };
  });
}

/** The SDP and metadata parts of a request body, found the way INTEROP §2 describes. */
export function bodyParts(request: Buffer): { sdp: string | undefined; metadata: string | undefined } {
  const msg = parseSipMessage(request);
  const type = headerOf(msg, 'content-type') ?? '';
  const body = msg.body.toString('latin1');
  if (/^application\/sdp/i.test(type)) return { sdp: body, metadata: undefined };
  if (/^application\/rs-metadata/i.test(type)) return { sdp: undefined, metadata: body };
  const boundary = /boundary\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1];
  if (!boundary) return { sdp: undefined, metadata: undefined };
  let sdp: string | undefined;
  let metadata: string | undefined;
  for (const part of parts(body, boundary)) {
    if (/content-type\s*:\s*application\/sdp/i.test(part.headers)) sdp ??= part.content;
    else if (/rs-metadata|recording-session/i.test(part.headers)) metadata ??= part.content;
  }
  return { sdp, metadata };
}

/** The m-lines of an SDP with what the answer depends on. */
export function offeredLines(sdp: string): OfferedLine[] {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim());
  const sessionHeld = lines.slice(0, lines.findIndex((l) => l.startsWith('m=')) >>> 0).some(isHoldAddress);
  const sessionDirection = directionIn(
    lines.slice(
      0,
      Math.max(
        0,
        lines.findIndex((l) => l.startsWith('m=')),
      ),
    ),
  );
  const out: OfferedLine[] = [];
  let i = lines.findIndex((l) => l.startsWith('m='));
  while (i >= 0 && i < lines.length) {
    const end = lines.findIndex((l, j) => j > i && l.startsWith('m='));
    const block = lines.slice(i, end < 0 ? lines.length : end);
    const [kind = '', port = '0', protocol = '', ...formats] = block[0]!.slice(2).split(/\s+/);
    const rtpmaps = new Map<string, string>();
    for (const l of block) {
      const m = /^a=rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/.exec(l);
      if (m) rtpmaps.set(m[1]!, `${m[2]!.toUpperCase()}/${m[3]}`);
    }
    const hasConnection = block.some((l) => l.startsWith('c='));
    out.push({
      kind,
      port: Number(port),
      protocol,
      label: block
        .find((l) => l.startsWith('a=label:'))
        ?.slice(8)
        .trim(),
      direction: directionIn(block) ?? sessionDirection ?? 'sendrecv',
      held: hasConnection ? block.some(isHoldAddress) : sessionHeld,
      codecs: formats.map((pt) => rtpmaps.get(pt) ?? STATIC[pt] ?? `PT${pt}`),
      cryptoKeys: block
        .filter((l) => l.startsWith('a=crypto:'))
        .map((l) => /inline:([^|\s]+)/.exec(l)?.[1] ?? ''),
    });
    i = end;
  }
  return out;
}

function isHoldAddress(line: string): boolean {
  return /^c=IN IP4 0\.0\.0\.0\b/.test(line);
}

function directionIn(lines: readonly string[]): OfferedLine['direction'] | undefined {
  for (const l of lines) {
    const m = /^a=(sendonly|recvonly|sendrecv|inactive)$/.exec(l);
    if (m) return m[1] as OfferedLine['direction'];
  }
  return undefined;
}

/** Whether the recorder should record this m-line (and answer it with a real port). */
export function shouldRecord(line: OfferedLine): boolean {
  return (
    line.kind === 'audio' &&
    line.port !== 0 &&
    /^RTP\/S?AVPF?$/i.test(line.protocol) &&
    line.codecs.some((c) => RECORDABLE.has(c))
  );
}

/**
 * Every way the 200 OK to an INVITE with `offerSdp` breaks INTEROP §5; empty when it is right.
 * Checked: plain application/sdp; one m-line per offered m-line, same media, same order; `a=label` echoed
 * exactly when offered; only recvonly/inactive; port 0 exactly for what is not recorded; inactive for offered
 * inactive or held streams; a=crypto with a key of our own for SAVP.
 */
export function answerProblems(offerSdp: string, ok: SipMessageIn): string[] {
  const problems: string[] = [];
  const type = headerOf(ok, 'content-type') ?? '';
  if (!/^application\/sdp\s*(;|$)/i.test(type))
    problems.push(`Content-Type is "${type}", not application/sdp`);
  const answerText = ok.body.toString('latin1');
  const offered = offeredLines(offerSdp);
  const answered = offeredLines(answerText);
  if (answered.length !== offered.length)
    problems.push(`${answered.length} m-lines answered for ${offered.length} offered`);
  if (/^a=(sendrecv|sendonly)\s*$/m.test(answerText)) problems.push('answer has sendrecv or sendonly');
  for (const [i, offer] of offered.entries()) {
    const answer = answered[i];
    if (!answer) break;
    const at = `m-line ${i}`;
    if (answer.kind !== offer.kind) problems.push(`${at}: ${answer.kind} answers ${offer.kind}`);
    if (answer.label !== offer.label)
      problems.push(`${at}: label ${String(answer.label)} answers ${String(offer.label)}`);
    const recorded = shouldRecord(offer);
    if (recorded !== (answer.port !== 0))
      problems.push(`${at}: port ${answer.port} but the stream ${recorded ? 'is' : 'is not'} recordable`);
    if (answer.port !== 0) {
      const expected = offer.direction === 'inactive' || offer.held ? 'inactive' : 'recvonly';
      if (answer.direction !== expected) problems.push(`${at}: ${answer.direction}, expected ${expected}`);
      if (/SAVP/i.test(offer.protocol)) {
        if (answer.cryptoKeys.length !== 1)
          problems.push(`${at}: ${answer.cryptoKeys.length} a=crypto for SAVP`);
        if (answer.cryptoKeys.some((k) => offer.cryptoKeys.includes(k)))
          problems.push(`${at}: crypto key echoed`);
        if (answer.protocol !== offer.protocol)
          problems.push(`${at}: ${answer.protocol} answers ${offer.protocol}`);
      }
    } else if (!['inactive', 'sendrecv'].includes(answer.direction) && answer.direction !== 'recvonly') {
      problems.push(`${at}: rejected stream is ${answer.direction}`);
    }
  }
  return problems;
}

/** Participant identities a metadata document names (any dialect, INTEROP §3.1), for comparing with a sidecar. */
export function metadataParticipants(xml: string): { ids: string[]; aors: string[] } {
  const ids = new Set<string>();
  const aors = new Set<string>();
  const element =
    /<(?:[\w-]+:)?participant\b([^>]*)>([\s\S]*?)<\/(?:[\w-]+:)?participant>|<(?:[\w-]+:)?participant\b([^>]*)\/>/g;
  for (let m = element.exec(xml); m !== null; m = element.exec(xml)) {
    const attrs = m[1] ?? m[3] ?? '';
    const id = /\b(?:participant_id|id)\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1];
    if (id !== undefined) ids.add(id);
    const inner = m[2] ?? '';
    const aor =
      /<(?:[\w-]+:)?nameID\b[^>]*\baor\s*=\s*["']([^"']*)["']/i.exec(inner)?.[1] ??
      /<(?:[\w-]+:)?aor>\s*([^<]*?)\s*<\//.exec(inner)?.[1];
    if (aor !== undefined) aors.add(aor);
  }
  return { ids: [...ids], aors: [...aors] };
}
