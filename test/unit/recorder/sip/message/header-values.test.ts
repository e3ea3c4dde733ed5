import { expect } from 'chai';
import { parseCSeq } from '../../../../../recorder/src/sip/message/cseq.js';
import { SipHeaderError } from '../../../../../recorder/src/sip/message/header-error.js';
import { SipHeaders } from '../../../../../recorder/src/sip/message/headers.js';
import { formatNameAddr, getTag, parseNameAddr } from '../../../../../recorder/src/sip/message/name-addr.js';
import { hasOptionTag } from '../../../../../recorder/src/sip/message/option-tags.js';
import { formatUri, parseUri } from '../../../../../recorder/src/sip/message/uri.js';
import { formatVia, parseVia } from '../../../../../recorder/src/sip/message/via.js';

describe('header value helpers', () => {
  describe('parseUri', () => {
    it('reads user, password, host, port, params and headers', () => {
      const u = parseUri('sip:alice:secret@example.com:5070;transport=TCP;lr?Subject=hi&X=1');
      expect(u).to.include({
        scheme: 'sip',
        user: 'alice',
        password: 'secret',
        host: 'example.com',
        port: 5070,
      });
      expect([...u.params]).to.deep.equal([
        ['transport', 'TCP'],
        ['lr', ''],
      ]);
      expect([...u.headers]).to.deep.equal([
        ['Subject', 'hi'],
        ['X', '1'],
      ]);
      expect(formatUri(u)).to.equal('sip:alice:secret@example.com:5070;transport=TCP;lr?Subject=hi&X=1');
    });

    it('handles IPv6 references, ;user=phone, sips and tel', () => {
      const v6 = parseUri('sips:[2001:db8::1]:5061;transport=tls');
      expect(v6).to.include({ scheme: 'sips', host: '[2001:db8::1]', port: 5061 });
      const phone = parseUri('sip:+15551234567@gw.example.com;user=phone');
      expect(phone.user).to.equal('+15551234567');
      expect(phone.params.get('user')).to.equal('phone');
      const tel = parseUri('tel:+1-555-123;phone-context=example.com');
      expect(tel).to.include({ scheme: 'tel', user: '+1-555-123', host: '' });
    });

    it('is lenient about junk: no scheme, bad port, trailing blanks', () => {
      expect(parseUri('10.0.0.1:5060')).to.include({ scheme: '', host: '10.0.0.1', port: 5060 });
      expect(parseUri('sip:h:99999;x').port).to.equal(undefined);
      expect(parseUri('  sip:srs@h  ').host).to.equal('h');
      expect(parseUri('').host).to.equal('');
    });
  });

  describe('parseNameAddr', () => {
    it('quoted display names with escapes, token names, and header params', () => {
      const a = parseNameAddr('"Bob \\"B\\" <x>" <sip:bob@h;transport=tcp>;tag=77;expires=60');
      expect(a.displayName).to.equal('Bob "B" <x>');
      expect(a.uri).to.equal('sip:bob@h;transport=tcp');
      expect(a.params.get('tag')).to.equal('77');
      expect(parseNameAddr('Bob Smith <sip:b@h>').displayName).to.equal('Bob Smith');
    });

    it('addr-spec without brackets: params belong to the header (Oracle From)', () => {
      const a = parseNameAddr('sip:acmeSrc@10.0.0.1;tag=x');
      expect(a.uri).to.equal('sip:acmeSrc@10.0.0.1');
      expect(a.params.get('tag')).to.equal('x');
      expect(getTag('sip:acmeSrc@10.0.0.1;tag=x')).to.equal('x');
    });

    it('unterminated `<` (Metaswitch), `;src` (BroadWorks), +sip.src in or out of the URI', () => {
      expect(parseNameAddr('<sip:cfs@192.0.2.40;+sip.src').uri).to.equal('sip:cfs@192.0.2.40;+sip.src');
      expect(parseNameAddr('<sip:bw@h>;src').params.has('src')).to.equal(true);
      expect(parseNameAddr('<sip:x@h>;+sip.src').params.has('+sip.src')).to.equal(true);
      expect(
        parseUri(parseNameAddr('"A" <sip:h;transport=tcp;+sip.src>').uri).params.has('+sip.src'),
      ).to.equal(true);
    });

    it('formats back with brackets and quoting; getTag ignores empty tags', () => {
      const a = parseNameAddr('"Doe, J" <sip:j@h>;tag=1');
      expect(formatNameAddr(a)).to.equal('"Doe, J" <sip:j@h>;tag=1');
      expect(formatNameAddr(parseNameAddr('sip:x@h;tag=2'))).to.equal('<sip:x@h>;tag=2');
      expect(getTag('<sip:x@h>;tag=')).to.equal(undefined);
      expect(getTag(undefined)).to.equal(undefined);
    });
  });

  describe('parseVia', () => {
    it('reads protocol, sent-by and params (branch, received, rport, alias)', () => {
      const v = parseVia('SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bKx;received=203.0.113.5;rport=4000;alias');
      expect(v).to.include({ protocol: 'UDP', host: '192.0.2.1', port: 5060 });
      expect(v.params.get('branch')).to.equal('z9hG4bKx');
      expect(v.params.get('received')).to.equal('203.0.113.5');
      expect(v.params.get('rport')).to.equal('4000');
      expect(v.params.has('alias')).to.equal(true);
      expect(formatVia(v)).to.equal(
        'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;received=203.0.113.5;rport=4000;alias',
      );
    });

    it('tolerates linear whitespace around separators and IPv6 hosts', () => {
      const v = parseVia('SIP / 2.0 / TLS [2001:db8::5] : 5061 ; branch = z9hG4bKy ; rport');
      expect(v).to.include({ protocol: 'TLS', host: '[2001:db8::5]', port: 5061 });
      expect(v.params.get('branch')).to.equal('z9hG4bKy');
      expect(v.params.get('rport')).to.equal('');
    });

    it('throws a coded error on unusable values', () => {
      for (const bad of ['', 'SIP/2.0/UDP', 'HTTP/1.1 host', 'SIP/2.0/UDP h:99999', 'SIP/2.0/UDP h o s t']) {
        expect(() => parseVia(bad), bad)
          .to.throw(SipHeaderError)
          .with.property('code', 'SIP_HEADER_BAD_VIA');
      }
    });
  });

  describe('parseCSeq and hasOptionTag', () => {
    it('parses CSeq and rejects junk and numbers ≥ 2^31', () => {
      expect(parseCSeq(' 4711   invite ')).to.deep.equal({ seq: 4711, method: 'INVITE' });
      for (const bad of ['INVITE', '1', '-1 BYE', '2147483648 BYE', '1 BYE extra']) {
        expect(() => parseCSeq(bad), bad)
          .to.throw(SipHeaderError)
          .with.property('code', 'SIP_HEADER_BAD_CSEQ');
      }
    });

    it('finds option tags across rows, case-insensitively, and none in an empty header', () => {
      const h = new SipHeaders([
        ['Supported', 'replaces'],
        ['k', 'Timer, siprec'],
        ['Require', ''],
      ]);
      expect(hasOptionTag(h, 'Supported', 'timer')).to.equal(true);
      expect(hasOptionTag(h, 'Supported', 'siprec')).to.equal(true);
      expect(hasOptionTag(h, 'Supported', '100rel')).to.equal(false);
      expect(hasOptionTag(h, 'Require', 'siprec')).to.equal(false);
    });
  });
});
