/**
 * Every initial INVITE of the shared SRC vectors (../shared/interop/vectors, read in place, never copied), turned
 * into bytes to put on the wire at the test's recorder:
 * - `*.multipart.txt` bodies wrapped in an INVITE of the SRC's shape (multipart/mixed with the body's first
 *   boundary line, `Require: siprec`, Contact with `+sip.src`);
 * - `*.sip` captures with Request-URI, Via and Call-ID pointed at the test, quirks kept (double spaces, From
 *   without angle brackets), headers a template lacks added;
 * - the first INVITE `<send>` of every SIPp scenario, with SIPp's keywords substituted and per-line indentation
 *   stripped as SIPp does.
 * Content-Length is recomputed unless asked not to, and the whole message can be sent CRLF or LF-only.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { VECTORS_DIR } from './recorder-process.js';
import { token, withContentLength, type ClientTransport } from './sip-client.js';

export type VectorKind = 'multipart' | 'sip' | 'sipp';
export type LineEnding = 'crlf' | 'lf';

export interface BuildContext {
  readonly transport: ClientTransport;
  readonly lineEnding: LineEnding;
  /** The recorder's SIP port. */
  readonly remotePort: number;
  /** Our socket's port (Via, Contact). */
  readonly localPort: number;
  readonly callId: string;
  /** Keep the vector's own Content-Length (for the truncated Ribbon capture). */
  readonly keepContentLength?: boolean;
}

export interface VectorInvite {
  /** Path relative to the vectors folder. */
  readonly id: string;
  readonly kind: VectorKind;
  build(ctx: BuildContext): Buffer;
}

const SIPP_SUBFOLDER = 'miarec-sipp-siprec-rest/scenarios';

/** Every vector INVITE, multipart bodies first, then captures, then scenarios (sorted within each kind). */
export function vectorInvites(): VectorInvite[] {
  const top = readdirSync(VECTORS_DIR).sort();
  const out: VectorInvite[] = [];
  for (const name of top.filter((n) => n.endsWith('.multipart.txt'))) out.push(multipartInvite(name));
  for (const name of top.filter((n) => n.endsWith('.sip'))) out.push(sipInvite(name));
  const scenarios = [
    ...top.filter((n) => n.endsWith('.sipp.xml')),
    ...walk(join(VECTORS_DIR, SIPP_SUBFOLDER))
      .filter((p) => p.endsWith('.xml'))
      .map((p) => relative(VECTORS_DIR, p))
      .sort(),
  ];
  for (const id of scenarios) {
    const invite = firstSippInvite(readFileSync(join(VECTORS_DIR, id), 'latin1'));
    if (invite !== undefined) out.push(sippInvite(id, invite));
  }
  return out;
}

/** Scenario files (relative ids) that send no INVITE: SRS-side scenarios. */
export function scenariosWithoutInvite(): string[] {
  const top = readdirSync(VECTORS_DIR).filter((n) => n.endsWith('.sipp.xml'));
  return top.filter((id) => firstSippInvite(readFileSync(join(VECTORS_DIR, id), 'latin1')) === undefined);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function finish(text: string, ctx: BuildContext): Buffer {
  const normalised = text.replace(/\r?\n/g, ctx.lineEnding === 'crlf' ? '\r\n' : '\n');
  return ctx.keepContentLength ? Buffer.from(normalised, 'latin1') : withContentLength(normalised);
}

const branch = (): string => `z9hG4bK${token()}`;

function multipartInvite(name: string): VectorInvite {
  const body = readFileSync(join(VECTORS_DIR, name), 'latin1');
  const boundary = /^--(\S+?)[ \t]*\r?$/m.exec(body)?.[1];
  if (boundary === undefined) throw new Error(`${name}: no boundary line`);
  return {
    id: name,
    kind: 'multipart',
    build(ctx) {
      const t = ctx.transport.toUpperCase();
      const head = [
        `INVITE sip:srs@127.0.0.1:${ctx.remotePort} SIP/2.0`,
        `Via: SIP/2.0/${t} 127.0.0.1:${ctx.localPort};branch=${branch()};rport`,
        'Max-Forwards: 70',
        `From: <sip:src@127.0.0.1>;tag=${token()}`,
        `To: <sip:srs@127.0.0.1:${ctx.remotePort}>`,
        `Call-ID: ${ctx.callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:src@127.0.0.1:${ctx.localPort};transport=${ctx.transport}>;+sip.src`,
        'Require: siprec',
        'Supported: timer, replaces',
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed;boundary=${boundary}`,
        'Content-Length: 0',
      ];
      return finish(`${head.join('\n')}\n\n${body}`, ctx);
    },
  };
}

/** A header line's name, lower-case, or undefined for a continuation/blank line. */
function headerName(line: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9._!%*+`'~-]*)[ \t]*:/.exec(line);
  return m?.[1]?.toLowerCase();
}

function sipInvite(name: string): VectorInvite {
  const text = readFileSync(join(VECTORS_DIR, name), 'latin1');
  const split = /\r?\n\r?\n/.exec(text);
  const head = split ? text.slice(0, split.index) : text;
  const body = split ? text.slice(split.index + split[0].length) : '';
  const [startLine = '', ...headerLines] = head.split(/\r?\n/);
  return {
    id: name,
    kind: 'sip',
    build(ctx) {
      const t = ctx.transport.toUpperCase();
      // Request-URI: same user part and parameters, our host and port.
      const requestUri = startLine.replace(
        /^INVITE sip:(?:([^@\s]+)@)?[^;\s]+/,
        (_m, user: string | undefined) => `INVITE sip:${user ? `${user}@` : ''}127.0.0.1:${ctx.remotePort}`,
      );
      const seen = new Set<string>();
      const lines = headerLines.map((line) => {
        const name = headerName(line);
        if (name !== undefined) seen.add(name);
        if (name === 'via' || name === 'v') {
          return line
            .replace(/SIP\/2\.0\/[A-Za-z]+[ \t]+[^;\s]+/, `SIP/2.0/${t} 127.0.0.1:${ctx.localPort}`)
            .replace(/branch=[^;\s]+/, `branch=${branch()}`);
        }
        if (name === 'call-id' || name === 'i') return line.replace(/:([ \t]*).*$/, `:$1${ctx.callId}`);
        return line;
      });
      // A template (Oracle's) lacks the dialog headers: add them as the SBC would.
      const added: string[] = [];
      if (!seen.has('via') && !seen.has('v'))
        added.push(`Via: SIP/2.0/${t} 127.0.0.1:${ctx.localPort};branch=${branch()};rport`);
      if (!seen.has('from') && !seen.has('f')) added.push(`From: sip:acmeSrc@127.0.0.1;tag=${token()}`);
      if (!seen.has('to') && !seen.has('t')) added.push(`To: <sip:127.0.0.1:${ctx.remotePort}>`);
      if (!seen.has('call-id') && !seen.has('i')) added.push(`Call-ID: ${ctx.callId}`);
      if (!seen.has('cseq')) added.push('CSeq: 1 INVITE');
      if (!seen.has('max-forwards')) added.push('Max-Forwards: 70');
      if (!seen.has('content-length') && !seen.has('l')) added.push('Content-Length: 0');
      return finish([requestUri, ...added, ...lines].join('\n') + '\n\n' + body, ctx);
    },
  };
}

/** The CDATA of the first `<send>` whose message is an INVITE, or undefined. */
export function firstSippInvite(xml: string): string | undefined {
  const sendBlock = /<send\b[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/send>/g;
  for (let m = sendBlock.exec(xml); m !== null; m = sendBlock.exec(xml)) {
    if (/^\s*INVITE\s/.test(m[1]!)) return m[1]!;
  }
  return undefined;
}

/** Plausible CSV fields: the first data line of the scenario folder's CSV, its counters at 1. */
export function csvField(file: string, index: number): string {
  const csv = readFileSync(join(VECTORS_DIR, SIPP_SUBFOLDER, file), 'latin1');
  const line =
    csv
      .split(/\r?\n/)
      .slice(1)
      .find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  const field = line.split(';')[index] ?? '';
  return field.replace(/%0?(\d*)d/g, (_m, width: string) => '1'.padStart(Number(width || '1'), '0'));
}

/** Values of SIPp keywords for the first call of a run (SIPp reference, "Keywords"). */
export function substituteSippKeywords(text: string, ctx: BuildContext): string {
  const mediaPort = 6000;
  const values: Record<string, string> = {
    local_ip: '127.0.0.1',
    local_ip_type: '4',
    media_ip: '127.0.0.1',
    media_ip_type: '4',
    local_port: String(ctx.localPort),
    remote_ip: '127.0.0.1',
    remote_port: String(ctx.remotePort),
    transport: ctx.transport.toUpperCase(),
    call_id: ctx.callId,
    pid: '4242',
    call_number: '1',
    cseq: '1',
    service: 'sipp',
    // Not a SIPp keyword: the loreste scenarios expect `-key caller <number>`.
    caller: '911',
    media_port: String(mediaPort),
    auto_media_port: String(mediaPort),
  };
  const out = text
    .replace(/\[field(\d+) file="([^"]+)"\]/g, (_m, i: string, file: string) => csvField(file, Number(i)))
    .replace(/\[branch\]/g, () => branch())
    .replace(/\[(auto_media_port|media_port)\+(\d+)\]/g, (_m, _k, n: string) => String(mediaPort + Number(n)))
    .replace(/\[([a-z_]+)\]/g, (whole, key: string) => values[key] ?? whole);
  return out;
}

/** SIPp strips leading white space of every line and leading/trailing blank lines of a `<send>`. */
function stripSippIndentation(cdata: string): string {
  const lines = cdata.split(/\r?\n/).map((l) => l.replace(/^[ \t]+/, ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n') + '\n';
}

function sippInvite(id: string, cdata: string): VectorInvite {
  const template = stripSippIndentation(cdata);
  return {
    id,
    kind: 'sipp',
    build(ctx) {
      const text = substituteSippKeywords(template, ctx);
      // SIPp computes [len] over the body after substitution; so does withContentLength (the line is replaced).
      const leftover = /\[[a-z_]+[^\]]*\]/.exec(text.replace(/\[len\]/g, ''));
      if (leftover && /^\[(peer_tag_param|last_)/.test(leftover[0]))
        throw new Error(`${id}: keyword ${leftover[0]} in an initial INVITE`);
      return finish(text, { ...ctx, keepContentLength: false });
    },
  };
}
