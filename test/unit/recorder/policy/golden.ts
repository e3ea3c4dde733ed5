/** The operator's golden ConfigMap as the recorder's unit tests read it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../../support/recorder-process.js';

/** The policies.json of the operator's golden ConfigMap (what a real recorder pod reads). */
export function goldenPoliciesJson(): string {
  const text = readFileSync(join(REPO_ROOT, 'test/fixtures/operator/golden/sample-defaulted.yaml'), 'utf8');
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as { kind?: string; data?: Record<string, string> };
    const json = obj.kind === 'ConfigMap' ? obj.data?.['policies.json'] : undefined;
    if (json !== undefined) return json;
  }
  throw new Error('no policies.json in the golden ConfigMap');
}
