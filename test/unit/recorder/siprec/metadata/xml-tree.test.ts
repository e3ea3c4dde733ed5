import { expect } from 'chai';

import { parseXmlTree, type XmlElement } from '../../../../../recorder/src/siprec/metadata/xml-tree.js';

function root(xml: string): XmlElement {
  const result = parseXmlTree(xml);
  if (!result.ok) throw new Error(result.error);
  return result.root;
}

function refusal(xml: string): string {
  const result = parseXmlTree(xml);
  if (result.ok) throw new Error(`accepted: ${xml}`);
  return result.error;
}

describe('siprec/metadata parseXmlTree (one-pass reader)', () => {
  it('reads elements, attributes, namespaces in scope, text, CDATA and references', () => {
    const r = root(
      '<?xml version="1.0"?>\r\n<!-- SRC --><recording xmlns="urn:ietf:params:xml:ns:recording:1" ' +
        "xmlns:apkt='http://acmepacket.com/siprec/extensiondata'>\r\n" +
        '<participant participant_id="p&amp;1"><name>O&apos;Brien &#x41;&#66; &nbsp;</name></participant>' +
        '<apkt:ucid>00FA<![CDATA[<raw> & kept]]></apkt:ucid><x xmlns="urn:x"><y/></x></recording>',
    );
    expect(root('<a/>').children).to.deep.equal([]);
    expect(r.local).to.equal('recording');
    expect(r.ns).to.equal('urn:ietf:params:xml:ns:recording:1');
    // XML 1.0 §2.11: CRLF reaches the application as LF.
    expect(r.text).to.equal('\n');
    const [participant, ucid, x] = r.children;
    expect(participant!.attrs.get('participant_id')).to.equal('p&1');
    // Predefined and character references are decoded; others are kept as written (no DTD defines them).
    expect(participant!.children[0]!.text).to.equal("O'Brien AB &nbsp;");
    expect(ucid).to.deep.include({
      name: 'apkt:ucid',
      prefix: 'apkt',
      local: 'ucid',
      text: '00FA<raw> & kept',
    });
    expect(ucid!.ns).to.equal('http://acmepacket.com/siprec/extensiondata');
    expect(x!.ns).to.equal('urn:x');
    expect(x!.children[0]!.ns).to.equal('urn:x');
  });

  it('refuses what is not well-formed, saying where, so the sanitiser gets its turn', () => {
    expect(refusal('<n>DENVER CITY&CNT</n>')).to.match(
      /^'&' starts no entity reference \(line 1, column 15\)$/,
    );
    expect(refusal('<u><sip:record=abc@192.0.2.40:5060></u>')).to.match(/invalid element name/);
    expect(refusal('<u><sip:host></u>')).to.match(/expected <\/sip:host> instead of <\/u>/);
    expect(refusal('<e xmlns:apkt=http://acmepacket.com/x/>')).to.match(/not quoted/);
    expect(refusal('<e a="1" a="2"/>')).to.match(/repeated/);
    expect(refusal('<e a="1"b="2"/>')).to.match(/no white space/);
    expect(refusal('<e a/>')).to.match(/has no value/);
    expect(refusal('<e a="open/>')).to.match(/open quote/);
    expect(refusal('<v><!{CDATA{x}}></v>')).to.match(/'<!' opens no comment/);
    expect(refusal('<r><a></r>')).to.match(/expected <\/a> instead of <\/r>/);
    expect(refusal('<r>\n<a>')).to.match(/unclosed element <a> \(line 2, column 4\)/);
    expect(refusal('<r/><r/>')).to.match(/second root/);
    expect(refusal('<r/> trailing')).to.match(/outside the root element/);
    expect(refusal('')).to.match(/no root element/);
    expect(refusal('<r><![CDATA[never closed</r>')).to.match(/unterminated CDATA/);
    expect(refusal('<r/><!-- never closed')).to.match(/unterminated comment/);
    expect(refusal('<r><?xml version="1.0"?></r>')).to.match(/only at the start/);
  });

  it('refuses element and attribute names that reach an object prototype', () => {
    expect(refusal('<recording><constructor/></recording>')).to.match(/reserved element name/);
    expect(refusal('<recording><__proto__/></recording>')).to.match(/reserved element name/);
    expect(refusal('<recording prototype="x"/>')).to.match(/invalid attribute name/);
  });

  it('reads a deep document without recursion', () => {
    const depth = 20_000;
    const r = root(`${'<a>'.repeat(depth)}leaf${'</a>'.repeat(depth)}`);
    let el = r;
    for (let i = 1; i < depth; i++) el = el.children[0]!;
    expect(el.text).to.equal('leaf');
  });
});
