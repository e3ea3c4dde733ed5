import { expect } from 'chai';
import { createResponse } from '../../../../../recorder/src/sip/message/response.js';
import type { SipResponse } from '../../../../../recorder/src/sip/message/types.js';
import { ClientNonInviteTransaction } from '../../../../../recorder/src/sip/transaction/client-non-invite-transaction.js';
import { FakeClock } from '../fake-clock.js';
import { RecordingSender, request } from './harness.js';

function setup(reliable = false) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable, clock);
  const events: string[] = [];
  const responses: SipResponse[] = [];
  const bye = request('BYE', { branch: 'z9hG4bKbye', toTag: 'src1', cseq: 9 });
  const tx = new ClientNonInviteTransaction(
    bye,
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
  return { clock, sender, events, responses, bye, tx };
}

describe('ClientNonInviteTransaction (RFC 3261 §17.1.2)', () => {
  it('UDP: Timer E resends at 500, 1000, 2000, then every 4000 (T2); Timer F times out at 32 s', () => {
    const { clock, sender, events } = setup();
    clock.tick(40000);
    expect(sender.timesOf(/^BYE/)).to.deep.equal([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(events).to.deep.equal(['terminated@32000', 'timeout@32000']);
  });

  it('after a provisional, Timer E resends every T2', () => {
    const { clock, sender, bye, tx } = setup();
    clock.tick(600);
    tx.receiveResponse(createResponse(bye, 100));
    clock.tick(10000);
    expect(sender.timesOf(/^BYE/)).to.deep.equal([0, 500, 1500, 5500, 9500]);
  });

  it('a final response goes up once; Timer K (T4 on UDP) absorbs retransmissions, zero on TCP', () => {
    const { clock, events, responses, bye, tx } = setup();
    const ok = createResponse(bye, 200);
    tx.receiveResponse(ok);
    tx.receiveResponse(ok);
    expect(responses.map((r) => r.status)).to.deep.equal([200]);
    clock.tick(5000);
    expect(events).to.deep.equal(['terminated@5000']);
    const tcp = setup(true);
    tcp.clock.tick(10000);
    expect(tcp.sender.timesOf(/^BYE/)).to.deep.equal([0]);
    tcp.tx.receiveResponse(createResponse(tcp.bye, 481));
    expect(tcp.events).to.deep.equal(['terminated@10000']);
  });
});
