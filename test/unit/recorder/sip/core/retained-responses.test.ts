import { expect } from 'chai';
import { SipCore } from '../../../../../recorder/src/sip/core/sip-core.js';
import type { IncomingRequest } from '../../../../../recorder/src/sip/core/transaction-user.js';
import { FakeClock } from '../fake-clock.js';
import { countingRandom, RecordingTransport, sipText, UDP_SOURCE } from '../support.js';

/**
 * A server transaction keeps its final response through Timer J / Completed only as wire text
 * (WireResponse), and its keys and tags as own copies of the request's strings. What a peer sees must not
 * change: every retransmission of the response is byte-for-byte the first one, binary bodies included.
 */

/** A body with every byte value, so a lossy text round trip of the kept response would show. */
const BINARY_BODY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function request(method: string, branch: string): Buffer {
  return sipText([
    `${method} sip:srs@198.51.100.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch};rport`,
    'From: "SRC ünïcode" <sip:src@192.0.2.10>;tag=src-retained-1',
    'To: <sip:srs@198.51.100.1>',
    'Call-ID: retained-responses-call-id-long-enough@192.0.2.10',
    `CSeq: 1 ${method}`,
    'Contact: <sip:src@192.0.2.10:5060>',
    'Max-Forwards: 70',
    'Content-Length: 0',
  ]);
}

function core(answer: (incoming: IncomingRequest) => void): {
  sip: SipCore;
  transport: RecordingTransport;
  clock: FakeClock;
} {
  const transport = new RecordingTransport();
  const clock = new FakeClock();
  const sip = new SipCore(
    { transport, clock, random: countingRandom(), viaHost: '198.51.100.1', viaPort: 5060, userAgent: 'ua' },
    { onRequest: answer, onAck: () => undefined, onCancel: () => undefined },
  );
  return { sip, transport, clock };
}

describe('SipCore: responses kept for retransmission', () => {
  it('answers each retransmitted MESSAGE during Timer J with the very bytes of the first 200, binary body included', () => {
    const { sip, transport, clock } = core((incoming) =>
      incoming.respond(200, { body: BINARY_BODY, contentType: 'application/octet-stream' }),
    );
    const msg = request('MESSAGE', 'z9hG4bKretained-msg');
    sip.receive(msg, UDP_SOURCE);
    expect(transport.sent).to.have.length(1);
    const first = transport.sent[0]!.data;
    expect(first.subarray(first.length - 256).equals(BINARY_BODY)).to.equal(true);
    clock.tick(1000);
    sip.receive(msg, UDP_SOURCE);
    clock.tick(20000);
    sip.receive(msg, UDP_SOURCE);
    expect(transport.sent.map((s) => s.data.equals(first))).to.deep.equal([true, true, true]);
    // Timer J (64·T1) ends the transaction: a later copy is a new request, answered by the TU again.
    clock.tick(12000);
    expect(sip.stats.serverTransactions).to.equal(0);
  });

  it("resends a rejected INVITE's 486 on Timer G and on INVITE retransmissions unchanged, until the ACK", () => {
    const { sip, transport, clock } = core((incoming) => incoming.respond(486, { reason: 'Busy Here — ça' }));
    const invite = request('INVITE', 'z9hG4bKretained-inv');
    sip.receive(invite, UDP_SOURCE);
    const lines = transport.firstLines();
    expect(lines).to.deep.equal(['SIP/2.0 100 Trying', 'SIP/2.0 486 Busy Here — ça']);
    const final = transport.sent[1]!.data;
    clock.tick(500); // Timer G = T1
    sip.receive(invite, UDP_SOURCE);
    clock.tick(1000); // Timer G = 2·T1
    expect(transport.sent.slice(1).map((s) => s.data.equals(final))).to.deep.equal([true, true, true, true]);
    const toTag = /;tag=([^;\r\n]+)/.exec(final.toString('utf8').split('\r\nTo: ')[1] ?? '')?.[1] ?? '';
    sip.receive(
      sipText([
        'ACK sip:srs@198.51.100.1:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKretained-inv;rport',
        'From: "SRC ünïcode" <sip:src@192.0.2.10>;tag=src-retained-1',
        `To: <sip:srs@198.51.100.1>;tag=${toTag}`,
        'Call-ID: retained-responses-call-id-long-enough@192.0.2.10',
        'CSeq: 1 ACK',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ]),
      UDP_SOURCE,
    );
    const sentAtAck = transport.sent.length;
    // Confirmed: a late INVITE copy is absorbed and Timer G no longer fires; Timer I (T4) then ends it.
    clock.tick(1000);
    sip.receive(invite, UDP_SOURCE);
    clock.tick(9000);
    expect(transport.sent.length).to.equal(sentAtAck);
    expect(sip.stats.serverTransactions).to.equal(0);
  });

  it('retransmits a final response with more header rows than a peer may send (limits guard input only)', () => {
    const headers = Array.from({ length: 300 }, (_, n): [string, string] => [`X-Row-${n}`, `value ${n}`]);
    const { sip, transport, clock } = core((incoming) => incoming.respond(603, { headers }));
    sip.receive(request('INVITE', 'z9hG4bKretained-rows'), UDP_SOURCE);
    const final = transport.sent[1]!.data;
    clock.tick(500 + 1000); // Timer G twice
    expect(transport.sent.slice(1).map((s) => s.data.equals(final))).to.deep.equal([true, true, true]);
  });
});
