import { expect } from 'chai';
import { Dialog } from '../../../../../recorder/src/sip/dialog/dialog.js';
import { DialogError } from '../../../../../recorder/src/sip/dialog/dialog-error.js';
import { parseSipMessage } from '../../../../../recorder/src/sip/message/parser.js';
import { serializeSipMessage } from '../../../../../recorder/src/sip/message/serializer.js';
import type { SipRequest } from '../../../../../recorder/src/sip/message/types.js';
import { countingRandom, fixture, sipText, TCP_SOURCE, UDP_SOURCE, vector } from '../support.js';

const LOCAL_CONTACT = '<sip:srs@198.51.100.1:5060;transport=tcp>;+sip.srs';

function req(data: Buffer): SipRequest {
  const m = parseSipMessage(data);
  if (m.type !== 'request') throw new Error('request expected');
  return m;
}

function inDialog(method: string, cseq: number, extra: string[] = []): SipRequest {
  return req(
    sipText([
      `${method} sip:srs@198.51.100.1 SIP/2.0`,
      'Via: SIP/2.0/TCP 10.173.186.96:5060;branch=z9hG4bKd' + String(cseq),
      'From:  sip:acmeSrc@10.173.186.96;tag=672c8ccd',
      'To: <sip:10.178.60.190:5060;transport=tcp>;tag=srs-tag',
      'Call-ID: oracle-1@10.178.60.190',
      `CSeq: ${cseq} ${method}`,
      ...extra,
      'Content-Length: 0',
    ]),
  );
}

describe('Dialog (UAS, RFC 3261 §12)', () => {
  it('is built from the INVITE (§12.1.1) and identified by Call-ID;local;remote', () => {
    const invite = req(fixture('oracle-double-space-no-brackets.sip'));
    const d = Dialog.fromInvite(invite, TCP_SOURCE, 'srs-tag', LOCAL_CONTACT);
    expect(d.id).to.equal('oracle-1@10.178.60.190;srs-tag;672c8ccd');
    expect(d.remoteTarget).to.equal('sip:acmeSrc@10.173.186.96:5060;transport=tcp');
    expect(d.remoteUri).to.equal('sip:acmeSrc@10.173.186.96');
    expect(d.localUri).to.equal('sip:10.178.60.190:5060;transport=tcp');
    expect(d.remoteCSeq).to.equal(111167);
    expect(d.localCSeq).to.equal(0);
    expect(d.secure).to.equal(false);
    expect(d.target).to.deep.equal({
      protocol: 'tcp',
      address: '10.173.186.96',
      port: 5060,
      connectionId: 'tcp-7',
    });
    expect(Dialog.idOfRequest(inDialog('BYE', 111168))).to.equal(d.id);
  });

  it('enforces CSeq order (§12.2.2): lower → 500, equal or higher accepted, ACK/CANCEL unaffected', () => {
    const d = Dialog.fromInvite(
      req(fixture('oracle-double-space-no-brackets.sip')),
      TCP_SOURCE,
      'srs-tag',
      LOCAL_CONTACT,
    );
    expect(d.acceptRequest(inDialog('UPDATE', 111170))).to.deep.equal({ accepted: true });
    expect(d.remoteCSeq).to.equal(111170);
    expect(d.acceptRequest(inDialog('INFO', 111169))).to.deep.equal({
      accepted: false,
      status: 500,
      reason: 'CSeq Out of Order',
    });
    expect(d.acceptRequest(inDialog('ACK', 111167))).to.deep.equal({ accepted: true });
    expect(d.remoteCSeq).to.equal(111170);
    expect(d.acceptRequest(inDialog('BYE', 111171))).to.deep.equal({ accepted: true });
    const foreign = inDialog('BYE', 111172);
    foreign.headers.set('Call-ID', 'other');
    expect(d.acceptRequest(foreign)).to.include({ accepted: false, status: 481 });
  });

  it('target-refresh requests (re-INVITE, UPDATE) replace the remote target; BYE and INFO do not', () => {
    const d = Dialog.fromInvite(
      req(fixture('oracle-double-space-no-brackets.sip')),
      UDP_SOURCE,
      'srs-tag',
      LOCAL_CONTACT,
    );
    d.acceptRequest(inDialog('INFO', 111168, ['Contact: <sip:elsewhere@192.0.2.99>']));
    expect(d.remoteTarget).to.equal('sip:acmeSrc@10.173.186.96:5060;transport=tcp');
    d.acceptRequest(inDialog('INVITE', 111169, ['Contact: <sip:acmeSrc@10.173.186.97:5080;transport=tcp>']));
    expect(d.remoteTarget).to.equal('sip:acmeSrc@10.173.186.97:5080;transport=tcp');
    expect(d.target).to.include({ address: '10.173.186.97', port: 5080 });
    d.acceptRequest(inDialog('UPDATE', 111170, ['m: <sip:acmeSrc@10.173.186.98>']));
    expect(d.remoteTarget).to.equal('sip:acmeSrc@10.173.186.98');
  });

  it('creates in-dialog requests per §12.2.1.1 (loose routing)', () => {
    const invite = req(fixture('ipv6-alias-record-route.sip'));
    const d = Dialog.fromInvite(invite, TCP_SOURCE, 'srs9', '<sip:srs@[2001:db8::1]:5060;transport=tcp>');
    expect(d.target).to.deep.equal({
      protocol: 'tcp',
      address: '2001:db8::20',
      port: 5060,
      connectionId: 'tcp-7',
    });
    const bye = d.createRequest('BYE', { random: countingRandom(0) });
    expect(bye.uri).to.equal('sip:src@[2001:db8::10]:5060;transport=tcp');
    expect(bye.headers.getAll('Route')).to.deep.equal([
      '<sip:[2001:db8::20];lr>',
      '<sip:proxy.example.net;lr;transport=tcp>',
    ]);
    expect(bye.headers.get('From')).to.equal('<sip:srs@[2001:db8::1]>;tag=srs9');
    expect(bye.headers.get('To')).to.equal('<sip:src@[2001:db8::10]>;tag=v6');
    expect(bye.headers.get('CSeq')).to.equal('1 BYE');
    expect(bye.headers.get('Max-Forwards')).to.equal('70');
    expect(bye.headers.get('Via')).to.equal(
      'SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK00010203040506070809;rport',
    );
    expect(bye.headers.has('Contact')).to.equal(false);
    const reinvite = d.createRequest('INVITE', {
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
    });
    expect(reinvite.headers.get('CSeq')).to.equal('2 INVITE');
    expect(reinvite.headers.get('Contact')).to.equal('<sip:srs@[2001:db8::1]:5060;transport=tcp>');
    const ack = d.createRequest('ACK', { cseq: 2 });
    expect(ack.headers.get('CSeq')).to.equal('2 ACK');
    expect(d.localCSeq).to.equal(2);
    // What it builds is a valid message.
    const wire = parseSipMessage(serializeSipMessage(reinvite), { stream: true });
    expect(wire.body.toString()).to.equal('v=0\r\n');
  });

  it('strict routing: the first route becomes the Request-URI and the remote target the last Route', () => {
    const invite = req(fixture('ipv6-alias-record-route.sip'));
    invite.headers.set('Record-Route', '<sip:strict.example.net>');
    const d = Dialog.fromInvite(invite, TCP_SOURCE, 'srs9', '<sip:srs@[2001:db8::1]>');
    const bye = d.createRequest('BYE');
    expect(bye.uri).to.equal('sip:strict.example.net');
    expect(bye.headers.getAll('Route')).to.deep.equal(['<sip:src@[2001:db8::10]:5060;transport=tcp>']);
  });

  it('round-trips through toJSON/fromJSON (another recorder can continue the dialog)', () => {
    const invite = req(vector('gotest-audiocodes-mediant-ve-7.20A-full-invite.sip'));
    const d = Dialog.fromInvite(invite, TCP_SOURCE, 'srsA', '<sip:srs@198.51.100.1;transport=tcp>');
    d.createRequest('INFO');
    d.acceptRequest(
      req(
        sipText([
          'UPDATE sip:siprec-ip SIP/2.0',
          'Via: SIP/2.0/TCP 8.8.8.8:5060;alias;branch=z9hG4bKup',
          'From: <sip:10.0.0.31;user=phone>;tag=1c1789648591',
          'To: <sip:siprec-ip@siprec-ip;user=phone>;tag=srsA',
          'Call-ID: 1974564438218202316425@8.8.8.8',
          'CSeq: 5 UPDATE',
          'Contact: <sip:8.8.8.8:5062;transport=tcp>',
          'Content-Length: 0',
        ]),
      ),
    );
    const json = JSON.parse(JSON.stringify(d)) as unknown;
    const copy = Dialog.fromJSON(json);
    expect(copy.toJSON()).to.deep.equal(d.toJSON());
    expect(copy.id).to.equal('1974564438218202316425@8.8.8.8;srsA;1c1789648591');
    expect(copy.remoteCSeq).to.equal(5);
    expect(copy.createRequest('BYE').headers.get('CSeq')).to.equal('2 BYE');
    expect(copy.acceptRequest(inDialog('BYE', 1))).to.include({ status: 481 });
  });

  it('rejects corrupt snapshots and INVITEs without a From tag with coded errors', () => {
    const good = Dialog.fromInvite(
      req(fixture('compact-forms-invite.sip')),
      UDP_SOURCE,
      't',
      '<sip:srs@h>',
    ).toJSON();
    const bad: unknown[] = [
      null,
      { ...good, version: 2 },
      { ...good, callId: 42 },
      { ...good, routeSet: [1] },
      { ...good, remoteCSeq: -1 },
      { ...good, target: { ...good.target, port: 70000 } },
      { ...good, target: { ...good.target, protocol: 'sctp' } },
      { ...good, localTag: '' },
    ];
    for (const b of bad)
      expect(() => Dialog.fromJSON(b))
        .to.throw(DialogError)
        .with.property('code', 'SIP_DIALOG_BAD_SNAPSHOT');
    const noTag = req(fixture('compact-forms-invite.sip'));
    noTag.headers.set('From', '<sip:src@192.0.2.10>');
    expect(() => Dialog.fromInvite(noTag, UDP_SOURCE, 't', '<sip:srs@h>'))
      .to.throw(DialogError)
      .with.property('code', 'SIP_DIALOG_NO_REMOTE_TAG');
  });
});
