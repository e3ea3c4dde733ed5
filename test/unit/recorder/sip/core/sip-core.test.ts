import { expect } from 'chai';
import { SipCore } from '../../../../../recorder/src/sip/core/sip-core.js';
import type {
  IncomingRequest,
  SipTransactionUser,
} from '../../../../../recorder/src/sip/core/transaction-user.js';
import { Dialog } from '../../../../../recorder/src/sip/dialog/dialog.js';
import { getTag } from '../../../../../recorder/src/sip/message/name-addr.js';
import { SipParseError } from '../../../../../recorder/src/sip/message/parse-error.js';
import { parseSipMessage } from '../../../../../recorder/src/sip/message/parser.js';
import type { SipRequest, SipResponse } from '../../../../../recorder/src/sip/message/types.js';
import { parseVia } from '../../../../../recorder/src/sip/message/via.js';
import type { MessageSource } from '../../../../../recorder/src/sip/transport/types.js';
import { FakeClock } from '../fake-clock.js';
import {
  countingRandom,
  fixture,
  RecordingTransport,
  sipText,
  TCP_SOURCE,
  UDP_SOURCE,
  vector,
} from '../support.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function inviteBytes(opts: { branch?: string; cseq?: number; via?: string } = {}): Buffer {
  return sipText(
    [
      'INVITE sip:srs@198.51.100.1:5060 SIP/2.0',
      opts.via ?? `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${opts.branch ?? 'z9hG4bKinv1'};rport`,
      'From: "SRC" <sip:src@192.0.2.10>;tag=src1',
      'To: <sip:srs@198.51.100.1>',
      'Call-ID: core-1@192.0.2.10',
      `CSeq: ${opts.cseq ?? 1} INVITE`,
      'Contact: <sip:src@192.0.2.10:5060>;+sip.src',
      'Require: siprec',
      'Max-Forwards: 70',
      'Content-Type: application/sdp',
      `Content-Length: ${SDP.length}`,
    ],
    SDP,
  );
}

function inDialog(method: string, toTag: string, opts: { branch: string; cseq: number }): Buffer {
  return sipText([
    `${method} sip:srs@198.51.100.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${opts.branch};rport`,
    'From: "SRC" <sip:src@192.0.2.10>;tag=src1',
    `To: <sip:srs@198.51.100.1>;tag=${toTag}`,
    'Call-ID: core-1@192.0.2.10',
    `CSeq: ${opts.cseq} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
  ]);
}

/** A TU that records what the core tells it and answers per a script. */
class ScriptedUser implements SipTransactionUser {
  readonly requests: IncomingRequest[] = [];
  readonly acks: SipRequest[] = [];
  readonly cancels: IncomingRequest[] = [];
  readonly ackTimeouts: IncomingRequest[] = [];
  answer: (incoming: IncomingRequest) => void = () => undefined;

  onRequest(incoming: IncomingRequest): void {
    this.requests.push(incoming);
    this.answer(incoming);
  }
  onAck(request: SipRequest): void {
    this.acks.push(request);
  }
  onCancel(incoming: IncomingRequest): void {
    this.cancels.push(incoming);
  }
  onAckTimeout(incoming: IncomingRequest): void {
    this.ackTimeouts.push(incoming);
  }
}

function setup(opts: { throwOnRequest?: boolean } = {}) {
  const clock = new FakeClock();
  const transport = new RecordingTransport();
  const user = new ScriptedUser();
  const parseErrors: string[] = [];
  if (opts.throwOnRequest) {
    user.answer = () => {
      throw new Error('TU bug');
    };
  }
  const core = new SipCore(
    {
      transport,
      clock,
      random: countingRandom(0x10),
      viaHost: '198.51.100.1',
      viaPort: { udp: 5060, tcp: 5060, tls: 5061 },
      userAgent: 'siprec-recorder/test',
      onParseError: (err: SipParseError) => parseErrors.push(err.code),
    },
    user,
  );
  const sentAt: number[] = [];
  const origSend = transport.send.bind(transport);
  transport.send = (data, target) => {
    sentAt.push(clock.now());
    return origSend(data, target);
  };
  return { clock, transport, user, core, parseErrors, sentAt };
}

function responses(transport: RecordingTransport): SipResponse[] {
  return transport.sent.map((m) => parseSipMessage(m.data) as SipResponse);
}

describe('SipCore', () => {
  it('INVITE → 100 → 200 → retransmissions → ACK → BYE → 200, over UDP', () => {
    const { clock, transport, user, core, sentAt } = setup();
    user.answer = (incoming) => {
      if (incoming.request.method === 'INVITE') {
        clock.tick(20);
        incoming.respond(200, {
          headers: [['Contact', '<sip:srs@198.51.100.1:5060>']],
          body: Buffer.from('v=0\r\n'),
          contentType: 'application/sdp',
        });
      } else incoming.respond(200);
    };
    core.receive(inviteBytes(), UDP_SOURCE);

    const [trying, ok] = responses(transport);
    expect(trying?.status).to.equal(100);
    expect(sentAt[0]).to.equal(0); // 100 Trying before the TU even started.
    expect(getTag(trying?.headers.get('To'))).to.equal(undefined);
    expect(ok?.status).to.equal(200);
    const localTag = getTag(ok?.headers.get('To'));
    expect(localTag).to.equal(user.requests[0]?.localTag);
    expect(ok?.headers.get('Server')).to.equal('siprec-recorder/test');
    expect(ok?.headers.get('Content-Type')).to.equal('application/sdp');
    // RFC 3581: answered to the packet's source port, and the Via records where it came from.
    expect(transport.sent[1]?.target).to.deep.equal({ protocol: 'udp', address: '192.0.2.10', port: 5070 });
    const via = parseVia(ok?.headers.get('Via') ?? '');
    expect(via.params.get('rport')).to.equal('5070');
    expect(via.params.get('received')).to.equal('192.0.2.10');

    // The 2xx is retransmitted at T1, 2·T1, 4·T1, T2… until the ACK (§13.3.1.4).
    clock.tick(8000);
    expect(sentAt.slice(1)).to.deep.equal([20, 520, 1520, 3520, 7520]);
    core.receive(inDialog('ACK', localTag ?? '', { branch: 'z9hG4bKack1', cseq: 1 }), UDP_SOURCE);
    expect(user.acks).to.have.length(1);
    // Nothing is kept for an ACKed 2xx; only the INVITE transaction lingers for Timer L.
    expect(core.stats).to.deep.equal({ serverTransactions: 1, clientTransactions: 0, pendingAcks: 0 });
    // A retransmitted ACK is absorbed, and nothing more is sent.
    core.receive(inDialog('ACK', localTag ?? '', { branch: 'z9hG4bKack1', cseq: 1 }), UDP_SOURCE);
    clock.tick(60000);
    expect(user.acks).to.have.length(1);
    expect(sentAt).to.have.length(6);
    expect(user.ackTimeouts).to.have.length(0);

    core.receive(inDialog('BYE', localTag ?? '', { branch: 'z9hG4bKbye1', cseq: 2 }), UDP_SOURCE);
    const last = responses(transport).at(-1);
    expect(last?.status).to.equal(200);
    expect(last?.headers.get('CSeq')).to.equal('2 BYE');
    expect(user.requests.map((r) => r.request.method)).to.deep.equal(['INVITE', 'BYE']);
    // A retransmitted BYE gets the same 200 without bothering the TU.
    core.receive(inDialog('BYE', localTag ?? '', { branch: 'z9hG4bKbye1', cseq: 2 }), UDP_SOURCE);
    expect(user.requests).to.have.length(2);
    expect(
      responses(transport)
        .slice(-2)
        .map((r) => r.status),
    ).to.deep.equal([200, 200]);
    clock.tick(40000);
    expect(core.stats).to.deep.equal({ serverTransactions: 0, clientTransactions: 0, pendingAcks: 0 });
  });

  it('a 2xx never ACKed is retransmitted at 500/1000/2000/4000/4000… ms and then reported (Timer H analogue)', () => {
    const { clock, user, core, sentAt } = setup();
    user.answer = (incoming) => incoming.respond(200);
    core.receive(inviteBytes(), UDP_SOURCE);
    clock.tick(31999);
    expect(user.ackTimeouts).to.have.length(0);
    clock.tick(1);
    expect(sentAt.slice(1)).to.deep.equal([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(user.ackTimeouts.map((i) => i.request.headers.get('Call-ID'))).to.deep.equal([
      'core-1@192.0.2.10',
    ]);
    clock.tick(10000);
    expect(sentAt).to.have.length(12);
  });

  it('a retransmitted INVITE is absorbed: the TU sees it once, the peer gets the last provisional again', () => {
    const { transport, user, core } = setup();
    user.answer = (incoming) => incoming.respond(180);
    core.receive(inviteBytes(), UDP_SOURCE);
    core.receive(inviteBytes(), UDP_SOURCE);
    expect(user.requests).to.have.length(1);
    expect(responses(transport).map((r) => r.status)).to.deep.equal([100, 180, 180]);
  });

  it('CANCEL → 200 to the CANCEL and 487 to the INVITE before onCancel; a late 200 is ignored; the ACK is absorbed', () => {
    const { transport, user, core } = setup();
    let seenAtCancel: number[] = [];
    user.onCancel = (incoming) => {
      seenAtCancel = responses(transport).map((r) => r.status);
      user.cancels.push(incoming);
    };
    core.receive(inviteBytes({ branch: 'z9hG4bKc1' }), UDP_SOURCE);
    const cancel = sipText([
      'CANCEL sip:srs@198.51.100.1:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKc1;rport',
      'From: "SRC" <sip:src@192.0.2.10>;tag=src1',
      'To: <sip:srs@198.51.100.1>',
      'Call-ID: core-1@192.0.2.10',
      'CSeq: 1 CANCEL',
      'Max-Forwards: 70',
      'Content-Length: 0',
    ]);
    core.receive(cancel, UDP_SOURCE);
    const rs = responses(transport);
    expect(rs.map((r) => `${r.status} ${r.headers.get('CSeq')}`)).to.deep.equal([
      '100 1 INVITE',
      '200 1 CANCEL',
      '487 1 INVITE',
    ]);
    expect(seenAtCancel).to.deep.equal([100, 200, 487]);
    expect(user.cancels).to.have.length(1);
    // §9.2: the 200 to CANCEL carries the same To tag as the 487.
    expect(getTag(rs[1]?.headers.get('To'))).to.equal(getTag(rs[2]?.headers.get('To')));
    user.cancels[0]?.respond(200);
    expect(responses(transport)).to.have.length(3);
    // ACK for the 487 (same branch) completes the INVITE transaction; not a TU event.
    core.receive(
      inDialog('ACK', getTag(rs[2]?.headers.get('To')) ?? '', { branch: 'z9hG4bKc1', cseq: 1 }),
      UDP_SOURCE,
    );
    expect(user.acks).to.have.length(0);
    // A retransmitted CANCEL gets its 200 again.
    core.receive(cancel, UDP_SOURCE);
    expect(responses(transport).at(-1)?.status).to.equal(200);
    expect(user.cancels).to.have.length(1);
  });

  it('a CANCEL after the final response gets 200 and changes nothing (§9.2)', () => {
    const { transport, user, core } = setup();
    user.answer = (incoming) => incoming.respond(200);
    core.receive(inviteBytes({ branch: 'z9hG4bKlate' }), UDP_SOURCE);
    core.receive(
      sipText([
        'CANCEL sip:srs@198.51.100.1:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlate;rport',
        'From: "SRC" <sip:src@192.0.2.10>;tag=src1',
        'To: <sip:srs@198.51.100.1>',
        'Call-ID: core-1@192.0.2.10',
        'CSeq: 1 CANCEL',
        'Content-Length: 0',
      ]),
      UDP_SOURCE,
    );
    const rs = responses(transport);
    expect(rs.map((r) => `${r.status} ${r.headers.get('CSeq')}`)).to.deep.equal([
      '100 1 INVITE',
      '200 1 INVITE',
      '200 1 CANCEL',
    ]);
    expect(getTag(rs[2]?.headers.get('To'))).to.equal(getTag(rs[1]?.headers.get('To')));
    expect(user.cancels).to.have.length(0);
  });

  it('the same INVITE arriving again with another branch is a merged request: 482 (§8.2.2.2)', () => {
    const { transport, user, core } = setup();
    user.answer = (incoming) => incoming.respond(180);
    core.receive(inviteBytes({ branch: 'z9hG4bKpath1' }), UDP_SOURCE);
    core.receive(inviteBytes({ branch: 'z9hG4bKpath2' }), UDP_SOURCE);
    expect(user.requests).to.have.length(1);
    expect(transport.firstLines()).to.deep.equal([
      'SIP/2.0 100 Trying',
      'SIP/2.0 180 Ringing',
      'SIP/2.0 100 Trying',
      'SIP/2.0 482 Loop Detected',
    ]);
    // A new CSeq is a new request, not a merge.
    core.receive(inviteBytes({ branch: 'z9hG4bKpath3', cseq: 2 }), UDP_SOURCE);
    expect(user.requests).to.have.length(2);
  });

  it('a CANCEL for nothing gets 481; a stray ACK is dropped', () => {
    const { transport, user, core } = setup();
    core.receive(
      sipText([
        'CANCEL sip:srs@198.51.100.1 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnone',
        'From: <sip:src@192.0.2.10>;tag=x',
        'To: <sip:srs@198.51.100.1>',
        'Call-ID: nothing',
        'CSeq: 1 CANCEL',
        'Content-Length: 0',
      ]),
      UDP_SOURCE,
    );
    core.receive(inDialog('ACK', 'unknown', { branch: 'z9hG4bKstray', cseq: 1 }), UDP_SOURCE);
    expect(responses(transport).map((r) => r.status)).to.deep.equal([481]);
    // No rport asked: answered to received + the sent-by port (§18.2.2).
    expect(transport.sent[0]?.target).to.deep.equal({ protocol: 'udp', address: '192.0.2.10', port: 5060 });
    expect(user.requests).to.have.length(0);
    expect(user.acks).to.have.length(0);
  });

  it('answers an unparseable request with its 400 reason when it can, and reports every parse error', () => {
    const { transport, core, parseErrors } = setup();
    core.receive(fixture('malformed-content-length-negative.sip'), UDP_SOURCE);
    core.receive(vector('drachtiofixture-ribbon-sonus-full-invite-truncated.sip'), UDP_SOURCE);
    core.receive(fixture('malformed-missing-call-id.sip'), UDP_SOURCE);
    core.receive(Buffer.from('\x16\x03\x01garbage'), UDP_SOURCE);
    core.receive(fixture('malformed-version.sip'), UDP_SOURCE);
    expect(parseErrors).to.deep.equal([
      'SIP_PARSE_CONTENT_LENGTH',
      'SIP_PARSE_BODY_TRUNCATED',
      'SIP_PARSE_MISSING_HEADER',
      'SIP_PARSE_BAD_START_LINE',
      'SIP_PARSE_BAD_VERSION',
    ]);
    const lines = transport.firstLines();
    expect(lines).to.deep.equal([
      'SIP/2.0 400 Bad Content-Length',
      'SIP/2.0 400 Bad Content-Length',
      'SIP/2.0 505 Version Not Supported',
    ]);
    const ribbon = parseSipMessage(transport.sent[1]!.data) as SipResponse;
    expect(ribbon.headers.get('Call-ID')).to.equal('241467418_28680544@172.16.169.181');
    expect(getTag(ribbon.headers.get('To'))).to.be.a('string');
    // CRLF keep-alives are neither errors nor answered.
    core.receive(Buffer.from('\r\n\r\n'), UDP_SOURCE);
    expect(parseErrors).to.have.length(5);
  });

  it('over TCP, responses go back on the same connection and the 100 is not retransmitted', () => {
    const { transport, user, core } = setup();
    user.answer = (incoming) => incoming.respond(486);
    core.receive(fixture('oracle-double-space-no-brackets.sip'), TCP_SOURCE);
    expect(transport.sent.map((m) => m.target)).to.deep.equal([
      { protocol: 'tcp', address: '192.0.2.20', port: 5060, connectionId: 'tcp-7' },
      { protocol: 'tcp', address: '192.0.2.20', port: 5060, connectionId: 'tcp-7' },
    ]);
    expect(transport.firstLines()).to.deep.equal(['SIP/2.0 100 Trying', 'SIP/2.0 486 Busy Here']);
  });

  it('a TU that throws still yields a final response (500), and receive never throws', () => {
    const { transport, core } = setup({ throwOnRequest: true });
    expect(() => core.receive(inviteBytes(), UDP_SOURCE)).not.to.throw();
    expect(transport.firstLines()).to.deep.equal(['SIP/2.0 100 Trying', 'SIP/2.0 500 Server Internal Error']);
    const rnd = countingRandom(3);
    for (let i = 0; i < 500; i++) expect(() => core.receive(rnd(64 + (i % 300)), UDP_SOURCE)).not.to.throw();
  });

  it('sendRequest fills Via (sent-by, rport, branch), retransmits BYE over UDP and delivers the response', () => {
    const { clock, transport, core, user, sentAt } = setup();
    user.answer = (incoming) => incoming.respond(200, { headers: [['Contact', '<sip:srs@198.51.100.1>']] });
    core.receive(inviteBytes(), UDP_SOURCE);
    const incoming = user.requests[0]!;
    const dialog = Dialog.fromInvite(
      incoming.request,
      incoming.source,
      incoming.localTag,
      '<sip:srs@198.51.100.1:5060>',
    );
    core.receive(inDialog('ACK', incoming.localTag, { branch: 'z9hG4bKack9', cseq: 1 }), UDP_SOURCE);
    const got: number[] = [];
    const before = transport.sent.length;
    const handle = core.sendRequest(dialog.createRequest('BYE'), dialog.target, {
      onResponse: (r) => got.push(r.status),
      onTimeout: () => got.push(408),
      onTransportError: () => got.push(503),
    });
    expect(handle.branch.startsWith('z9hG4bK')).to.equal(true);
    const bye = parseSipMessage(transport.sent[before]!.data) as SipRequest;
    expect(bye.headers.getAll('Via')).to.deep.equal([
      `SIP/2.0/UDP 198.51.100.1:5060;branch=${handle.branch};rport`,
    ]);
    expect(bye.headers.get('User-Agent')).to.equal('siprec-recorder/test');
    expect(transport.sent[before]!.target).to.deep.equal({
      protocol: 'udp',
      address: '192.0.2.10',
      port: 5060,
    });
    clock.tick(1600);
    expect(sentAt.slice(before).map((t) => t - sentAt[before]!)).to.deep.equal([0, 500, 1500]);
    const ok = sipText([
      'SIP/2.0 200 OK',
      `Via: ${bye.headers.get('Via')};received=198.51.100.1`,
      `From: ${bye.headers.get('From')}`,
      `To: ${bye.headers.get('To')}`,
      `Call-ID: ${bye.headers.get('Call-ID')}`,
      `CSeq: ${bye.headers.get('CSeq')}`,
      'Content-Length: 0',
    ]);
    core.receive(ok, UDP_SOURCE);
    core.receive(ok, UDP_SOURCE);
    clock.tick(10000);
    expect(got).to.deep.equal([200]);
    expect(transport.sent.length - before).to.equal(3);
  });

  it('sendRequest reports a timeout and a transport error through the handlers', async () => {
    const { clock, transport, core } = setup();
    const events: string[] = [];
    const handlers = {
      onResponse: () => events.push('response'),
      onTimeout: () => events.push('timeout'),
      onTransportError: (e: Error) => events.push(`error:${e.message}`),
    };
    const req = parseSipMessage(inDialog('OPTIONS', 'x', { branch: 'z9hG4bKo1', cseq: 1 })) as SipRequest;
    core.sendRequest(req, { protocol: 'udp', address: '192.0.2.10', port: 5060 }, handlers);
    clock.tick(32000);
    transport.failNext = 1;
    const req2 = parseSipMessage(inDialog('OPTIONS', 'x', { branch: 'z9hG4bKo2', cseq: 2 })) as SipRequest;
    core.sendRequest(req2, { protocol: 'tcp', address: '192.0.2.10', port: 5060 }, handlers);
    await new Promise((r) => setImmediate(r));
    expect(events).to.deep.equal(['timeout', 'error:send failed']);
  });

  it('close() stops every timer; a closed core ignores input', () => {
    const { clock, transport, user, core } = setup();
    user.answer = (incoming) => incoming.respond(200);
    core.receive(inviteBytes(), UDP_SOURCE);
    expect(clock.pending).to.be.greaterThan(0);
    core.close();
    core.close();
    expect(clock.pending).to.equal(0);
    const n = transport.sent.length;
    core.receive(inviteBytes({ branch: 'z9hG4bKafter' }), UDP_SOURCE);
    clock.tick(60000);
    expect(transport.sent.length).to.equal(n);
  });

  it('answers from a source behind NAT without rport go to received + sent-by port; TLS defaults to 5061', () => {
    const { transport, user, core } = setup();
    user.answer = (incoming) => incoming.respond(404);
    core.receive(inviteBytes({ via: 'Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKnat' }), UDP_SOURCE);
    expect(transport.sent[0]?.target).to.deep.equal({ protocol: 'udp', address: '192.0.2.10', port: 5060 });
    const tls: MessageSource = { ...TCP_SOURCE, protocol: 'tls', connectionId: 'tls-1' };
    core.receive(inviteBytes({ via: 'Via: SIP/2.0/TLS sbc.example.net;branch=z9hG4bKtls' }), tls);
    expect(transport.sent.at(-1)?.target).to.deep.equal({
      protocol: 'tls',
      address: '192.0.2.20',
      port: 5061,
      connectionId: 'tls-1',
    });
  });
});
