import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../../../../recorder/src/store/secret-box.js';
import {
  decodeSession,
  plainParts,
  wirePart,
  PART_NAMES,
  type Parts,
} from '../../../../recorder/src/store/session-codec.js';
import { StoreError } from '../../../../recorder/src/store/store-error.js';
import { realisticSession } from '../../../integration/recorder/store/realistic-session.js';
import { repoRoot } from '../sip/support.js';

const RID = '7d0b9c1e-0000-4c61-9a7e-0c4b2d8e6f60';
const box = new SecretBox(undefined);

function stored(): Parts {
  const s = realisticSession(RID);
  const plain = plainParts(s);
  const out = { ...plain };
  for (const n of PART_NAMES) out[n] = wirePart(n, RID, plain, box);
  return out;
}

function edit(part: keyof Parts, change: (o: Record<string, unknown>) => void): Parts {
  const parts = stored();
  const o = JSON.parse(parts[part]) as Record<string, unknown>;
  change(o);
  return { ...parts, [part]: JSON.stringify(o) };
}

function failure(parts: Partial<Parts>): string {
  try {
    decodeSession(RID, parts, box);
    return 'decoded';
  } catch (err) {
    expect(err).to.be.instanceOf(StoreError);
    return `${(err as StoreError).code}: ${(err as Error).message}`;
  }
}

describe('Stored session codec (untrusted store content)', () => {
  it('decodes what it encoded', () => {
    expect(decodeSession(RID, stored(), box)).to.deep.equal(realisticSession(RID));
  });

  it('splits a session into parts that change independently', () => {
    const s = realisticSession(RID);
    const before = plainParts(s);
    const after = plainParts({ ...s, dialog: { ...s.dialog, remoteCSeq: s.dialog.remoteCSeq + 1 } });
    expect(PART_NAMES.filter((n) => before[n] !== after[n])).to.deep.equal(['core']);
  });

  it('refuses truncated, foreign or missing parts with STORE_BAD_DOCUMENT', () => {
    const read = (name: string): string =>
      readFileSync(join(repoRoot(), 'test/fixtures/store', name), 'utf8');
    expect(failure({ ...stored(), core: read('core-truncated.json') })).to.match(
      /^STORE_BAD_DOCUMENT: .*core is not JSON/,
    );
    expect(failure({ ...stored(), core: read('core-foreign-app.json') })).to.match(
      /^STORE_BAD_DOCUMENT: .*schema/,
    );
    const { meta: _meta, ...noMeta } = stored();
    expect(failure(noMeta)).to.match(/part meta is missing/);
  });

  it('refuses documents that lie about themselves or break bounds', () => {
    const cases: [Parts, RegExp][] = [
      [edit('core', (o) => (o.recordingId = 'someone-else')), /recordingId does not match/],
      [edit('core', (o) => (o.schema = 2)), /unsupported schema 2/],
      [edit('core', (o) => (o.state = 'zombie')), /state must be one of/],
      [edit('core', (o) => (o.startedAt = -5)), /startedAt must be a non-negative integer/],
      [
        edit('core', (o) => ((o.dialog as Record<string, unknown>).remoteCSeq = 2 ** 40)),
        /invalid dialog snapshot: CSeq/,
      ],
      [
        edit('core', (o) => (o.segments = Array.from({ length: 257 }, () => ({})))),
        /segments must be a list of at most 256/,
      ],
      [
        edit(
          'meta',
          (o) =>
            (o.raw = Array.from({ length: 33 }, () => ({ receivedAt: '', method: 'UPDATE', document: '' }))),
        ),
        /raw must be a list of at most 32/,
      ],
      [
        edit(
          'meta',
          (o) => (o.raw = [{ receivedAt: '', method: 'INVITE', document: 'x'.repeat(256 * 1024 + 1) }]),
        ),
        /document must be a string of at most 262144/,
      ],
      [edit('sdp', (o) => (o.offer = 'v=0\r\n'.repeat(20_000))), /offer must be a string of at most 65536/],
    ];
    for (const [parts, why] of cases) expect(failure(parts)).to.match(why);
    const withBadKey = JSON.parse(stored().streams) as { srtp: Record<string, unknown> }[];
    withBadKey[0]!.srtp.remoteKeySalt = 'inline:not-base64|2^31';
    expect(failure({ ...stored(), streams: JSON.stringify(withBadKey) })).to.match(/remoteKeySalt must/);
    const streams = JSON.parse(stored().streams) as Record<string, unknown>[];
    (streams[0]!.codec as Record<string, unknown>).name = 'SPEEX';
    expect(failure({ ...stored(), streams: JSON.stringify(streams) })).to.match(/name must be one of PCMU/);
  });

  it('refuses to encode a session beyond the bounds', () => {
    const s = realisticSession(RID);
    const huge = {
      ...s,
      streams: Array.from({ length: 65 }, (_, i) => ({ ...s.streams[0]!, mediaIndex: i })),
    };
    expect(() => plainParts(huge)).to.throw(StoreError, /too many streams/);
  });
});
