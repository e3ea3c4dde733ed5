import { expect } from 'chai';
import { SipHeaders, canonicalHeaderName } from '../../../../../recorder/src/sip/message/headers.js';

describe('SipHeaders', () => {
  it('looks names up case-insensitively and through compact forms, writing canonical names', () => {
    const h = new SipHeaders([
      ['i', 'abc@h'],
      ['cseq', '1 INVITE'],
      ['WWW-AUTHENTICATE', 'Digest realm="x"'],
      ['X-GenesysAgentID', '42'],
    ]);
    expect(h.get('Call-ID')).to.equal('abc@h');
    expect(h.get('call-id')).to.equal('abc@h');
    expect(h.get('i')).to.equal('abc@h');
    expect([...h.entries()].map(([n]) => n)).to.deep.equal([
      'Call-ID',
      'CSeq',
      'WWW-Authenticate',
      'X-GenesysAgentID',
    ]);
  });

  it('expands every compact form the brief lists', () => {
    const pairs: [string, string][] = [
      ['i', 'Call-ID'],
      ['m', 'Contact'],
      ['f', 'From'],
      ['t', 'To'],
      ['v', 'Via'],
      ['l', 'Content-Length'],
      ['c', 'Content-Type'],
      ['k', 'Supported'],
      ['s', 'Subject'],
      ['e', 'Content-Encoding'],
      ['o', 'Event'],
      ['r', 'Refer-To'],
      ['b', 'Referred-By'],
      ['x', 'Session-Expires'],
      ['u', 'Allow-Events'],
      ['y', 'Identity'],
      ['a', 'Accept-Contact'],
      ['j', 'Reject-Contact'],
      ['d', 'Request-Disposition'],
    ];
    for (const [compact, full] of pairs) expect(canonicalHeaderName(compact.toUpperCase())).to.equal(full);
  });

  it('splits list headers outside quotes and angle brackets, keeping order across rows', () => {
    const h = new SipHeaders([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['Contact', '"Doe, John" <sip:j@h;p=a,b>;expires=60, <sip:k@h>'],
      ['v', 'SIP/2.0/TCP c;branch=z9hG4bK3'],
      ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT'],
      ['Supported', 'timer,, 100rel ,'],
    ]);
    expect(h.getAll('Via').map((v) => v.split(' ')[1])).to.deep.equal([
      'a;branch=z9hG4bK1',
      'b;branch=z9hG4bK2',
      'c;branch=z9hG4bK3',
    ]);
    expect(h.getAll('Contact')).to.deep.equal(['"Doe, John" <sip:j@h;p=a,b>;expires=60', '<sip:k@h>']);
    // Not a list header: the comma in a date stays.
    expect(h.getAll('Date')).to.deep.equal(['Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(h.getAll('Supported')).to.deep.equal(['timer', '100rel']);
  });

  it('first() is getAll()[0] without splitting the rest: top Via of a proxied request, empty rows skipped', () => {
    const h = new SipHeaders([
      ['Via', ' , SIP/2.0/UDP a;branch=z9hG4bK1;received=192.0.2.1 , SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['v', 'SIP/2.0/TCP c;branch=z9hG4bK3'],
      ['Contact', '"Doe, John" <sip:j@h;p=a,b>;expires=60, <sip:k@h>'],
      ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT'],
      ['Supported', ''],
      ['Supported', ' timer'],
    ]);
    for (const name of ['Via', 'v', 'Contact', 'Date', 'Supported', 'Require'])
      expect(h.first(name), name).to.equal(h.getAll(name)[0]);
    expect(h.first('Via')).to.equal('SIP/2.0/UDP a;branch=z9hG4bK1;received=192.0.2.1');
    expect(h.first('Contact')).to.equal('"Doe, John" <sip:j@h;p=a,b>;expires=60');
    expect(h.first('Date')).to.equal('Sat, 13 Nov 2010 23:29:00 GMT');
    expect(h.first('Supported')).to.equal('timer');
    expect(h.first('Require')).to.equal(undefined);
  });

  it('set replaces all rows in place, setAll keeps position, append/prepend/delete/clone behave', () => {
    const h = new SipHeaders([
      ['Via', 'v1'],
      ['From', 'f'],
      ['Via', 'v2'],
      ['To', 't'],
    ]);
    h.setAll('Via', ['n1', 'n2', 'n3']);
    expect([...h.entries()]).to.deep.equal([
      ['Via', 'n1'],
      ['Via', 'n2'],
      ['Via', 'n3'],
      ['From', 'f'],
      ['To', 't'],
    ]);
    const copy = h.clone();
    h.set('via', 'only');
    expect(h.getAll('Via')).to.deep.equal(['only']);
    expect(copy.getAll('Via')).to.deep.equal(['n1', 'n2', 'n3']);
    h.prepend('Route', '<sip:r;lr>').append('X-Thing', '1');
    expect([...h.entries()][0]).to.deep.equal(['Route', '<sip:r;lr>']);
    expect(h.delete('x-thing')).to.equal(true);
    expect(h.delete('x-thing')).to.equal(false);
    expect(h.has('X-Thing')).to.equal(false);
    expect(h.size).to.equal(4);
  });
});
