import { expect } from 'chai';
import { TRANSPORT_ERROR_CODES } from '../../../../../recorder/src/sip/transport/errors.js';
import { buildStatelessResponse } from '../../../../../recorder/src/sip/transport/stateless-response.js';
import { loadFixture } from '../../../../support/sip-transport/fixtures.js';

const headerOf = (message: Buffer): Buffer => {
  const text = message.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return message.subarray(0, end + (text.slice(end).startsWith('\r\n\r\n') ? 4 : 2));
};

describe('buildStatelessResponse', () => {
  it('copies both Vias in order, From, To (adding our tag), Call-ID and CSeq', () => {
    const response = buildStatelessResponse(
      headerOf(loadFixture('options-no-content-length.sip')),
      400,
      'Bad Request',
      'tag42',
    );
    expect(response?.toString('latin1')).to.equal(
      [
        'SIP/2.0 400 Bad Request',
        'Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK-nocl-1',
        'Via: SIP/2.0/TCP 203.0.113.9:5060;branch=z9hG4bK-nocl-0',
        'From: <sip:src@198.51.100.7>;tag=nc1',
        'To: <sip:srs@192.0.2.10>;tag=tag42',
        'Call-ID: no-content-length-1@198.51.100.7',
        'CSeq: 11 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });

  it('reads compact header names and keeps an existing To tag', () => {
    const text = loadFixture('info-lf-only.sip').toString('latin1');
    const response = buildStatelessResponse(
      Buffer.from(text.split('\n\n')[0] + '\n\n'),
      400,
      'Bad Request',
      'x',
    );
    expect(response?.toString('latin1')).to.include('To: <sip:srs@192.0.2.10>;tag=srs1\r\n');
    const compact = buildStatelessResponse(
      headerOf(loadFixture('options-compact-length.sip')),
      400,
      'Bad Request',
      't1',
    );
    expect(compact?.toString('latin1')).to.include('Call-ID: compact-options-1@198.51.100.7\r\n');
    expect(compact?.toString('latin1')).to.include(
      'Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK-opt-compact-1;alias',
    );
  });

  it('does not answer a response, an ACK, or a request missing Call-ID', () => {
    expect(
      buildStatelessResponse(headerOf(loadFixture('response-no-content-length.sip')), 400, 'x', 't'),
    ).to.equal(undefined);
    const ack = Buffer.from(
      'ACK sip:srs@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/TCP 1.2.3.4;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n' +
        'To: <sip:c@d>;tag=2\r\nCall-ID: ack-1\r\nCSeq: 1 ACK\r\n\r\n',
    );
    expect(buildStatelessResponse(ack, 400, 'Bad Request', 't')).to.equal(undefined);
    const noCallId = Buffer.from(
      ack.toString().replace('ACK sip', 'BYE sip').replace('Call-ID: ack-1\r\n', ''),
    );
    expect(buildStatelessResponse(noCallId, 400, 'Bad Request', 't')).to.equal(undefined);
    expect(
      buildStatelessResponse(Buffer.from('\x16\x03\x01garbage\r\n\r\n'), 400, 'Bad Request', 't'),
    ).to.equal(undefined);
  });

  it('every transport error code is documented', () => {
    for (const [code, text] of Object.entries(TRANSPORT_ERROR_CODES)) {
      expect(code).to.match(/^SIP_(TRANSPORT|FRAMING)_[A-Z_]+$/);
      expect(text.length, code).to.be.greaterThan(20);
    }
  });
});
