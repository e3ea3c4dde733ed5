/**
 * Durations as the CRDs write them (`90s`, `5m`, `1h30m`, `250ms`; the CEL rules accept exactly this
 * form), converted to milliseconds.
 */
const PART = /(\d+)(ms|s|m|h)/g;
const WHOLE = /^(\d+(ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration string, or undefined when it is not one (or exceeds 10 years). */
export function parseDuration(text: string): number | undefined {
  if (text.length > 32 || !WHOLE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return total <= 315_360_000_000 ? total : undefined;
}
