import { expect } from 'chai';
import { newBranch, newCallId, newTag } from '../../../../../recorder/src/sip/message/random.js';
import { createResponse } from '../../../../../recorder/src/sip/message/response.js';
import { parseSipMessage } from '../../../../../recorder/src/sip/message/parser.js';
import { serializeSipMessage } from '../../../../../recorder/src/sip/message/serializer.js';
import type { SipRequest } from '../../../../../recorder/src/sip/message/types.js';
import { countingRandom, sipText } from '../support.js';

function invite(): SipRequest {
  const msg = parseSipMessage(
    sipText([
      'INVITE sip:srs@198.51.100.1 SIP/2.0',
      'Via: SIP/2.0/UDP proxy.example.net;branch=z9hG4bKp1, SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKu1',
      'v: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKu0',
      'From: "SRC" <sip:src@192.0.2.10>;tag=s1',
      'To: <sip:srs@198.51.100.1>',
      'Call-ID: resp-1',
      'CSeq: 10 INVITE',
      'Timestamp: 54',
      'Contact: <sip:src@192.0.2.10>',
      'Content-Length: 0',
    ]),
  );
  if (msg.type !== 'request') throw new Error('request expected');
  return msg;
}

describe('createResponse', () => {
  it('copies every Via in order, From, To with our tag, Call-ID and CSeq (RFC 3261 §8.2.6)', () => {
    const res = createResponse(invite(), 200, undefined, {
      toTag: 'srs9',
      headers: [['Contact', '<sip:srs@198.51.100.1>']],
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
    });
    expect(res.reason).to.equal('OK');
    expect(res.headers.getAll('Via').map((v) => /branch=(\w+)/.exec(v)?.[1])).to.deep.equal([
      'z9hG4bKp1',
      'z9hG4bKu1',
      'z9hG4bKu0',
    ]);
    expect(res.headers.get('To')).to.equal('<sip:srs@198.51.100.1>;tag=srs9');
    expect(res.headers.get('From')).to.equal('"SRC" <sip:src@192.0.2.10>;tag=s1');
    expect(res.headers.get('CSeq')).to.equal('10 INVITE');
    expect(res.headers.has('Timestamp')).to.equal(false);
    const wire = serializeSipMessage(res).toString();
    expect(wire).to.match(/^SIP\/2\.0 200 OK\r\n/);
    expect(wire).to.include('\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n');
  });

  it('keeps an existing To tag, copies Timestamp into 100, and knows every reason phrase we use', () => {
    const req = invite();
    req.headers.set('To', '<sip:srs@198.51.100.1>;tag=already');
    expect(createResponse(req, 486, undefined, { toTag: 'other' }).headers.get('To')).to.equal(
      '<sip:srs@198.51.100.1>;tag=already',
    );
    expect(createResponse(req, 100).headers.get('Timestamp')).to.equal('54');
    const expected: Record<number, string> = {
      100: 'Trying',
      180: 'Ringing',
      200: 'OK',
      202: 'Accepted',
      400: 'Bad Request',
      403: 'Forbidden',
      404: 'Not Found',
      405: 'Method Not Allowed',
      408: 'Request Timeout',
      413: 'Request Entity Too Large',
      415: 'Unsupported Media Type',
      416: 'Unsupported URI Scheme',
      420: 'Bad Extension',
      422: 'Session Interval Too Small',
      481: 'Call/Transaction Does Not Exist',
      482: 'Loop Detected',
      486: 'Busy Here',
      487: 'Request Terminated',
      488: 'Not Acceptable Here',
      491: 'Request Pending',
      500: 'Server Internal Error',
      501: 'Not Implemented',
      503: 'Service Unavailable',
      504: 'Server Time-out',
      505: 'Version Not Supported',
      513: 'Message Too Large',
    };
    for (const [status, reason] of Object.entries(expected)) {
      expect(createResponse(req, Number(status)).reason).to.equal(reason);
    }
    expect(createResponse(req, 400, 'Bad Content-Length').reason).to.equal('Bad Content-Length');
  });
});

describe('random identifiers', () => {
  it('branches carry the magic cookie; tags and Call-IDs come from the injected source', () => {
    const rnd = countingRandom(0);
    expect(newTag(rnd)).to.equal('0001020304050607');
    expect(newBranch(rnd)).to.equal('z9hG4bK08090a0b0c0d0e0f1011');
    expect(newCallId(rnd, 'srs.example')).to.equal('12131415161718191a1b1c1d1e1f2021@srs.example');
    const real = new Set(Array.from({ length: 100 }, () => newBranch()));
    expect(real.size).to.equal(100);
    for (const b of real) expect(b.startsWith('z9hG4bK')).to.equal(true);
  });
});
