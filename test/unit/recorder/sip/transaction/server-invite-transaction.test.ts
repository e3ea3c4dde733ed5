import { expect } from 'chai';
import { createResponse } from '../../../../../recorder/src/sip/message/response.js';
import type { SipRequest } from '../../../../../recorder/src/sip/message/types.js';
import { ServerInviteTransaction } from '../../../../../recorder/src/sip/transaction/server-invite-transaction.js';
import { FakeClock } from '../fake-clock.js';
import { flush, RecordingSender, request } from './harness.js';

function setup(reliable = false) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable, clock);
  const events: string[] = [];
  const acks: SipRequest[] = [];
  const invite = request('INVITE');
  const tx = new ServerInviteTransaction(
    invite,
    sender,
    {
      onTerminated: () => events.push(`terminated@${clock.now()}`),
      onTimeout: () => events.push(`timeout@${clock.now()}`),
      onTransportError: (e) => events.push(`error:${e.message}`),
      onAck: (a) => acks.push(a),
    },
    clock,
  );
  return { clock, sender, events, acks, invite, tx };
}

describe('ServerInviteTransaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('sends 100 Trying at once and resends the latest provisional on INVITE retransmission', () => {
    const { sender, tx, invite } = setup();
    expect(sender.timesOf(/^SIP\/2\.0 100 Trying$/)).to.deep.equal([0]);
    tx.receiveRequest(invite);
    expect(sender.sent).to.have.length(2);
    tx.respond(createResponse(invite, 180, undefined, { toTag: 'srs' }));
    tx.receiveRequest(invite);
    expect(sender.sent.map((s) => (s.message.type === 'response' ? s.message.status : 0))).to.deep.equal([
      100, 100, 180, 180,
    ]);
    expect(tx.state).to.equal('proceeding');
  });

  it('non-2xx over UDP: Timer G retransmits at 500/1000/2000/4000/4000… ms, Timer H gives up at 32 s', () => {
    const { clock, sender, tx, invite, events } = setup();
    tx.respond(createResponse(invite, 486, undefined, { toTag: 'srs' }));
    expect(tx.state).to.equal('completed');
    clock.tick(40000);
    const times = sender.timesOf(/^SIP\/2\.0 486/);
    expect(times).to.deep.equal([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(events).to.deep.equal(['terminated@32000', 'timeout@32000']);
    expect(tx.state).to.equal('terminated');
  });

  it('non-2xx then ACK: Confirmed absorbs ACKs, Timer I (T4) terminates; retransmitted INVITE gets the 486 again', () => {
    const { clock, sender, tx, invite, events } = setup();
    tx.respond(createResponse(invite, 486, undefined, { toTag: 'srs' }));
    clock.tick(100);
    tx.receiveRequest(invite);
    expect(sender.timesOf(/^SIP\/2\.0 486/)).to.deep.equal([0, 100]);
    tx.receiveRequest(request('ACK', { toTag: 'srs' }));
    expect(tx.state).to.equal('confirmed');
    tx.receiveRequest(request('ACK', { toTag: 'srs' }));
    clock.tick(4999);
    expect(tx.state).to.equal('confirmed');
    clock.tick(1);
    expect(events).to.deep.equal(['terminated@5100']);
    expect(sender.timesOf(/^SIP\/2\.0 486/)).to.deep.equal([0, 100]);
  });

  it('non-2xx over TCP: no Timer G, Timer H still bounds the wait, Timer I is zero', () => {
    const r = setup(true);
    r.tx.respond(createResponse(r.invite, 603, undefined, { toTag: 'srs' }));
    r.clock.tick(40000);
    expect(r.sender.timesOf(/^SIP\/2\.0 603/)).to.deep.equal([0]);
    expect(r.events).to.deep.equal(['terminated@32000', 'timeout@32000']);
    const s = setup(true);
    s.tx.respond(createResponse(s.invite, 603, undefined, { toTag: 'srs' }));
    s.tx.receiveRequest(request('ACK', { toTag: 'srs' }));
    expect(s.events).to.deep.equal(['terminated@0']);
  });

  it('2xx → Accepted: absorbs INVITE retransmissions, passes 2xx retransmissions and ACKs, Timer L ends it', () => {
    const { clock, sender, tx, invite, events, acks } = setup();
    const ok = createResponse(invite, 200, undefined, { toTag: 'srs' });
    expect(tx.respond(ok)).to.equal(true);
    expect(tx.state).to.equal('accepted');
    tx.receiveRequest(invite);
    expect(sender.timesOf(/^SIP\/2\.0 200/)).to.deep.equal([0]);
    clock.tick(500);
    expect(tx.respond(ok)).to.equal(true);
    expect(tx.respond(createResponse(invite, 486))).to.equal(false);
    tx.receiveRequest(request('ACK', { toTag: 'srs' }));
    expect(acks).to.have.length(1);
    clock.tick(31499);
    expect(tx.state).to.equal('accepted');
    clock.tick(1);
    expect(events).to.deep.equal(['terminated@32000']);
    expect(tx.respond(ok)).to.equal(false);
  });

  it('a transport error terminates the transaction and tells the TU', async () => {
    const { sender, tx, invite, events } = setup();
    sender.fail = true;
    tx.respond(createResponse(invite, 500, undefined, { toTag: 'srs' }));
    await flush();
    expect(events).to.deep.equal(['terminated@0', 'error:connection reset']);
  });
});
