/** Loads operator fixtures (test/fixtures/operator) relative to the repository root. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root (this file is dist/test/unit/operator/support/fixtures.js once built). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** Path of a fixture. */
export function fixturePath(relative: string): string {
  return path.join(repoRoot, 'test/fixtures/operator', relative);
}

/** Parses a one-document YAML file under the repository root. */
export function loadYaml<T>(relativeToRepo: string): T {
  return parse(readFileSync(path.join(repoRoot, relativeToRepo), 'utf8')) as T;
}

/** Parses every document of a YAML file under the repository root. */
export function loadYamlDocuments<T>(relativeToRepo: string): T[] {
  return parseAllDocuments(readFileSync(path.join(repoRoot, relativeToRepo), 'utf8')).map(
    (d) => d.toJS() as T,
  );
}

/** Loads a fixture of test/fixtures/operator. */
export function loadFixture<T>(relative: string): T {
  return loadYaml<T>(path.join('test/fixtures/operator', relative));
}
