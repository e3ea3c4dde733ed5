/** Metadata documents of the real vectors, parsed, for the metadata tests. */
import { expect } from 'chai';

import { extractSiprecBody } from '../../../../../recorder/src/siprec/body/extract.js';
import { parseMetadata } from '../../../../../recorder/src/siprec/metadata/parse.js';
import type {
  ParseMetadataResult,
  RecordingMetadata,
} from '../../../../../recorder/src/siprec/metadata/types.js';
import { boundaryOf, header, readVector, sdpLabels, sipVector, sippMessages } from '../helpers/vectors.js';

/** SDP and metadata text of a multipart vector, a `.sip` capture, or the n-th body of a SIPp scenario. */
export function bodyOf(name: string, index = 0): { sdp?: string; raw: string } {
  let extracted;
  if (name.endsWith('.multipart.txt')) {
    const raw = readVector(name);
    extracted = extractSiprecBody(`multipart/mixed;boundary=${boundaryOf(raw)}`, raw);
  } else if (name.endsWith('.sip')) {
    const msg = sipVector(name);
    extracted = extractSiprecBody(header(msg, 'content-type'), msg.body);
  } else if (name.endsWith('.sipp.xml')) {
    const msg = sippMessages(name).filter((m) => m.body.length > 0)[index]!;
    extracted = extractSiprecBody(header(msg, 'content-type'), msg.body, header(msg, 'content-disposition'));
  } else {
    return { raw: readVector(name).toString('utf8') };
  }
  expect(extracted.metadata, name).to.not.equal(undefined);
  const out: { sdp?: string; raw: string } = { raw: extracted.metadata!.raw };
  if (extracted.sdp !== undefined) out.sdp = extracted.sdp;
  return out;
}

/** Parses the metadata of a vector and insists that it parsed. */
export function metadataOf(
  name: string,
  index = 0,
): RecordingMetadata & { sanitised: boolean; labels: (string | undefined)[] } {
  const { sdp, raw } = bodyOf(name, index);
  const result: ParseMetadataResult = parseMetadata(raw);
  if (!result.ok) throw new Error(`${name}: ${result.error}`);
  return { ...result.metadata, sanitised: result.sanitised, labels: sdp === undefined ? [] : sdpLabels(sdp) };
}

/** id, aor, name and role of each participant, for compact assertions. */
export function people(
  md: RecordingMetadata,
): [string, string | undefined, string | undefined, string | undefined][] {
  return md.participants.map((p) => [p.id, p.aor, p.name, p.role]);
}
