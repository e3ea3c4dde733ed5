/**
 * Fixtures for the transport tests: our own files under test/fixtures/sip-transport and the shared real-world
 * vectors (read in place, never copied), with Content-Length recomputed because captures often carry stale ones.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/support/sip-transport/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** One of our fixture files, as bytes. */
export function loadFixture(name: string): Buffer {
  return readFileSync(resolve(repoRoot, 'test/fixtures/sip-transport', name));
}

/** A shared interop vector with its Content-Length made true. */
export function loadVector(name: string): Buffer {
  return withTrueContentLength(readFileSync(resolve(repoRoot, '../shared/interop/vectors', name)));
}

/** The full SIPREC INVITEs of the shared vectors: one LF-only (Oracle), one CRLF (AudioCodes, Via alias). */
export const FULL_INVITES = [
  'vorpal-oracle-genesys-4stream-invite.sip',
  'gotest-audiocodes-mediant-ve-7.20A-full-invite.sip',
] as const;

/**
 * Rewrites the Content-Length header (full or compact form) to the real body length, keeping the message's line
 * endings (CRLF or LF-only).
 */
export function withTrueContentLength(message: Buffer): Buffer {
  const text = message.toString('latin1');
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const useLf = crlf < 0 || (lf >= 0 && lf < crlf);
  const split = useLf ? lf : crlf;
  if (split < 0) throw new Error('fixture has no end of headers');
  const sep = useLf ? '\n\n' : '\r\n\r\n';
  const head = text.slice(0, split);
  const body = text.slice(split + sep.length);
  const fixed = head.replace(
    /^(content-length|l)([ \t]*:[ \t]*)\S*/gim,
    `$1$2${Buffer.byteLength(body, 'latin1')}`,
  );
  return Buffer.from(fixed + sep + body, 'latin1');
}

/** A request of `bodyBytes` body bytes with a correct Content-Length (for large-message tests). */
export function bigMessage(bodyBytes: number, callId = 'big-1@198.51.100.7'): Buffer {
  const body = Buffer.alloc(bodyBytes);
  for (let i = 0; i < bodyBytes; i++) body[i] = 0x61 + (i % 26);
  const head =
    'MESSAGE sip:srs@127.0.0.1 SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-big\r\n' +
    'From: <sip:src@127.0.0.1>;tag=big\r\n' +
    'To: <sip:srs@127.0.0.1>\r\n' +
    `Call-ID: ${callId}\r\n` +
    'CSeq: 1 MESSAGE\r\n' +
    'Content-Type: text/plain\r\n' +
    `Content-Length: ${bodyBytes}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A deterministic PRNG (mulberry32) for chunk sizes, so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
