/** Paths the SDP tests read from: our fixtures in the repo, and the shared interop vectors beside it. */
import { existsSync, readFileSync } from 'node:fs';
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

/** The repository root (the directory holding package.json), found from this compiled file. */
export const repoRoot = findRepoRoot();

/** The shared SIPREC vectors (never copied into the repo). */
export const vectorsDir = path.resolve(repoRoot, '../shared/interop/vectors');

/** Reads one of our SDP fixtures, as stored (LF line endings). */
export function fixture(name: string): string {
  return readFileSync(path.join(repoRoot, 'test/fixtures/sdp', name), 'utf8');
}

/** Reads a fixture and puts it in wire form (CRLF), as an SRC sends it. */
export function wireFixture(name: string): string {
  return fixture(name).replace(/\r?\n/g, '\r\n');
}
