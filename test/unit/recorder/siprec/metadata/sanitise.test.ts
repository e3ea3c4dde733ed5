import { expect } from 'chai';

import { sanitiseXml } from '../../../../../recorder/src/siprec/metadata/sanitise.js';

describe('siprec/metadata sanitiseXml (INTEROP.md §3.2)', () => {
  it('leaves well-formed XML byte for byte as it is', () => {
    const xml = `<?xml version="1.0"?><!-- a < b & c --><r a="x &amp; y"><![CDATA[<sip:x> & y]]><n>&#38;&lt;</n></r>`;
    expect(sanitiseXml(xml)).to.deep.equal({ text: xml, repairs: [] });
  });

  it('escapes a bare & unless it starts an entity or character reference', () => {
    expect(sanitiseXml('<n>DENVER CITY&CNT &amp; &#1; &#x1F; &nbsp;</n>').text).to.equal(
      '<n>DENVER CITY&amp;CNT &amp; &#1; &#x1F; &nbsp;</n>',
    );
  });

  it('escapes < that opens no element: URIs in angle brackets, <!{CDATA{ hacks, stray <', () => {
    const { text, repairs } = sanitiseXml(
      '<u><sip:a@b;x=1></u><u><sip:host></u><v><!{CDATA{x}}></v><w>1 < 2</w>',
    );
    expect(text).to.equal(
      '<u>&lt;sip:a@b;x=1></u><u>&lt;sip:host></u><v>&lt;!{CDATA{x}}></v><w>1 &lt; 2</w>',
    );
    expect(repairs).to.deep.equal(["4 '<' in text escaped"]);
  });

  it('quotes bare attribute values, including before />', () => {
    expect(sanitiseXml('<e xmlns:apkt=http://acmepacket.com/x a="1" b=2/>').text).to.equal(
      '<e xmlns:apkt="http://acmepacket.com/x" a="1" b="2"/>',
    );
    expect(sanitiseXml('<e a=x&y>').text).to.equal('<e a="x&amp;y">');
  });

  it('copes with unterminated input', () => {
    expect(sanitiseXml('<a b="x').text).to.equal('<a b="x');
    expect(sanitiseXml('<a b=').text).to.equal('<a b=""');
    expect(sanitiseXml('<!-- open').text).to.equal('<!-- open');
  });
});
