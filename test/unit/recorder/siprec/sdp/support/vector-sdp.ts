/**
 * Extracts every SDP body from the shared interop vectors: multipart bodies, full SIP messages, bare SDP, SDP
 * inside SIPp scenarios (with SIPp's `[keyword]` substitutions applied as SIPp would) and the RFC 7866 example
 * snippet (whose `...` elisions are dropped). Bodies come back in wire form (CRLF), as the SRC sends them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { vectorsDir } from './paths.js';

/** One SDP found in a vector file. */
export interface VectorSdp {
  /** File path relative to the vectors directory. */
  readonly file: string;
  /** Position of this SDP in its file, from 0. */
  readonly ordinal: number;
  /** `<file>#<ordinal>`. */
  readonly id: string;
  /** The SDP with CRLF line endings. */
  readonly sdp: string;
}

/** Values SIPp would put in; the addresses are from the documentation range (RFC 5737). */
const SIPP_KEYWORDS: Readonly<Record<string, number | string>> = {
  local_ip: '192.0.2.10',
  local_ip_type: '4',
  media_ip: '192.0.2.10',
  media_ip_type: '4',
  media_port: 6000,
  auto_media_port: 8000,
};

function substituteSipp(line: string): string {
  return line.replace(/\[([a-z_]+)(?:\+(\d+))?\]/g, (whole, name: string, plus?: string) => {
    const value = SIPP_KEYWORDS[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? String(value + Number(plus ?? 0)) : value;
  });
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else if (!/\.(md|csv|cfg|wav|pcap)$/i.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

const SDP_LINE = /^[a-z]=/;

/** SDPs of one file's text. */
export function extractSdps(text: string): string[] {
  const lines = text.split(/\r?\n/).map((line) => line.trimStart());
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^v=0\s*$/.test(lines[i] ?? '')) continue;
    const body: string[] = [];
    let j = i;
    for (; j < lines.length && SDP_LINE.test(lines[j] ?? ''); j += 1)
      body.push(substituteSipp(lines[j] ?? ''));
    bodies.push(`${body.join('\r\n')}\r\n`);
    i = j - 1;
  }
  if (bodies.length === 0) {
    // The RFC 7866 example quotes only parts of its SDP, after `Content-Type: application/SDP`, with `...` gaps.
    const start = lines.findIndex((line) => /^content-type:\s*application\/sdp\s*$/i.test(line));
    if (start >= 0) {
      const body: string[] = [];
      for (let j = start + 1; j < lines.length; j += 1) {
        const line = lines[j] ?? '';
        if (/^\.+$/.test(line)) continue;
        if (!SDP_LINE.test(line)) break;
        body.push(line);
      }
      if (body.some((line) => line.startsWith('m='))) bodies.push(`${body.join('\r\n')}\r\n`);
    }
  }
  return bodies;
}

/** Every SDP in the vectors directory, in file order. */
export function vectorSdps(): VectorSdp[] {
  const all: VectorSdp[] = [];
  for (const file of listFiles(vectorsDir)) {
    const sdps = extractSdps(readFileSync(path.join(vectorsDir, file), 'utf8'));
    sdps.forEach((sdp, ordinal) => all.push({ file, ordinal, id: `${file}#${ordinal}`, sdp }));
  }
  return all;
}

/** The SDPs of one vector file. */
export function vectorFile(file: string): string[] {
  return extractSdps(readFileSync(path.join(vectorsDir, file), 'utf8'));
}
