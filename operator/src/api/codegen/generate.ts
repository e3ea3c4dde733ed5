/**
 * Writes operator/src/api/generated/*.ts from crds/*.yaml (run through hack/gen-api-types.sh).
 * Kept apart from the renderer so that the drift test can render without touching files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';
import { renderCrdTypes, type CrdDocument } from './schema-to-ts.js';

/** The CRD files and the generated module each one becomes. */
export const GENERATED_API_FILES: readonly { crd: string; types: string }[] = [
  { crd: 'crds/siprec.io_siprecrecorders.yaml', types: 'operator/src/api/generated/siprec-recorder.ts' },
  { crd: 'crds/siprec.io_recordingpolicies.yaml', types: 'operator/src/api/generated/recording-policy.ts' },
];

/**
 * Renders one generated module exactly as it is committed (formatted with the repository's Prettier
 * settings).
 */
export async function renderApiTypes(repoRoot: string, crdPath: string, typesPath: string): Promise<string> {
  const crd = parse(await readFile(path.join(repoRoot, crdPath), 'utf8')) as CrdDocument;
  const source = renderCrdTypes(crd, crdPath);
  const options = (await resolveConfig(path.join(repoRoot, typesPath))) ?? {};
  return format(source, { ...options, parser: 'typescript' });
}

/** Regenerates every module of GENERATED_API_FILES under repoRoot. */
export async function generateApiTypes(repoRoot: string): Promise<string[]> {
  const written: string[] = [];
  for (const { crd, types } of GENERATED_API_FILES) {
    await writeFile(path.join(repoRoot, types), await renderApiTypes(repoRoot, crd, types));
    written.push(types);
  }
  return written;
}
