import { expect } from 'chai';
import { buildAnswer } from '../../../../../recorder/src/siprec/sdp/build-answer.js';
import { parseOffer } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import { answerProblems } from './support/answer-validator.js';
import { wireFixture } from './support/paths.js';
import { LOCAL, recordAll } from './support/record-all.js';

/** The validator that judges every vector answer must itself catch each broken rule. */
describe('answer validator (test support)', () => {
  const cases: [string, string, (answer: string) => string, RegExp][] = [
    [
      'sendrecv',
      'label-first-no-direction.sdp',
      (a) => a.replace('a=recvonly', 'a=sendrecv'),
      /direction sendrecv/,
    ],
    [
      'a lost label',
      'label-first-no-direction.sdp',
      (a) => a.replace('a=label:2\r\n', ''),
      /label undefined instead of 2/,
    ],
    ['LF-only', 'label-first-no-direction.sdp', (a) => a.replace(/\r\n/g, '\n'), /CRLF/],
    [
      'a missing m-line',
      'audio-video-text-msrp.sdp',
      (a) => a.slice(0, a.indexOf('m=message')),
      /3 m-lines for 4/,
    ],
    [
      'a rejected stream without its formats',
      'audio-video-text-msrp.sdp',
      (a) => a.replace('m=video 0 RTP/AVPF 96', 'm=video 0 RTP/AVPF 0'),
      /lost its offered formats/,
    ],
    [
      'RTP/AVP answered to RTP/SAVP',
      'srtp-gcm.sdp',
      (a) => a.replace('RTP/SAVP', 'RTP/AVP'),
      /protocol RTP\/AVP instead of RTP\/SAVP/,
    ],
    [
      'two crypto lines',
      'srtp-gcm.sdp',
      (a) => a.replace(/(a=crypto:[^\r]*\r\n)/, '$1$1'),
      /2 a=crypto lines/,
    ],
    [
      'recvonly to an inactive offer',
      'inactive-with-cn.sdp',
      (a) => a.replace('a=inactive', 'a=recvonly'),
      /offered inactive\/hold but answered recvonly/,
    ],
    [
      'rtcp-mux not offered',
      'g729-first.sdp',
      (a) => a.replace('a=recvonly', 'a=rtcp-mux\r\na=recvonly'),
      /a=rtcp-mux that was not offered/,
    ],
    [
      'a lost ptime',
      'g729-first.sdp',
      (a) => a.replace('a=ptime:20\r\n', ''),
      /ptime undefined instead of 20/,
    ],
    [
      'a format that was not offered',
      'g729-first.sdp',
      (a) => a.replace('RTP/AVP 0', 'RTP/AVP 0 9'),
      /not all offered/,
    ],
  ];
  for (const [what, name, mutate, problem] of cases) {
    it(`reports ${what}`, () => {
      const result = parseOffer(wireFixture(name));
      if (!result.ok) throw new Error(result.error);
      const streams = recordAll(result.offer);
      const good = buildAnswer(result.offer, streams, LOCAL);
      expect(answerProblems(result.offer, streams, good)).to.deep.equal([]);
      expect(answerProblems(result.offer, streams, mutate(good)).join('\n')).to.match(problem);
    });
  }
});
