import { expect } from 'chai';
import { createResponse } from '../../../../../recorder/src/sip/message/response.js';
import { ServerNonInviteTransaction } from '../../../../../recorder/src/sip/transaction/server-non-invite-transaction.js';
import { FakeClock } from '../fake-clock.js';
import { RecordingSender, request } from './harness.js';

function setup(reliable = false) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable, clock);
  const events: string[] = [];
  const bye = request('BYE', { toTag: 'srs', cseq: 2 });
  const tx = new ServerNonInviteTransaction(
    bye,
    sender,
    { onTerminated: () => events.push(`terminated@${clock.now()}`) },
    clock,
  );
  return { clock, sender, events, bye, tx };
}

describe('ServerNonInviteTransaction (RFC 3261 §17.2.2)', () => {
  it('Trying discards retransmissions; Proceeding and Completed resend the last response', () => {
    const { sender, tx, bye } = setup();
    tx.receiveRequest(bye);
    expect(sender.sent).to.have.length(0);
    tx.respond(createResponse(bye, 100));
    tx.receiveRequest(bye);
    expect(sender.timesOf(/100 Trying/)).to.deep.equal([0, 0]);
    tx.respond(createResponse(bye, 200));
    tx.receiveRequest(bye);
    tx.receiveRequest(bye);
    expect(sender.timesOf(/200 OK/)).to.have.length(3);
    expect(tx.respond(createResponse(bye, 500))).to.equal(false);
  });

  it('Timer J keeps the transaction 64·T1 on UDP and ends it at once on TCP', () => {
    const udp = setup();
    udp.tx.respond(createResponse(udp.bye, 200));
    udp.clock.tick(31999);
    expect(udp.tx.state).to.equal('completed');
    udp.clock.tick(1);
    expect(udp.events).to.deep.equal(['terminated@32000']);
    const tcp = setup(true);
    tcp.tx.respond(createResponse(tcp.bye, 200));
    expect(tcp.events).to.deep.equal(['terminated@0']);
  });
});
