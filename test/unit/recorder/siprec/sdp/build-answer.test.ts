import { expect } from 'chai';
import { buildAnswer } from '../../../../../recorder/src/siprec/sdp/build-answer.js';
import { chooseCodec } from '../../../../../recorder/src/siprec/sdp/choose-codec.js';
import { SdpError } from '../../../../../recorder/src/siprec/sdp/errors.js';
import { generateLocalCrypto } from '../../../../../recorder/src/siprec/sdp/local-crypto.js';
import { parseOffer } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import type { AnswerStream, SdpOffer } from '../../../../../recorder/src/siprec/sdp/types.js';
import { answerProblems } from './support/answer-validator.js';
import { fakeRandom, LOCAL, recordAll } from './support/record-all.js';
import { wireFixture } from './support/paths.js';

function offer(name: string): SdpOffer {
  const result = parseOffer(wireFixture(name));
  if (!result.ok) throw new Error(result.error);
  return result.offer;
}

function answerOf(name: string): { o: SdpOffer; streams: AnswerStream[]; answer: string } {
  const o = offer(name);
  const streams = recordAll(o);
  const answer = buildAnswer(o, streams, LOCAL);
  expect(answerProblems(o, streams, answer)).to.deep.equal([]);
  return { o, streams, answer };
}

function lines(answer: string): string[] {
  return answer.split('\r\n').slice(0, -1);
}

describe('buildAnswer', () => {
  it('answers the Webex opus offer with opus, its 48 kHz DTMF, ptime and label, recvonly, CRLF', () => {
    const { answer } = answerOf('opus-first-two-telephone-events.sdp');
    expect(answer).to.equal(
      [
        'v=0',
        'o=- 4242 1 IN IP4 192.0.2.99',
        's=-',
        'c=IN IP4 192.0.2.99',
        't=0 0',
        'm=audio 30000 RTP/AVP 111 107',
        'a=rtpmap:111 opus/48000/2',
        'a=fmtp:111 useinbandfec=1',
        'a=rtpmap:107 telephone-event/48000',
        'a=fmtp:107 0-15',
        'a=ptime:20',
        'a=label:1',
        'a=recvonly',
        '',
      ].join('\r\n'),
    );
  });

  it('answers each m-line in order with its label, even with no c= and no t= in the offer (OpenSIPS)', () => {
    const { answer } = answerOf('no-c-no-t-origin-zero.sdp');
    expect(lines(answer).filter((l) => l.startsWith('m=') || l.startsWith('a=label'))).to.deep.equal([
      'm=audio 30000 RTP/AVP 0 101',
      'a=label:0',
      'm=audio 30002 RTP/AVP 8 101',
      'a=label:1',
    ]);
  });

  it('answers inactive to streams offered inactive or on hold, whatever the caller asked', () => {
    const cube = offer('inactive-with-cn.sdp');
    const streams = recordAll(cube);
    const answer = buildAnswer(cube, streams, LOCAL);
    expect(answerProblems(cube, streams, answer)).to.deep.equal([]);
    expect(lines(answer).filter((l) => /^a=(recvonly|inactive)$/.test(l))).to.deep.equal([
      'a=inactive',
      'a=recvonly',
    ]);
    expect(answer).to.include(
      'm=audio 30000 RTP/AVP 0 101 19\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000',
    );
    expect(answer).to.include('a=rtpmap:19 CN/8000');
    const held = answerOf('hold-origin-and-c-zero.sdp').answer;
    expect(held).to.include('a=inactive\r\n');
    expect(held).to.not.include('recvonly');
  });

  it('lets the caller defer recording with inactive (RFC 7866 §7.1.1)', () => {
    const o = offer('label-first-no-direction.sdp');
    const streams = recordAll(o).map((s) => ({ ...s, direction: 'inactive' as const }));
    const answer = buildAnswer(o, streams, LOCAL);
    expect(answerProblems(o, streams, answer)).to.deep.equal([]);
    expect(lines(answer).filter((l) => l === 'a=inactive')).to.have.length(2);
  });

  it('rejects video, text and MSRP with port 0 and the offered formats, keeping their labels', () => {
    const { answer } = answerOf('audio-video-text-msrp.sdp');
    expect(lines(answer).filter((l) => l.startsWith('m='))).to.deep.equal([
      'm=audio 30000 RTP/AVP 0',
      'm=video 0 RTP/AVPF 96',
      'm=text 0 RTP/AVP 98',
      'm=message 0 TCP/MSRP *',
    ]);
    expect(lines(answer).filter((l) => l.startsWith('a=label'))).to.deep.equal([
      'a=label:96',
      'a=label:97',
      'a=label:98',
      'a=label:99',
    ]);
  });

  it('answers RTP/SAVP with one a=crypto of ours on the chosen tag, echoing UNENCRYPTED_SRTCP', () => {
    const { o, answer } = answerOf('srtp-sdes.sdp');
    const ours = generateLocalCrypto('AES_CM_128_HMAC_SHA1_80', fakeRandom).inline;
    const cryptoLines = lines(answer).filter((l) => l.startsWith('a=crypto'));
    expect(cryptoLines).to.deep.equal([
      `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${ours}`,
      `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${ours} UNENCRYPTED_SRTCP`,
    ]);
    expect(lines(answer).filter((l) => l.startsWith('m='))).to.deep.equal([
      'm=audio 30000 RTP/SAVP 0 101',
      'm=audio 30002 RTP/SAVP 0 101',
    ]);
    for (const m of o.media)
      for (const c of m.crypto) expect(answer).to.not.include(c.keyParams.slice(7, 47));
  });

  it('answers AEAD_AES_256_GCM with a 44-byte key of ours', () => {
    const { answer } = answerOf('srtp-gcm.sdp');
    const line = lines(answer).find((l) => l.startsWith('a=crypto'));
    expect(line).to.match(/^a=crypto:1 AEAD_AES_256_GCM inline:[A-Za-z0-9+/]{59}=$/);
  });

  it('answers mixed SAVP/AVP per stream, and rejects a stream with no usable crypto or DTLS', () => {
    const mixed = answerOf('mixed-savp-avp.sdp').answer;
    expect(
      lines(mixed)
        .filter((l) => l.startsWith('m=') || l.startsWith('a=crypto'))
        .map((l) => l.slice(0, 28)),
    ).to.deep.equal(['m=audio 30000 RTP/SAVP 8', 'a=crypto:7 AES_CM_128_HMAC_S', 'm=audio 30002 RTP/AVP 8']);
    expect(answerOf('srtp-unusable.sdp').answer).to.include('m=audio 0 RTP/SAVP 0\r\n');
    expect(answerOf('dtls-srtp.sdp').answer).to.include('m=audio 0 UDP/TLS/RTP/SAVP 111\r\n');
  });

  it('includes a=rtcp-mux only where it was offered and accepted', () => {
    const { answer } = answerOf('rtcp-mux.sdp');
    expect(lines(answer).filter((l) => l === 'a=rtcp-mux')).to.have.length(1);
    const o = offer('rtcp-mux.sdp');
    const declined = recordAll(o).map((s) => ({ ...s, rtcpMux: false }));
    expect(buildAnswer(o, declined, LOCAL)).to.not.include('rtcp-mux');
  });

  it('answers port 0 to a stream offered with port 0 (RFC 3264 §6)', () => {
    const result = parseOffer(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 0 RTP/AVP 0 8\r\na=label:1\r\n',
    );
    if (!result.ok) throw new Error(result.error);
    const streams = recordAll(result.offer);
    const answer = buildAnswer(result.offer, streams, LOCAL);
    expect(answer).to.include('m=audio 0 RTP/AVP 0 8\r\na=label:1\r\na=inactive\r\n');
    expect(answerProblems(result.offer, streams, answer)).to.deep.equal([]);
  });

  it('uses IN IP6 for an IPv6 address, our username and version', () => {
    const o = offer('g729-only.sdp');
    const answer = buildAnswer(o, recordAll(o), {
      address: '2001:db8::99',
      sessionId: '7',
      version: 3,
      username: 'srs',
    });
    expect(lines(answer).slice(0, 5)).to.deep.equal([
      'v=0',
      'o=srs 7 3 IN IP6 2001:db8::99',
      's=-',
      'c=IN IP6 2001:db8::99',
      't=0 0',
    ]);
    expect(answer).to.include('a=fmtp:18 annexb=no');
  });

  describe('refuses streams that would produce an answer an SRC rejects', () => {
    const o = offer('srtp-sdes.sdp');
    const good = recordAll(o);
    const first = good[0]!;
    const plain = offer('label-first-no-direction.sdp');
    const plainGood = recordAll(plain);
    const cases: [string, () => string][] = [
      ['fewer streams than m-lines', () => buildAnswer(o, good.slice(1), LOCAL)],
      [
        'an accepted stream without codec',
        () => buildAnswer(o, [{ ...first, codec: undefined }, good[1]!], LOCAL),
      ],
      [
        'RTP/SAVP without our crypto',
        () => buildAnswer(o, [{ ...first, crypto: undefined }, good[1]!], LOCAL),
      ],
      [
        'the offer key echoed',
        () =>
          buildAnswer(
            o,
            [
              { ...first, crypto: { ...first.crypto!, inline: 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz' } },
              good[1]!,
            ],
            LOCAL,
          ),
      ],
      [
        'a crypto tag not offered',
        () => buildAnswer(o, [{ ...first, crypto: { ...first.crypto!, tag: 9 } }, good[1]!], LOCAL),
      ],
      [
        'a suite other than the tag offered',
        () =>
          buildAnswer(
            o,
            [{ ...first, crypto: { ...first.crypto!, suite: 'AES_CM_128_HMAC_SHA1_32' } }, good[1]!],
            LOCAL,
          ),
      ],
      [
        'a key of the wrong length',
        () =>
          buildAnswer(o, [{ ...first, crypto: { ...first.crypto!, inline: 'c2hvcnQ=' } }, good[1]!], LOCAL),
      ],
      [
        'a session parameter we cannot answer',
        () =>
          buildAnswer(
            o,
            [{ ...first, crypto: { ...first.crypto!, sessionParams: ['KDR=1'] } }, good[1]!],
            LOCAL,
          ),
      ],
      [
        'crypto on plain RTP/AVP',
        () => buildAnswer(plain, [{ ...plainGood[0]!, crypto: first.crypto }, plainGood[1]!], LOCAL),
      ],
      [
        'a payload type that was not offered',
        () =>
          buildAnswer(
            plain,
            [
              { ...plainGood[0]!, codec: { pt: 9, name: 'G722', clockRate: 8000, channels: 1 } },
              plainGood[1]!,
            ],
            LOCAL,
          ),
      ],
      ['port 70000', () => buildAnswer(plain, [{ ...plainGood[0]!, port: 70000 }, plainGood[1]!], LOCAL)],
      [
        'sendrecv',
        () =>
          buildAnswer(
            plain,
            [{ ...plainGood[0]!, direction: 'sendrecv' as 'recvonly' }, plainGood[1]!],
            LOCAL,
          ),
      ],
      [
        'a DTLS-SRTP stream accepted',
        () => {
          const dtls = offer('dtls-srtp.sdp');
          return buildAnswer(
            dtls,
            [{ accepted: true, port: 30000, direction: 'recvonly', codec: chooseCodec(dtls.media[0]!)! }],
            LOCAL,
          );
        },
      ],
      ['the unspecified address', () => buildAnswer(plain, plainGood, { ...LOCAL, address: '0.0.0.0' })],
      ['a host name with a space', () => buildAnswer(plain, plainGood, { ...LOCAL, address: 'a b' })],
      ['a non-numeric session id', () => buildAnswer(plain, plainGood, { ...LOCAL, sessionId: 'abc' })],
      ['a negative version', () => buildAnswer(plain, plainGood, { ...LOCAL, version: -1 })],
      [
        'an fmtp with a line break',
        () =>
          buildAnswer(
            plain,
            [
              { ...plainGood[0]!, codec: { ...plainGood[0]!.codec!, fmtp: 'x\r\na=sendrecv' } },
              plainGood[1]!,
            ],
            LOCAL,
          ),
      ],
    ];
    for (const [what, build] of cases) {
      it(what, () => {
        expect(build).to.throw(SdpError).with.property('code', 'SDP_ANSWER_INVALID');
      });
    }
  });
});
