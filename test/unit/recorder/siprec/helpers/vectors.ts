/**
 * Access to the real SRC vectors in ../shared/interop/vectors (never copied into the repo, see its INDEX.md):
 * raw files, the boundary of `*.multipart.txt` bodies, and the messages embedded in `*.sipp.xml` scenarios and
 * `*.sip` captures, split into headers and body the way SIPp would send them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

/** Absolute path of the vectors directory. */
export const VECTORS_DIR = path.resolve(findRepoRoot(), '../shared/interop/vectors');
/** Absolute path of our own fixtures. */
export const FIXTURES_DIR = path.resolve(findRepoRoot(), 'test/fixtures/siprec');

/** Names of the top-level vector files ending in `suffix`. */
export function vectorNames(suffix: string): string[] {
  return readdirSync(VECTORS_DIR)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export function readVector(name: string): Buffer {
  return readFileSync(path.join(VECTORS_DIR, name));
}

export function readFixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, name));
}

/** INDEX.md: the boundary of a `*.multipart.txt` body is its first `--xxx` line. */
export function boundaryOf(body: Buffer): string {
  const match = /^--(\S+?)[ \t]*\r?$/m.exec(body.toString('latin1'));
  if (!match) throw new Error('no boundary line');
  return match[1]!;
}

/** A SIP message taken from a capture or a scenario. */
export interface VectorMessage {
  startLine: string;
  /** Lower-case header name → values in order. */
  headers: Map<string, string[]>;
  body: Buffer;
}

/** First value of a header, by any of its names (full and compact). */
export function header(msg: VectorMessage, ...names: string[]): string | undefined {
  for (const name of names) {
    const values = msg.headers.get(name);
    if (values !== undefined && values.length > 0) return values[0];
  }
  return undefined;
}

/** Splits a message at the first blank line; header lines may be folded (RFC 3261 §7.3.1). */
export function splitMessage(text: string): VectorMessage {
  const lines = text.split(/\r?\n/);
  const blank = lines.findIndex((l) => l === '');
  const head = blank < 0 ? lines : lines.slice(0, blank);
  const bodyText = blank < 0 ? '' : text.slice(indexAfterLine(text, blank));
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of head.slice(1)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      const values = headers.get(last)!;
      values[values.length - 1] = `${values[values.length - 1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(last) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(last, values);
  }
  return { startLine: head[0] ?? '', headers, body: Buffer.from(bodyText, 'latin1') };
}

function indexAfterLine(text: string, lineIndex: number): number {
  let at = 0;
  for (let i = 0; i <= lineIndex; i++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at;
}

/** A `*.sip` capture. */
export function sipVector(name: string): VectorMessage {
  return splitMessage(readVector(name).toString('latin1'));
}

/**
 * SIPp's `[fieldN file="x.csv"]` injection: field N of the first data line of the CSV (kept next to the MiaRec
 * scenarios), with its `%0Nd` counter at zero — what the first call of a SIPp run sends.
 */
function injectFields(text: string): string {
  return text.replace(/\[field(\d+) file="([^"]+)"\]/g, (_, index: string, file: string) => {
    const csv = readFileSync(path.join(VECTORS_DIR, 'miarec-sipp-siprec-rest/scenarios', file), 'latin1');
    const line =
      csv
        .split(/\r?\n/)
        .slice(1)
        .find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
    const field = line.split(';')[Number(index)] ?? '';
    return field.replace(/%0?(\d*)d/g, (_m, width: string) => '0'.repeat(Number(width || '1')));
  });
}

/**
 * The messages of the `<send>` blocks of a SIPp scenario. SIPp strips the leading white space of every line of a
 * `<send>` block and drops leading and trailing blank lines (INDEX.md); CSV fields are injected as SIPp would,
 * other keywords like `[call_id]` stay as text.
 */
export function sippMessages(file: string): VectorMessage[] {
  const xml = injectFields(
    readFileSync(path.isAbsolute(file) ? file : path.join(VECTORS_DIR, file), 'latin1'),
  );
  const out: VectorMessage[] = [];
  const sendBlock = /<send\b[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/send>/g;
  for (let m = sendBlock.exec(xml); m !== null; m = sendBlock.exec(xml)) {
    const lines = m[1]!.split(/\r?\n/).map((l) => l.replace(/^[ \t]+/, ''));
    while (lines.length > 0 && lines[0] === '') lines.shift();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    out.push(splitMessage(lines.join('\r\n') + '\r\n'));
  }
  return out;
}

/** The `a=label` of each m-line of an SDP, `undefined` for an m-line without one (RFC 4574). */
export function sdpLabels(sdp: string): (string | undefined)[] {
  const labels: (string | undefined)[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) labels.push(undefined);
    else if (line.startsWith('a=label:') && labels.length > 0)
      labels[labels.length - 1] = line.slice(8).trim();
  }
  return labels;
}

/** Converts LF line endings to CRLF (the on-the-wire form of the LF-only captures). */
export function toCrlf(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
