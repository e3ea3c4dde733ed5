import { expect } from 'chai';
import { parseSipMessage } from '../../../../recorder/src/sip/message/parser.js';
import type { SipRequest } from '../../../../recorder/src/sip/message/types.js';
import { negotiateSessionTimer } from '../../../../recorder/src/sip/session-timer.js';
import { fixture, sipText, vector } from './support.js';

function invite(extra: string[]): SipRequest {
  const m = parseSipMessage(
    sipText([
      'INVITE sip:srs@198.51.100.1 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKst',
      'From: <sip:src@192.0.2.10>;tag=s',
      'To: <sip:srs@198.51.100.1>',
      'Call-ID: st-1',
      'CSeq: 1 INVITE',
      ...extra,
      'Content-Length: 0',
    ]),
  );
  if (m.type !== 'request') throw new Error('request expected');
  return m;
}

describe('negotiateSessionTimer (RFC 4028 §9)', () => {
  it('accepts CUBE: Supported timer, Session-Expires 1800, Min-SE 1800', () => {
    const r = negotiateSessionTimer(
      invite(['Supported: 100rel,timer,resource-priority', 'Session-Expires: 1800', 'Min-SE: 1800']),
      { minSE: 90 },
    );
    expect(r).to.deep.equal({
      kind: 'ok',
      sessionExpires: 1800,
      refresher: 'uac',
      responseHeaders: [
        ['Session-Expires', '1800;refresher=uac'],
        ['Require', 'timer'],
      ],
    });
  });

  it('accepts the Ribbon vector (SE 1800, Min-SE 90) and the compact x: form', () => {
    const ribbon = vector('drachtiofixture-ribbon-sonus-full-invite-truncated.sip').toString();
    const head = ribbon
      .slice(0, ribbon.indexOf('\r\n\r\n'))
      .replace(/Content-Length:\s+\d+/, 'Content-Length: 0');
    const req = parseSipMessage(Buffer.from(head + '\r\n\r\n')) as SipRequest;
    expect(negotiateSessionTimer(req, { minSE: 90 })).to.include({
      kind: 'ok',
      sessionExpires: 1800,
      refresher: 'uac',
    });
    const compact = parseSipMessage(fixture('compact-forms-invite.sip')) as SipRequest;
    expect(negotiateSessionTimer(compact, { minSE: 90 })).to.include({ kind: 'ok', sessionExpires: 1800 });
  });

  it('answers 422 with our Min-SE when the interval is too small', () => {
    const r = negotiateSessionTimer(invite(['Supported: timer', 'Session-Expires: 60']), { minSE: 90 });
    expect(r).to.deep.equal({ kind: 'too-small', minSE: 90, responseHeaders: [['Min-SE', '90']] });
    // Our Min-SE is capped at 90 even if configured higher, so real SRCs are never refused.
    expect(
      negotiateSessionTimer(invite(['Supported: timer', 'Session-Expires: 90']), { minSE: 1800 }).kind,
    ).to.equal('ok');
  });

  it('never makes us the refresher: no timer for UACs without `timer`, or asking refresher=uas', () => {
    expect(negotiateSessionTimer(invite(['Session-Expires: 1800']), { minSE: 90 })).to.deep.equal({
      kind: 'none',
    });
    expect(negotiateSessionTimer(invite(['Session-Expires: 60']), { minSE: 90 })).to.deep.equal({
      kind: 'none',
    });
    expect(
      negotiateSessionTimer(invite(['Supported: timer', 'Session-Expires: 1800;refresher=uas']), {
        minSE: 90,
      }),
    ).to.deep.equal({ kind: 'none' });
    expect(
      negotiateSessionTimer(invite(['Supported: timer', 'Session-Expires: 1800 ; refresher=uac']), {
        minSE: 90,
      }),
    ).to.include({ kind: 'ok', sessionExpires: 1800 });
  });

  it('no Session-Expires: defaultSE for a timer-capable UAC (at least its Min-SE), else none; junk → none', () => {
    expect(negotiateSessionTimer(invite(['Supported: timer']), { minSE: 90 })).to.deep.equal({
      kind: 'none',
    });
    expect(
      negotiateSessionTimer(invite(['Supported: timer', 'Min-SE: 2400']), { minSE: 90, defaultSE: 1800 }),
    ).to.include({
      kind: 'ok',
      sessionExpires: 2400,
    });
    expect(negotiateSessionTimer(invite([]), { minSE: 90, defaultSE: 1800 })).to.deep.equal({ kind: 'none' });
    expect(
      negotiateSessionTimer(invite(['Supported: timer', 'Session-Expires: soon']), { minSE: 90 }),
    ).to.deep.equal({
      kind: 'none',
    });
  });
});
