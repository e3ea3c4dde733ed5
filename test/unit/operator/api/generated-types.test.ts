import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { GENERATED_API_FILES, renderApiTypes } from '../../../../operator/src/api/codegen/generate.js';
import { renderCrdTypes, SchemaCodegenError } from '../../../../operator/src/api/codegen/schema-to-ts.js';
import { repoRoot } from '../support/fixtures.js';

describe('operator API: TypeScript types generated from the CRDs', () => {
  for (const { crd, types } of GENERATED_API_FILES) {
    it(`${types} is what hack/gen-api-types.sh renders from ${crd}`, async function () {
      this.timeout(20_000);
      const committed = readFileSync(path.join(repoRoot, types), 'utf8');
      const rendered = await renderApiTypes(repoRoot, crd, types);
      expect(committed, 'the CRD changed: run hack/gen-api-types.sh').to.equal(rendered);
    });
  }

  it('makes defaulted fields required, the rest optional, and enums literal unions', () => {
    const source = renderCrdTypes(
      {
        spec: {
          group: 'example.io',
          names: { kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['size'],
                      properties: {
                        size: { type: 'integer', description: 'Size.' },
                        mode: { type: 'string', enum: ['a', 'b'], default: 'a', description: 'Mode.' },
                        note: { type: 'string', description: 'Note.' },
                        limits: {
                          type: 'object',
                          description: 'Limits.',
                          additionalProperties: { 'x-kubernetes-int-or-string': true, description: 'Q.' },
                        },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
      'crds/widget.yaml',
    );
    expect(source).to.contain("apiVersion: 'example.io/v1';");
    expect(source).to.contain('spec?: WidgetSpec;');
    expect(source).to.contain('size: number;');
    expect(source).to.contain('mode: "a" | "b";');
    expect(source).to.contain('note?: string;');
    expect(source).to.contain('limits?: Record<string, number | string>;');
  });

  it('refuses a schema without a usable type instead of guessing', () => {
    expect(() =>
      renderCrdTypes(
        {
          spec: {
            group: 'example.io',
            names: { kind: 'Widget' },
            versions: [
              {
                name: 'v1',
                schema: { openAPIV3Schema: { type: 'object', properties: { spec: { description: 'x' } } } },
              },
            ],
          },
        },
        'crds/widget.yaml',
      ),
    ).to.throw(SchemaCodegenError, /no usable type/);
  });
});
