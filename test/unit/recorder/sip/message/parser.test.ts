import { expect } from 'chai';
import { parseNameAddr, getTag } from '../../../../../recorder/src/sip/message/name-addr.js';
import { SIP_PARSE_ERRORS, SipParseError } from '../../../../../recorder/src/sip/message/parse-error.js';
import { parseSipMessage } from '../../../../../recorder/src/sip/message/parser.js';
import { serializeSipMessage } from '../../../../../recorder/src/sip/message/serializer.js';
import type { SipRequest } from '../../../../../recorder/src/sip/message/types.js';
import { parseUri } from '../../../../../recorder/src/sip/message/uri.js';
import { parseVia } from '../../../../../recorder/src/sip/message/via.js';
import { fixture, sipText, vector } from '../support.js';

function parseRequest(data: Buffer, stream = false): SipRequest {
  const msg = parseSipMessage(data, { stream });
  if (msg.type !== 'request') throw new Error('expected a request');
  return msg;
}

function parseError(data: Buffer, opts: Parameters<typeof parseSipMessage>[1] = {}): SipParseError {
  try {
    parseSipMessage(data, opts);
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
  throw new Error('expected a SipParseError');
}

describe('parseSipMessage', () => {
  describe('quirks real SRCs put on the wire', () => {
    it('expands compact header forms and keeps the body', () => {
      const req = parseRequest(fixture('compact-forms-invite.sip'));
      expect(req.method).to.equal('INVITE');
      expect(req.headers.get('Call-ID')).to.equal('compact-1@192.0.2.10');
      expect(req.headers.get('Via')).to.match(/^SIP\/2\.0\/UDP 192\.0\.2\.10:5060/);
      expect(getTag(req.headers.get('From'))).to.equal('abc123');
      expect(req.headers.getAll('Supported')).to.deep.equal(['timer', 'siprec']);
      expect(req.headers.get('Session-Expires')).to.equal('1800;refresher=uac');
      expect(req.headers.get('Content-Type')).to.equal('application/sdp');
      expect(parseNameAddr(req.headers.get('Contact') ?? '').params.has('+sip.src')).to.equal(true);
      expect(req.body.toString()).to.match(/^v=0\r\n[\s\S]*a=label:1\r\n$/);
      // Canonical full names on output.
      const out = serializeSipMessage(req).toString();
      expect(out).to.include('\r\nCall-ID: compact-1@192.0.2.10\r\n');
      expect(out).to.include('\r\nSession-Expires: 1800;refresher=uac\r\n');
      expect(out).not.to.match(/\r\n[ivftmkxc]: /);
    });

    it('accepts LF-only line endings and answers OPTIONS even with Max-Forwards 0', () => {
      const req = parseRequest(fixture('lf-only-options.sip'));
      expect(req.method).to.equal('OPTIONS');
      expect(req.headers.get('Max-Forwards')).to.equal('0');
      expect(req.body.toString()).to.equal(
        'v=0\no=- 1 1 IN IP4 192.0.2.10\ns=-\nc=IN IP4 192.0.2.10\nt=0 0\nm=audio 4000 RTP/AVP 0\na=sendonly\na=label:1\n',
      );
      expect(serializeSipMessage(req).toString()).to.match(
        /^OPTIONS sip:srs@198\.51\.100\.1 SIP\/2\.0\r\nVia: /,
      );
    });

    it('unfolds continuation lines (RFC 3261 §7.3.1)', () => {
      const req = parseRequest(fixture('folded-headers-invite.sip'));
      expect(req.headers.getAll('Via')).to.have.length(2);
      expect(parseVia(req.headers.getAll('Via')[1] ?? '').params.get('branch')).to.equal('z9hG4bKfold0');
      expect(parseNameAddr(req.headers.get('From') ?? '').displayName).to.equal('Folded Name');
      expect(req.headers.get('Subject')).to.equal('first part second part');
    });

    it('tolerates double spaces after the colon and a From without angle brackets (Oracle)', () => {
      const req = parseRequest(fixture('oracle-double-space-no-brackets.sip'));
      const via = parseVia(req.headers.get('Via') ?? '');
      expect(via).to.include({ protocol: 'TCP', host: '10.173.186.96', port: 5060 });
      const from = parseNameAddr(req.headers.get('From') ?? '');
      expect(from.uri).to.equal('sip:acmeSrc@10.173.186.96');
      expect(from.params.get('tag')).to.equal('672c8ccd');
      expect(req.headers.getAll('Require')).to.deep.equal(['siprec']);
      expect(req.headers.get('Mime-Version')).to.equal('1.0');
    });

    it('skips leading CRLF keep-alives and matches header names case-insensitively', () => {
      const req = parseRequest(fixture('leading-crlf-case-variants.sip'));
      expect(req.method).to.equal('BYE');
      expect(req.headers.get('Call-ID')).to.equal('case-1');
      expect(req.headers.get('MIME-Version')).to.equal('1.0');
      const out = serializeSipMessage(req).toString();
      expect(out.startsWith('BYE ')).to.equal(true);
      expect(out).to.include('\r\nVia: SIP/2.0/UDP');
      expect(out).to.include('\r\nCSeq: 2 BYE\r\n');
      expect(out).to.include('\r\nMIME-Version: 1.0\r\n');
    });

    it('keeps empty headers (BroadWorks `Supported:`) without inventing option tags', () => {
      const req = parseRequest(fixture('broadworks-empty-headers.sip'));
      expect(req.headers.has('Supported')).to.equal(true);
      expect(req.headers.get('Supported')).to.equal('');
      expect(req.headers.getAll('Supported')).to.deep.equal([]);
      expect(req.headers.get('Recv-Info')).to.equal('');
      expect(parseNameAddr(req.headers.get('Contact') ?? '').params.has('src')).to.equal(true);
      expect(serializeSipMessage(req).toString()).to.include('\r\nSupported: \r\nRecv-Info: \r\n');
    });

    it('reads an unterminated `<` Contact (Metaswitch) and +sip.src inside the URI (Avaya)', () => {
      const ms = parseRequest(fixture('metaswitch-unterminated-contact.sip'));
      const msContact = parseNameAddr(ms.headers.get('Contact') ?? '');
      expect(msContact.uri).to.equal('sip:cfs@192.0.2.40:5060;+sip.src');
      expect(parseUri(msContact.uri).params.has('+sip.src')).to.equal(true);
      const av = parseRequest(fixture('avaya-src-inside-uri.sip'));
      const avContact = parseNameAddr(av.headers.get('Contact') ?? '');
      expect(avContact.displayName).to.equal('Avaya SBCE');
      const uri = parseUri(avContact.uri);
      expect(uri).to.include({ host: '192.0.2.50', port: 5060 });
      expect(uri.params.get('transport')).to.equal('tcp');
      expect(uri.params.has('+sip.src')).to.equal(true);
    });

    it('parses IPv6 sent-by, ;alias and a Record-Route list', () => {
      const req = parseRequest(fixture('ipv6-alias-record-route.sip'), true);
      const via = parseVia(req.headers.get('Via') ?? '');
      expect(via).to.include({ host: '[2001:db8::10]', port: 5060, protocol: 'TCP' });
      expect(via.params.has('alias')).to.equal(true);
      expect(req.headers.getAll('Record-Route')).to.deep.equal([
        '<sip:[2001:db8::20];lr>',
        '<sip:proxy.example.net;lr;transport=tcp>',
      ]);
    });

    it('parses a response', () => {
      const res = parseSipMessage(fixture('response-180.sip'));
      expect(res.type).to.equal('response');
      if (res.type !== 'response') return;
      expect(res.status).to.equal(180);
      expect(res.reason).to.equal('Ringing');
      expect(serializeSipMessage(res).toString()).to.match(/^SIP\/2\.0 180 Ringing\r\n/);
    });
  });

  describe('full INVITEs from the interop vectors', () => {
    it('Oracle/Genesys 4-stream INVITE (LF, double spaces, stale Content-Length) round-trips', () => {
      const raw = vector('vorpal-oracle-genesys-4stream-invite.sip');
      // The capture was re-indented: its Content-Length (3533) is shorter than the body, so a datagram is
      // cut at Content-Length (RFC 3261 §18.3)…
      const asIs = parseRequest(raw);
      expect(asIs.body.length).to.equal(3533);
      expect(asIs.headers.get('Cisco-Gucid')).to.equal('00071136261712321959');
      expect(asIs.headers.get('User-to-User')).to.match(/;encoding=hex$/);
      // …and with the length recomputed the whole multipart body survives a round trip.
      const text = raw.toString('utf8');
      const sep = text.indexOf('\n\n');
      const body = Buffer.from(text.slice(sep + 2));
      const fixed = Buffer.concat([
        Buffer.from(text.slice(0, sep + 2).replace(/Content-Length: +\d+/, `Content-Length: ${body.length}`)),
        body,
      ]);
      const req = parseRequest(fixed);
      expect(req.body.equals(body)).to.equal(true);
      expect(req.body.toString()).to.include('m=audio 43814 RTP/AVP 0 8 18 4 9 100 101');
      const again = parseRequest(serializeSipMessage(req));
      expect(again.body.equals(body)).to.equal(true);
      const rows = (m: SipRequest) => [...m.headers.entries()].filter(([n]) => n !== 'Content-Length');
      expect(rows(again)).to.deep.equal(rows(req));
      expect(again.uri).to.equal('sip:10.178.60.190:5060');
    });

    it('AudioCodes Mediant VE 7.20A INVITE (CRLF) round-trips byte for byte in its body', () => {
      const raw = vector('gotest-audiocodes-mediant-ve-7.20A-full-invite.sip');
      const req = parseRequest(raw, true);
      expect(req.body.length).to.equal(1986);
      expect(req.headers.getAll('Supported')).to.deep.equal(['replaces', 'resource-priority', 'sdp-anat']);
      expect(req.headers.getAll('Allow')).to.have.length(12);
      expect(parseVia(req.headers.get('Via') ?? '').params.has('alias')).to.equal(true);
      const out = serializeSipMessage(req);
      // Same header lines, same order, same body: the serializer only normalises what it must.
      expect(out.equals(raw)).to.equal(true);
    });

    it('Ribbon/Sonus INVITE truncated in the capture is a 400 on UDP', () => {
      const err = parseError(vector('drachtiofixture-ribbon-sonus-full-invite-truncated.sip'));
      expect(err.code).to.equal('SIP_PARSE_BODY_TRUNCATED');
      expect(err.status).to.equal(400);
      expect(err.reason).to.equal('Bad Content-Length');
      // Everything needed to answer it was read.
      expect(err.partial.method).to.equal('INVITE');
      expect(err.partial.headers.get('Call-ID')).to.equal('241467418_28680544@172.16.169.181');
      expect(err.partial.headers.get('CSeq')).to.equal('100008 INVITE');
    });
  });

  describe('malformed input', () => {
    const cases: [string, string, number][] = [
      ['malformed-content-length-negative.sip', 'SIP_PARSE_CONTENT_LENGTH', 400],
      ['malformed-content-length-huge.sip', 'SIP_PARSE_CONTENT_LENGTH', 400],
      ['malformed-content-length-text.sip', 'SIP_PARSE_CONTENT_LENGTH', 400],
      ['malformed-body-truncated.sip', 'SIP_PARSE_BODY_TRUNCATED', 400],
      ['malformed-version.sip', 'SIP_PARSE_BAD_VERSION', 505],
      ['malformed-start-line.sip', 'SIP_PARSE_BAD_START_LINE', 400],
      ['malformed-missing-call-id.sip', 'SIP_PARSE_MISSING_HEADER', 400],
      ['malformed-header-no-colon.sip', 'SIP_PARSE_BAD_HEADER', 400],
    ];
    for (const [file, code, status] of cases) {
      it(`${file} → ${code} (${status})`, () => {
        const err = parseError(fixture(file));
        expect(err.code).to.equal(code);
        expect(err.status).to.equal(status);
      });
    }

    it('reports what it read of a request with a bad Content-Length so the core can answer 400', () => {
      const err = parseError(fixture('malformed-content-length-negative.sip'));
      expect(err.partial.method).to.equal('INVITE');
      for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq'])
        expect(err.partial.headers.get(h)).to.be.a('string');
    });

    it('rejects conflicting duplicate Content-Length values but accepts equal ones', () => {
      const lines = [
        'MESSAGE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:x@h>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: dup',
        'CSeq: 1 MESSAGE',
      ];
      expect(parseError(sipText([...lines, 'Content-Length: 2', 'l: 3'], 'abc')).code).to.equal(
        'SIP_PARSE_CONTENT_LENGTH',
      );
      expect(parseRequest(sipText([...lines, 'Content-Length: 2', 'l: 2'], 'abc')).body.toString()).to.equal(
        'ab',
      );
    });

    it('a CSeq method that differs from the request method is a 400', () => {
      const err = parseError(
        sipText([
          'BYE sip:a@b SIP/2.0',
          'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
          'From: <sip:x@h>;tag=1',
          'To: <sip:a@b>',
          'Call-ID: c',
          'CSeq: 1 INVITE',
        ]),
      );
      expect(err.code).to.equal('SIP_PARSE_BAD_CSEQ');
    });

    it('on a stream, a missing Content-Length means no body; on UDP, the rest of the datagram', () => {
      const data = sipText(
        [
          'INFO sip:a@b SIP/2.0',
          'Via: SIP/2.0/TCP h;branch=z9hG4bK1',
          'From: <sip:x@h>;tag=1',
          'To: <sip:a@b>',
          'Call-ID: c',
          'CSeq: 1 INFO',
        ],
        'payload',
      );
      expect(parseRequest(data, true).body.length).to.equal(0);
      expect(parseRequest(data, false).body.toString()).to.equal('payload');
    });

    it('every parse error code is documented with a status and a reason phrase', () => {
      for (const [code, entry] of Object.entries(SIP_PARSE_ERRORS)) {
        expect(code).to.match(/^SIP_PARSE_[A-Z_]+$/);
        expect(entry.status, code).to.be.oneOf([400, 413, 505]);
        expect(entry.reason, code).to.match(/^[A-Z][A-Za-z -]+$/);
        expect(entry.description.length, code).to.be.greaterThan(10);
      }
    });

    it('only CRLFs is an empty message, a datagram ending inside a header is incomplete', () => {
      expect(parseError(Buffer.from('\r\n\r\n')).code).to.equal('SIP_PARSE_EMPTY');
      expect(parseError(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;bra')).code).to.equal(
        'SIP_PARSE_NO_BODY_SEPARATOR',
      );
    });
  });
});
