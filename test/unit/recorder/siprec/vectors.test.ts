/**
 * Sweep over every SIPREC vector (../shared/interop/vectors, MiaRec scenario collection included): each body
 * must be taken apart, each metadata document must parse, except the two known-broken copies, which must degrade
 * to ok:false without throwing.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { extractSiprecBody } from '../../../../recorder/src/siprec/body/extract.js';
import { mapStreamsToParticipants } from '../../../../recorder/src/siprec/metadata/stream-map.js';
import { parseMetadata } from '../../../../recorder/src/siprec/metadata/parse.js';
import {
  VECTORS_DIR,
  boundaryOf,
  header,
  readVector,
  sdpLabels,
  sipVector,
  sippMessages,
  vectorNames,
  type VectorMessage,
} from './helpers/vectors.js';

/** Documents that are not well-formed metadata in the vectors themselves (INDEX.md says so). */
const KNOWN_BROKEN: Record<string, string> = {
  'drachtio-broadworks-invite-garbled.multipart.txt': 'METADATA_EMPTY',
};

function scenarioFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return scenarioFiles(full);
    return entry.name.endsWith('.xml') ? [full] : [];
  });
}

interface Tally {
  bodies: number;
  documents: number;
  sanitised: number;
}

function checkMessage(label: string, msg: VectorMessage, tally: Tally): void {
  if (msg.body.length === 0) return;
  tally.bodies++;
  const body = extractSiprecBody(
    header(msg, 'content-type', 'c'),
    msg.body,
    header(msg, 'content-disposition'),
  );
  expect(body.sdp !== undefined || body.metadata !== undefined, label).to.equal(true);
  if (body.metadata === undefined) return;
  tally.documents++;
  const result = parseMetadata(body.metadata.raw);
  if (!result.ok) throw new Error(`${label}: ${result.code} ${result.error}`);
  if (result.sanitised) tally.sanitised++;
  expect(result.metadata.participants.length, label).to.be.at.least(1);
  for (const p of result.metadata.participants) expect(p.aor, `${label} ${p.id}`).to.be.a('string');
  if (body.sdp !== undefined) {
    const map = mapStreamsToParticipants(result.metadata, sdpLabels(body.sdp));
    expect(
      map.some((m) => m.participantIds.length > 0),
      label,
    ).to.equal(true);
  }
}

describe('siprec: every real SRC vector', () => {
  it('multipart bodies and standalone documents', () => {
    let parsedCount = 0;
    const broken: string[] = [];
    const documents: [string, string][] = [
      ...vectorNames('.multipart.txt').map((name): [string, string] => {
        const raw = readVector(name);
        const body = extractSiprecBody(`multipart/mixed;boundary=${boundaryOf(raw)}`, raw);
        return [name, body.metadata!.raw];
      }),
      ...vectorNames('.xml')
        .filter((name) => !name.endsWith('.sipp.xml'))
        .map((name): [string, string] => [name, readVector(name).toString('utf8')]),
      ...vectorNames('.sip').map((name): [string, string] => {
        const msg = sipVector(name);
        return [name, extractSiprecBody(header(msg, 'content-type'), msg.body).metadata!.raw];
      }),
    ];
    for (const [name, raw] of documents) {
      const result = parseMetadata(raw);
      if (result.ok) parsedCount++;
      else {
        expect(KNOWN_BROKEN[name], `${name}: ${result.error}`).to.equal(result.code);
        broken.push(name);
      }
    }
    expect(documents).to.have.length(39);
    expect(parsedCount).to.equal(38);
    expect(broken).to.deep.equal(Object.keys(KNOWN_BROKEN));
  });

  it('the 23 top-level SIPp scenarios', () => {
    const tally: Tally = { bodies: 0, documents: 0, sanitised: 0 };
    for (const name of vectorNames('.sipp.xml')) {
      sippMessages(name).forEach((msg, i) => checkMessage(`${name}#${i}`, msg, tally));
    }
    expect(tally).to.deep.equal({ bodies: 50, documents: 36, sanitised: 1 });
  });

  it('the 70 further MiaRec scenarios (Metaswitch feature matrix, BroadWorks legs)', () => {
    const tally: Tally = { bodies: 0, documents: 0, sanitised: 0 };
    const files = scenarioFiles(path.join(VECTORS_DIR, 'miarec-sipp-siprec-rest'));
    expect(files).to.have.length(70);
    for (const file of files) {
      sippMessages(file).forEach((msg, i) => checkMessage(`${path.basename(file)}#${i}`, msg, tally));
    }
    expect(tally).to.deep.equal({ bodies: 114, documents: 114, sanitised: 0 });
  });
});
