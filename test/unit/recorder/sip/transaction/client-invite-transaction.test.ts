import { expect } from 'chai';
import { createResponse } from '../../../../../recorder/src/sip/message/response.js';
import type { SipRequest, SipResponse } from '../../../../../recorder/src/sip/message/types.js';
import { ClientInviteTransaction } from '../../../../../recorder/src/sip/transaction/client-invite-transaction.js';
import { FakeClock } from '../fake-clock.js';
import { flush, RecordingSender, request } from './harness.js';

function setup(reliable = false) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable, clock);
  const events: string[] = [];
  const responses: SipResponse[] = [];
  const invite = request('INVITE', { branch: 'z9hG4bKours', toTag: 'src1', cseq: 5 });
  const tx = new ClientInviteTransaction(
    invite,
    sender,
    {
      onResponse: (r) => responses.push(r),
      onTimeout: () => events.push(`timeout@${clock.now()}`),
      onTransportError: (e) => events.push(`error:${e.message}`),
      onTerminated: () => events.push(`terminated@${clock.now()}`),
    },
    clock,
  );
  tx.start();
  return { clock, sender, events, responses, invite, tx };
}

describe('ClientInviteTransaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('UDP: Timer A resends at 500, 1000, 2000 … doubling; Timer B times out at 64·T1', () => {
    const { clock, sender, events } = setup();
    clock.tick(40000);
    expect(sender.timesOf(/^INVITE/)).to.deep.equal([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(events).to.deep.equal(['terminated@32000', 'timeout@32000']);
  });

  it('TCP: no Timer A, Timer B still times out', () => {
    const { clock, sender, events } = setup(true);
    clock.tick(40000);
    expect(sender.timesOf(/^INVITE/)).to.deep.equal([0]);
    expect(events).to.deep.equal(['terminated@32000', 'timeout@32000']);
  });

  it('a provisional stops retransmissions and the timeout; a 2xx goes up, as do its retransmissions (Timer M)', () => {
    const { clock, sender, events, responses, invite, tx } = setup();
    clock.tick(600);
    tx.receiveResponse(createResponse(invite, 180));
    clock.tick(60000);
    expect(sender.timesOf(/^INVITE/)).to.deep.equal([0, 500]);
    expect(events).to.deep.equal([]);
    const ok = createResponse(invite, 200);
    tx.receiveResponse(ok);
    expect(tx.state).to.equal('accepted');
    tx.receiveResponse(ok);
    expect(responses.map((r) => r.status)).to.deep.equal([180, 200, 200]);
    clock.tick(32000);
    expect(events).to.deep.equal(['terminated@92600']);
    // The ACK for a 2xx belongs to the TU: the transaction sent none.
    expect(sender.timesOf(/^ACK/)).to.deep.equal([]);
  });

  it('non-2xx: builds and sends the ACK (§17.1.1.3), answers retransmissions with it, Timer D = 32 s', () => {
    const { clock, sender, events, responses, invite, tx } = setup();
    const busy = createResponse(invite, 491, undefined, { toTag: 'src1' });
    tx.receiveResponse(busy);
    const ack = sender.sent.at(-1)?.message as SipRequest;
    expect(ack.method).to.equal('ACK');
    expect(ack.uri).to.equal(invite.uri);
    expect(ack.headers.getAll('Via')).to.deep.equal([invite.headers.getAll('Via')[0]]);
    expect(ack.headers.get('CSeq')).to.equal('5 ACK');
    expect(ack.headers.get('To')).to.equal(busy.headers.get('To'));
    tx.receiveResponse(busy);
    expect(sender.timesOf(/^ACK/)).to.deep.equal([0, 0]);
    expect(responses).to.have.length(1);
    clock.tick(32000);
    expect(events).to.deep.equal(['terminated@32000']);
  });

  it('a transport error on send ends the transaction and reports it', async () => {
    const clock = new FakeClock();
    const sender = new RecordingSender(false, clock);
    sender.fail = true;
    const events: string[] = [];
    const tx = new ClientInviteTransaction(
      request('INVITE'),
      sender,
      {
        onResponse: () => events.push('response'),
        onTimeout: () => events.push('timeout'),
        onTransportError: (e) => events.push(`error:${e.message}`),
      },
      clock,
    );
    tx.start();
    await flush();
    clock.tick(40000);
    expect(events).to.deep.equal(['error:connection reset']);
    expect(tx.state).to.equal('terminated');
  });
});
