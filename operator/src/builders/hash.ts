/**
 * The spec hash put on every child object: the operator compares it with the hash of what it would
 * write and stays silent when they match (no write, no hot loop).
 */
import { createHash } from 'node:crypto';
import { ANNOTATION_SPEC_HASH } from '../api/constants.js';

/** JSON with object keys sorted, so equal objects hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex, first 16 bytes) of the canonical JSON. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** Returns the object with the spec-hash annotation set to the hash of everything else in it. */
export function withSpecHash<T extends { metadata?: object }>(obj: T): T {
  const hash = stableHash(obj);
  const metadata = (obj.metadata ?? {}) as { annotations?: Record<string, string> };
  return {
    ...obj,
    metadata: { ...metadata, annotations: { ...metadata.annotations, [ANNOTATION_SPEC_HASH]: hash } },
  };
}

/** The spec-hash annotation of a live object, if any. */
export function specHashOf(
  obj: { metadata?: { annotations?: Record<string, string> } } | undefined,
): string | undefined {
  return obj?.metadata?.annotations?.[ANNOTATION_SPEC_HASH];
}
