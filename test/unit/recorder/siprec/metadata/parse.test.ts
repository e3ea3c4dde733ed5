import { expect } from 'chai';

import { parseMetadata } from '../../../../../recorder/src/siprec/metadata/parse.js';
import type {
  ParseMetadataResult,
  RecordingMetadata,
} from '../../../../../recorder/src/siprec/metadata/types.js';
import { MAX_METADATA_BYTES } from '../../../../../recorder/src/siprec/metadata/xml-guard.js';
import { readFixture } from '../helpers/vectors.js';

function ok(result: ParseMetadataResult): RecordingMetadata & { sanitised: boolean; warnings: string[] } {
  if (!result.ok) throw new Error(`${result.code}: ${result.error}`);
  return { ...result.metadata, sanitised: result.sanitised, warnings: result.warnings };
}

function fixture(name: string): string {
  return readFixture(name).toString('utf8');
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
function timed<T>(fn: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const value = fn();
  return [value, Number(process.hrtime.bigint() - started) / 1e6];
}

describe('siprec/metadata parseMetadata', () => {
  it('repairs every ill-formed construct of INTEROP.md §3.2 in one document', () => {
    const md = ok(parseMetadata(fixture('metadata-ill-formed-oracle.xml')));
    expect(md.sanitised).to.equal(true);
    expect(md.warnings[0]).to.match(/2 bare '&' escaped, 1 '<' in text escaped, 1 unquoted attribute value/);
    expect(md.participants[0]!.name).to.equal('SMITH & SONS');
    expect(md.participants[0]!.vendor!['request-uri']).to.equal(
      '<sip:record=abc;calluuid=X1&dn=42@192.0.2.40:5060>',
    );
    expect(md.participants[0]!.vendor!['header']).to.deep.equal({
      '@label': 'P-Asserted-Identity',
      value: '"Smith" <sip:+15550001111@192.0.2.30>',
    });
    expect(md.vendor.ucid).to.equal('00FA080012345678ABCDEF');
    expect(md.extensions[0]!.namespace).to.equal('http:/acmepacket.com/siprec/extensiondata');
    expect(md.participants.map((p) => p.role)).to.deep.equal(['caller', 'callee']);
  });

  it('reads a document without namespace: BOM, upper-case datamode, associations before participants', () => {
    const md = ok(parseMetadata(fixture('metadata-no-namespace-partial.xml')));
    expect(md.dialect).to.equal('none');
    expect(md.dataMode).to.equal('partial');
    expect(md.sanitised).to.equal(false);
    expect(md.participants).to.deep.equal([
      { id: 'later', sends: ['s1'], receives: [], aor: 'tel:+15550002222', name: 'Quoted Name' },
      { id: '', sends: [], receives: [], aor: 'sip:anon@192.0.2.1', name: 'anon' },
      { id: 'gone', sends: [], receives: [], disassociateTime: '2026-01-01T00:00:00Z' },
    ]);
    expect(md.streams).to.deep.equal([{ id: 's1', label: '0' }]);
  });

  it('keeps Zaion, jambonz and unknown extensions generically, with roles from x_part_leg', () => {
    const md = ok(parseMetadata(fixture('metadata-zaion-jambonz-extensions.xml')));
    expect(md.participants.map((p) => [p.id, p.role])).to.deep.equal([
      ['agent-7', 'callee'],
      ['client-1', 'caller'],
    ]);
    expect(md.participants[0]!.vendor).to.deep.equal({
      x_part_info: { x_part_leg: 'callee', x_part_type: 'agent', x_part_id: '007' },
    });
    const byName = new Map(md.extensions.map((e) => [e.name, e]));
    expect(byName.get('callsid')).to.deep.equal({
      scope: 'recording',
      name: 'callsid',
      namespace: 'http://jambonz.org/siprec',
      value: '0b1c-callsid',
    });
    expect(byName.get('futureVendorData')).to.deep.equal({
      scope: 'recording',
      name: 'futureVendorData',
      namespace: 'urn:example:future',
      value: { '@version': '9.9', nested: { '@level': '1', leaf: ['kept', 'twice'] } },
    });
    expect(byName.get('x_cs_info')!.value).to.deep.equal({ x_cs_direc: 'outgoing' });
    // The model must survive the session store and the sidecar unchanged.
    expect(JSON.parse(JSON.stringify(md))).to.deep.equal(md);
  });

  it('display names: quotes, blanks and leaked SIP parameters cleaned, other text kept', () => {
    const doc = (name: string): string =>
      `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><participant participant_id="p"><nameID aor="sip:p@h"><name>${name}</name></nameID></participant></recording>`;
    const nameOf = (name: string): string | undefined => ok(parseMetadata(doc(name))).participants[0]!.name;
    expect(nameOf('&quot;ECG Tester&quot;')).to.equal('ECG Tester');
    expect(nameOf(' ')).to.equal(undefined);
    expect(nameOf('test_user;lang=en-US;id=22')).to.equal('test_user');
    expect(nameOf('Smith; John Jr')).to.equal('Smith; John Jr');
    expect(nameOf('O&apos;Brien &#x41;&#66;')).to.equal("O'Brien AB");
    expect(nameOf('<![CDATA[a &amp; b]]>')).to.equal('a &amp; b');
  });

  it('refuses what is not recording metadata, and says why', () => {
    const wrongRoot = parseMetadata(fixture('metadata-wrong-root.xml'));
    expect(wrongRoot).to.deep.include({ ok: false, code: 'METADATA_NOT_RECORDING' });
    expect(parseMetadata(fixture('metadata-truncated.xml'))).to.deep.include({
      ok: false,
      code: 'METADATA_MALFORMED',
    });
    expect(parseMetadata('')).to.deep.include({ ok: false, code: 'METADATA_MALFORMED' });
    expect(parseMetadata('<recording/><recording/>')).to.deep.include({
      ok: false,
      code: 'METADATA_MALFORMED',
    });
    expect(parseMetadata('<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>')).to.deep.include({
      ok: false,
      code: 'METADATA_EMPTY',
    });
    expect(parseMetadata('<recording><constructor/></recording>')).to.deep.include({ ok: false });
  });

  it('warns about a missing datamode and an unknown namespace but still reads the document', () => {
    const md = ok(
      parseMetadata('<recording xmlns="urn:example:other"><participant participant_id="a"/></recording>'),
    );
    expect(md.dataMode).to.equal('complete');
    expect(md.dialect).to.equal('rfc7865');
    expect(md.warnings).to.deep.equal([
      'no <datamode>; complete assumed',
      'unknown metadata namespace "urn:example:other"',
    ]);
  });

  describe('hostile documents: typed refusals in bounded time', () => {
    it('billion laughs and external entities are refused before any parsing', () => {
      for (const name of ['metadata-billion-laughs.xml', 'metadata-external-entity.xml']) {
        const [result, ms] = timed(() => parseMetadata(fixture(name)));
        expect(result, name).to.deep.equal({
          ok: false,
          code: 'METADATA_DTD_FORBIDDEN',
          error: 'DOCTYPE or ENTITY declarations are not accepted',
        });
        expect(ms).to.be.below(1000);
      }
    });

    it('a 10 MB document is refused on its size', () => {
      const huge = `<recording>${'<x>aaaaaaaaaa</x>'.repeat(600_000)}</recording>`;
      expect(huge.length).to.be.above(10_000_000);
      const [result, ms] = timed(() => parseMetadata(huge));
      expect(result).to.deep.include({ ok: false, code: 'METADATA_TOO_LARGE' });
      expect(ms).to.be.below(1000);
    });

    it('the size limit counts UTF-8 bytes, not characters', () => {
      const doc = `<recording><datamode>complete</datamode><x>${'é'.repeat(MAX_METADATA_BYTES / 2)}</x></recording>`;
      expect(doc.length).to.be.below(MAX_METADATA_BYTES);
      expect(parseMetadata(doc)).to.deep.include({ ok: false, code: 'METADATA_TOO_LARGE' });
    });

    it('50 000 nested elements are refused on depth, without recursion', () => {
      const deep = `<recording>${'<a>'.repeat(50_000)}`;
      const [result, ms] = timed(() => parseMetadata(deep));
      expect(result).to.deep.include({ ok: false, code: 'METADATA_TOO_COMPLEX' });
      expect(ms).to.be.below(1000);
      // Closed, the same nesting no longer fits the size limit.
      expect(parseMetadata(`${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}`)).to.deep.include({
        code: 'METADATA_TOO_LARGE',
      });
      // Just within the limits, a deep document is parsed (and then refused for its root, not for a stack overflow).
      expect(parseMetadata(`${'<a>'.repeat(32)}${'</a>'.repeat(32)}`)).to.deep.include({
        code: 'METADATA_NOT_RECORDING',
      });
    });

    it('tens of thousands of sibling elements are refused on count', () => {
      const wide = `<recording>${'<b/>'.repeat(20_000)}</recording>`;
      expect(parseMetadata(wide)).to.deep.include({ ok: false, code: 'METADATA_TOO_COMPLEX' });
    });

    it('random bytes and XML-looking garbage never throw', () => {
      let seed = 7;
      const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
      const alphabet = '<>/="\'&;:! ?abcdefgrecording participant send';
      for (let round = 0; round < 300; round++) {
        let text = '';
        for (let i = 0; i < 400; i++) text += alphabet[next() % alphabet.length];
        const result = parseMetadata(`<recording>${text}</recording>`);
        expect(result.ok === true || typeof result.code === 'string').to.equal(true);
      }
    });
  });
});
