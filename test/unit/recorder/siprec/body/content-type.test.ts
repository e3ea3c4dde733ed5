import { expect } from 'chai';

import { parseContentType } from '../../../../../recorder/src/siprec/body/content-type.js';
import { SiprecBodyError } from '../../../../../recorder/src/siprec/body/errors.js';

describe('siprec/body parseContentType', () => {
  it('reads the boundary written without a space (everyone) and with one', () => {
    const tight = parseContentType('multipart/mixed;boundary=unique-boundary-1');
    const spaced = parseContentType('multipart/mixed; boundary=sonus-content-delim');
    expect(tight.type).to.equal('multipart/mixed');
    expect(tight.params.get('boundary')).to.equal('unique-boundary-1');
    expect(spaced.params.get('boundary')).to.equal('sonus-content-delim');
  });

  it('lower-cases type and parameter names but keeps the boundary value as sent', () => {
    const ct = parseContentType('Multipart/Mixed ; BOUNDARY = "Quoted;Boundary\\"X" ; charset=UTF-8');
    expect(ct.type).to.equal('multipart/mixed');
    expect(ct.params.get('boundary')).to.equal('Quoted;Boundary"X');
    expect(ct.params.get('charset')).to.equal('UTF-8');
  });

  it('parses Content-Disposition values the same way', () => {
    const cd = parseContentType('session;handling=required');
    expect(cd.type).to.equal('session');
    expect(cd.params.get('handling')).to.equal('required');
    expect(parseContentType('application/SDP').type).to.equal('application/sdp');
  });

  it('keeps a garbled value instead of failing (BroadWorks web copy)', () => {
    expect(parseContentType('application/ +xml').type).to.equal('application/ +xml');
    expect(parseContentType('').type).to.equal('');
  });

  it('refuses values too long to be genuine with a typed 400', () => {
    const call = (): unknown => parseContentType(`multipart/mixed;boundary=${'x'.repeat(5000)}`);
    expect(call).to.throw(SiprecBodyError).with.property('status', 400);
    const many = `multipart/mixed${';a=b'.repeat(40)}`;
    expect(() => parseContentType(many))
      .to.throw(SiprecBodyError)
      .with.property('code', 'BODY_HEADER_INVALID');
  });
});
