/** The operator's version, read from package.json on demand (no work at import time). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** package.json `version` (dist/operator/src/version.js → ../../../package.json). */
export function operatorVersion(): string {
  const file = fileURLToPath(new URL('../../../package.json', import.meta.url));
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
