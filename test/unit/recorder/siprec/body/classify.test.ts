import { expect } from 'chai';

import { classifyInvite } from '../../../../../recorder/src/siprec/body/classify.js';
import { extractSiprecBody } from '../../../../../recorder/src/siprec/body/extract.js';
import type { SiprecBody } from '../../../../../recorder/src/siprec/body/types.js';
import { header, readVector, sippMessages } from '../helpers/vectors.js';

const SDP_ONLY: SiprecBody = { sdp: 'v=0\r\n', otherParts: [], warnings: [] };

function firstInvite(name: string): { requireTags: string[]; contactValue?: string; body: SiprecBody } {
  const msg = sippMessages(name)[0]!;
  const contact = header(msg, 'contact', 'm');
  return {
    requireTags: (msg.headers.get('require') ?? []).flatMap((v) => v.split(',')),
    ...(contact === undefined ? {} : { contactValue: contact }),
    body: extractSiprecBody(header(msg, 'content-type', 'c'), msg.body, header(msg, 'content-disposition')),
  };
}

describe('siprec/body classifyInvite (INTEROP.md §1.3)', () => {
  it('metadata in the body decides first, even with no Require and no tag (OpenSIPS ≤3.1, jambonz)', () => {
    const verdict = classifyInvite(firstInvite('drachtio-generic-opensips-style-reinvite-inactive.sipp.xml'));
    expect(verdict.siprec).to.equal(true);
    expect(verdict.reason).to.include('application/rs-metadata');
  });

  it('a recording-session part that is not the metadata still counts', () => {
    const part = { headers: new Map(), contentType: 'text/plain', body: Buffer.alloc(0) };
    const verdict = classifyInvite({
      requireTags: [],
      body: {
        ...SDP_ONLY,
        otherParts: [{ ...part, disposition: { type: 'recording-session', params: new Map() } }],
      },
    });
    expect(verdict.siprec).to.equal(true);
  });

  it('Require: siprec in any case', () => {
    expect(classifyInvite({ requireTags: [' SipRec '], body: SDP_ONLY })).to.deep.equal({
      siprec: true,
      reason: 'Require: siprec',
    });
  });

  it('+sip.src after the URI (CUBE, Oracle), inside it (Avaya SBCE), or after an unterminated < (Metaswitch)', () => {
    for (const contact of [
      '<sip:acmeSrc@10.173.186.96:5060;transport=tcp>;+sip.src',
      '"H323 User 1" <sip:10.0.0.1:5060;transport=tcp;+sip.src>',
      '<sip:7602922410@10.0.0.1:5060;+sip.src',
      '<sip:x@h> ; +sip.src ; expires=60',
    ]) {
      expect(
        classifyInvite({ requireTags: [], contactValue: contact, body: SDP_ONLY }).reason,
        contact,
      ).to.equal('Contact feature tag +sip.src');
    }
  });

  it('the old ;src tag (BroadWorks, Webex Calling)', () => {
    const webex = firstInvite('miarec-webex-calling-broadworks-inbound.sipp.xml');
    expect(webex.requireTags).to.deep.equal([]);
    const verdict = classifyInvite({ ...webex, body: SDP_ONLY });
    expect(verdict).to.deep.equal({ siprec: true, reason: 'Contact feature tag ;src (pre-RFC 7866 draft)' });
  });

  it('not a recording session: Cisco NBR, Genesys GVP, lookalike parameters and display names', () => {
    expect(classifyInvite(firstInvite('miarec-cisco-cube-nbr-no-metadata.sipp.xml')).siprec).to.equal(false);
    const gvp = readVector('vorpal-genesys-gvp-recording-invite-log.txt').toString('latin1');
    const contact = /^Contact: (.*?)\s*$/m.exec(gvp)![1]!;
    const sdp = gvp.slice(gvp.indexOf('v=0'));
    const verdict = classifyInvite({
      requireTags: [],
      contactValue: contact,
      body: extractSiprecBody('application/sdp', Buffer.from(sdp)),
    });
    expect(verdict.siprec).to.equal(false);
    for (const lookalike of [
      '<sip:a@h;srcport=5>',
      '"x;+sip.src" <sip:a@h>',
      '<sip:src@h>',
      '<sip:a@h>;+sip.srcx',
    ]) {
      expect(
        classifyInvite({ requireTags: ['timer'], contactValue: lookalike, body: SDP_ONLY }).siprec,
        lookalike,
      ).to.equal(false);
    }
  });
});
