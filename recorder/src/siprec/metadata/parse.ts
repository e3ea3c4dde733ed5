/**
 * Parses an RFC 7865 recording metadata document in any of the dialects real SRCs send (INTEROP.md §3).
 *
 * Order of work, cheapest and safest first: bounds and DTD refusal on the raw text (xml-guard.ts); one strict
 * reading pass that is also the well-formedness check (xml-tree.ts); on failure the repairs of INTEROP.md §3.2
 * (sanitise.ts) and one retry; then the model. A document we cannot read is reported, never thrown: the caller keeps the call, records the media and
 * stores the raw document (INTEROP.md §3.2: "never answer 400 to the INVITE because of metadata alone").
 */
import { buildMetadata } from './model.js';
import { sanitiseXml } from './sanitise.js';
import type { ParseMetadataResult } from './types.js';
import { guardXml } from './xml-guard.js';
import { parseXmlTree } from './xml-tree.js';

/** Parses a metadata document; never throws. */
export function parseMetadata(raw: string): ParseMetadataResult {
  const refused = guardXml(raw);
  if (refused !== undefined) return { ok: false, ...refused };

  // An XML declaration must be the very first thing (XML 1.0 §2.8); SRCs and log copies add a BOM or blank lines.
  const xml = raw.replace(/^\uFEFF/, '').trimStart();
  const warnings: string[] = [];
  let sanitised = false;
  let tree = parseXmlTree(xml);
  if (!tree.ok) {
    const strictError = tree.error;
    const repaired = sanitiseXml(xml);
    if (repaired.repairs.length > 0) {
      const retry = parseXmlTree(repaired.text);
      if (retry.ok) {
        tree = retry;
        sanitised = true;
        warnings.push(
          `ill-formed XML repaired (${repaired.repairs.join(', ')}); strict parse said: ${strictError}`,
        );
      }
    }
    if (!tree.ok)
      return { ok: false, code: 'METADATA_MALFORMED', error: `not well-formed XML: ${strictError}` };
  }

  const built = buildMetadata(tree.root, warnings);
  if (!built.ok) return built;
  return { ok: true, metadata: built.metadata, sanitised, warnings };
}
