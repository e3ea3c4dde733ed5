/**
 * Renders the TypeScript types of a CustomResourceDefinition from its structural OpenAPI schema.
 *
 * crds/*.yaml is the single source of truth for the API (DESIGN.md §2): hack/gen-api-types.sh writes
 * operator/src/api/generated/ with this function, and a unit test re-renders it and fails when the
 * committed types drift from the YAML.
 *
 * Typing rules: a field is required when the schema lists it in `required` or gives it a `default`
 * (every object the operator reads has been defaulted by the API server); an object schema becomes a
 * named interface (parent name + field name, array items singularised), enums become string-literal
 * unions, int-or-string becomes `number | string`, preserved-unknown objects `Record<string, unknown>`.
 */

/** The subset of OpenAPI v3 a structural CRD schema uses. */
export interface StructuralSchema {
  type?: string;
  description?: string;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema | boolean;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** The parts of a CustomResourceDefinition the generator reads. */
export interface CrdDocument {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; storage?: boolean; schema?: { openAPIV3Schema?: StructuralSchema } }[];
  };
}

/** Error thrown when a CRD cannot be turned into types (e.g. two schemas would get the same name). */
export class SchemaCodegenError extends Error {
  readonly code = 'OPERATOR_SCHEMA_CODEGEN';
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function singular(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (name.endsWith('s') && !name.endsWith('ss')) return name.slice(0, -1);
  return `${name}Item`;
}

function jsDoc(schema: StructuralSchema, indent: string): string {
  const lines: string[] = [];
  if (schema.description) lines.push(...schema.description.trim().split('\n'));
  if (schema.default !== undefined) lines.push(`@default ${JSON.stringify(schema.default)}`);
  if (lines.length === 0) return '';
  const body = lines.map((l) => `${indent} * ${l.replace(/\*\//g, '*\\/')}`.trimEnd()).join('\n');
  return `${indent}/**\n${body}\n${indent} */\n`;
}

class Renderer {
  readonly #interfaces: string[] = [];
  readonly #names = new Set<string>();

  declare(name: string, schema: StructuralSchema, extraFields: string[] = []): void {
    if (this.#names.has(name)) throw new SchemaCodegenError(`two schemas map to the type name ${name}`);
    this.#names.add(name);
    // Reserve the slot first so that a parent interface is printed above its children.
    const slot = this.#interfaces.length;
    this.#interfaces.push('');
    const required = new Set(schema.required ?? []);
    const fields: string[] = [...extraFields];
    for (const [field, child] of Object.entries(schema.properties ?? {})) {
      const optional = !required.has(field) && child.default === undefined;
      const key = IDENTIFIER.test(field) ? field : JSON.stringify(field);
      const type = this.typeOf(child, name + pascal(field), name + pascal(singular(field)));
      fields.push(`${jsDoc(child, '  ')}  ${key}${optional ? '?' : ''}: ${type};`);
    }
    this.#interfaces[slot] = `${jsDoc(schema, '')}export interface ${name} {\n${fields.join('\n')}\n}\n`;
  }

  typeOf(schema: StructuralSchema, objectName: string, itemName: string): string {
    if (schema['x-kubernetes-int-or-string']) return 'number | string';
    if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
    switch (schema.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        if (!schema.items) throw new SchemaCodegenError(`array ${objectName} has no items schema`);
        const inner = this.typeOf(schema.items, itemName, `${itemName}Item`);
        return /[ |]/.test(inner) ? `(${inner})[]` : `${inner}[]`;
      }
      case 'object': {
        if (schema.properties) {
          this.declare(objectName, schema);
          return objectName;
        }
        if (typeof schema.additionalProperties === 'object') {
          return `Record<string, ${this.typeOf(schema.additionalProperties, `${objectName}Value`, `${objectName}Item`)}>`;
        }
        return 'Record<string, unknown>';
      }
      default:
        throw new SchemaCodegenError(`schema ${objectName} has no usable type`);
    }
  }

  render(header: string): string {
    return `${header}\n${this.#interfaces.join('\n')}`;
  }
}

/**
 * Renders the TypeScript module for one CRD: the kind's interface (apiVersion, kind, metadata, spec,
 * status) and one interface per nested object schema.
 * @param crd the parsed CRD document
 * @param sourcePath repository-relative path of the YAML, quoted in the header
 */
export function renderCrdTypes(crd: CrdDocument, sourcePath: string): string {
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  const root = version?.schema?.openAPIV3Schema;
  if (!version || !root?.properties) throw new SchemaCodegenError(`${sourcePath} has no openAPIV3Schema`);
  const kind = crd.spec.names.kind;
  const renderer = new Renderer();
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = root.properties;
  renderer.declare(kind, { ...root, properties: rest }, [
    `  apiVersion: '${crd.spec.group}/${version.name}';`,
    `  kind: '${kind}';`,
    '  metadata: ObjectMeta;',
  ]);
  const header =
    `// Generated by hack/gen-api-types.sh from ${sourcePath}; do not edit by hand.\n` +
    `import type { ObjectMeta } from '../meta.js';\n`;
  return renderer.render(header);
}
