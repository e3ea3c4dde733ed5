import { expect } from 'chai';
import { createResponse } from '../../../../../recorder/src/sip/message/response.js';
import {
  clientTransactionKey,
  serverTransactionKey,
} from '../../../../../recorder/src/sip/transaction/transaction-key.js';
import { request } from './harness.js';

describe('transaction matching keys (RFC 3261 §17.1.3, §17.2.3)', () => {
  it('ACK and CANCEL find the INVITE by branch and sent-by; other methods do not collide', () => {
    const inv = request('INVITE', { branch: 'z9hG4bKm1' });
    const ack = request('ACK', { branch: 'z9hG4bKm1', toTag: 'srs' });
    const cancel = request('CANCEL', { branch: 'z9hG4bKm1' });
    expect(serverTransactionKey(ack)).to.equal(serverTransactionKey(inv));
    expect(serverTransactionKey(cancel, 'INVITE')).to.equal(serverTransactionKey(inv));
    expect(serverTransactionKey(cancel)).not.to.equal(serverTransactionKey(inv));
    expect(serverTransactionKey(request('INVITE', { branch: 'z9hG4bKm2' }))).not.to.equal(
      serverTransactionKey(inv),
    );
    // Same branch from another sent-by is another transaction.
    const other = request('INVITE', { branch: 'z9hG4bKm1' });
    other.headers.set('Via', 'SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKm1');
    expect(serverTransactionKey(other)).not.to.equal(serverTransactionKey(inv));
  });

  it('RFC 2543 peers (no magic cookie): Request-URI, From tag, Call-ID, CSeq and top Via', () => {
    const inv = request('INVITE', { branch: 'old1' });
    const ack = request('ACK', { branch: 'old1', toTag: 'srs' });
    expect(serverTransactionKey(ack)).to.equal(serverTransactionKey(inv));
    const next = request('INVITE', { branch: 'old1', cseq: 2 });
    expect(serverTransactionKey(next)).not.to.equal(serverTransactionKey(inv));
  });

  it('responses match client transactions by branch and CSeq method', () => {
    const inv = request('INVITE', { branch: 'z9hG4bKc1' });
    expect(clientTransactionKey(createResponse(inv, 200))).to.equal('z9hG4bKc1|INVITE');
    expect(clientTransactionKey(createResponse(request('INVITE', { branch: 'nocookie' }), 200))).to.equal(
      undefined,
    );
  });
});
