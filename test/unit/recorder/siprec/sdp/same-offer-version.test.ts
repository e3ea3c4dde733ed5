import { expect } from 'chai';
import { parseOffer } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import { sameOfferVersion } from '../../../../../recorder/src/siprec/sdp/same-offer-version.js';
import type { SdpOffer } from '../../../../../recorder/src/siprec/sdp/types.js';
import { fixture, wireFixture } from './support/paths.js';

function offer(text: string): SdpOffer {
  const result = parseOffer(text);
  if (!result.ok) throw new Error(result.error);
  return result.offer;
}

describe('sameOfferVersion', () => {
  const first = offer(wireFixture('session-refresh-1.sdp'));

  it('recognises a session refresh with an unchanged o= line, even LF-only', () => {
    expect(sameOfferVersion(first, offer(wireFixture('session-refresh-2-same-version.sdp')))).to.equal(true);
    expect(sameOfferVersion(first, offer(fixture('session-refresh-2-same-version.sdp')))).to.equal(true);
  });

  it('sees a new offer when the version changes (new port on re-INVITE)', () => {
    expect(sameOfferVersion(first, offer(wireFixture('session-refresh-3-new-version.sdp')))).to.equal(false);
  });

  it('sees a new offer when the session id, username or address changes', () => {
    const o = first.origin;
    expect(sameOfferVersion(first, { ...first, origin: { ...o, sessionId: '1248' } })).to.equal(false);
    expect(sameOfferVersion(first, { ...first, origin: { ...o, username: 'other' } })).to.equal(false);
    expect(sameOfferVersion(first, { ...first, origin: { ...o, address: '0.0.0.0' } })).to.equal(false);
  });

  it('never treats offers without a usable o= as refreshes', () => {
    const noOrigin = offer('v=0\r\ns=-\r\nm=audio 5000 RTP/AVP 0\r\n');
    expect(sameOfferVersion(noOrigin, noOrigin)).to.equal(false);
  });
});
