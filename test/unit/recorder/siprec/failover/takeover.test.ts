import { expect } from 'chai';
import { parseReplaces } from '../../../../../recorder/src/siprec/failover/takeover.js';

describe('siprec/failover parseReplaces (RFC 3891 §6.1)', () => {
  it('reads the Call-ID and both tags, in any order and case, ignoring early-only', () => {
    expect(parseReplaces('425928@bobster.example.org;to-tag=7743;from-tag=6472')).to.deep.equal({
      callId: '425928@bobster.example.org',
      toTag: '7743',
      fromTag: '6472',
    });
    expect(parseReplaces('abc ; FROM-TAG = f1 ; early-only ; To-Tag=t1')).to.deep.equal({
      callId: 'abc',
      toTag: 't1',
      fromTag: 'f1',
    });
  });

  it('refuses values without both tags, without a Call-ID, or beyond 1 KiB', () => {
    expect(parseReplaces(undefined)).to.equal(undefined);
    expect(parseReplaces('abc;to-tag=1')).to.equal(undefined);
    expect(parseReplaces(';to-tag=1;from-tag=2')).to.equal(undefined);
    expect(parseReplaces(`${'x'.repeat(1100)};to-tag=1;from-tag=2`)).to.equal(undefined);
  });
});
