#!/usr/bin/env bash
# Regenerates operator/src/api/generated/*.ts from crds/*.yaml (the CRDs are the source of truth for
# the API). test/unit/operator/api/generated-types.test.ts fails when the two drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install tsc -p tsconfig.json >/dev/null || true
node --input-type=module -e "
  const { generateApiTypes } = await import('./dist/operator/src/api/codegen/generate.js');
  for (const f of await generateApiTypes(process.cwd())) console.log('wrote', f);
"
