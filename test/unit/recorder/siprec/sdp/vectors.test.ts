/**
 * Every SDP in the shared SIPREC vectors (real SRC captures and scenarios) is parsed, answered and the answer
 * checked against the rules every SRC relies on; then the facts each vendor's quirk is about are asserted.
 */
import { expect } from 'chai';
import { buildAnswer } from '../../../../../recorder/src/siprec/sdp/build-answer.js';
import { chooseCodec } from '../../../../../recorder/src/siprec/sdp/choose-codec.js';
import { parseOffer } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import { sameOfferVersion } from '../../../../../recorder/src/siprec/sdp/same-offer-version.js';
import type { SdpOffer } from '../../../../../recorder/src/siprec/sdp/types.js';
import { answerProblems } from './support/answer-validator.js';
import { LOCAL, recordAll } from './support/record-all.js';
import { vectorFile, vectorSdps } from './support/vector-sdp.js';

function parsed(text: string): { offer: SdpOffer; warnings: string[] } {
  const result = parseOffer(text);
  if (!result.ok) throw new Error(`offer refused: ${result.error}`);
  return result;
}

/** The `ordinal`-th SDP of a vector file. */
function vector(file: string, ordinal = 0): { offer: SdpOffer; warnings: string[] } {
  const text = vectorFile(file)[ordinal];
  if (text === undefined) throw new Error(`${file} has no SDP #${ordinal}`);
  return parsed(text);
}

/** Our answer to a vector offer, already checked against the rules. */
function answer(offer: SdpOffer): string {
  const streams = recordAll(offer);
  const text = buildAnswer(offer, streams, LOCAL);
  expect(answerProblems(offer, streams, text)).to.deep.equal([]);
  return text;
}

function answerLines(offer: SdpOffer, prefix: RegExp): string[] {
  return answer(offer)
    .split('\r\n')
    .filter((l) => prefix.test(l));
}

describe('SDP of the shared interop vectors', () => {
  const all = vectorSdps();

  it('finds SDP in every vector file that has an m= line (182 bodies in 121 files)', () => {
    expect(all.length).to.be.at.least(182);
    expect(new Set(all.map((v) => v.file)).size).to.be.at.least(121);
  });

  describe('each SDP parses (CRLF and LF-only alike) and gets an answer every SRC accepts', () => {
    for (const v of all) {
      it(v.id, () => {
        const wire = parsed(v.sdp);
        expect(parsed(v.sdp.replace(/\r\n/g, '\n')).offer).to.deep.equal(wire.offer);
        expect(wire.offer.media.length).to.be.greaterThan(0);
        answer(wire.offer);
      });
    }
  });

  describe('vendor facts', () => {
    it('Oracle fronting Genesys: 4 streams, 2 sendonly + 2 inactive placeholders with 7 PTs and no rtpmap', () => {
      const { offer, warnings } = vector('vorpal-oracle-genesys-4stream-invite.sip');
      expect(offer.media.map((m) => m.direction)).to.deep.equal([
        'sendonly',
        'inactive',
        'sendonly',
        'inactive',
      ]);
      expect(offer.media.map((m) => m.label)).to.deep.equal([
        '1006644281',
        '1006644282',
        '1006644283',
        '1006644284',
      ]);
      for (const placeholder of [offer.media[1], offer.media[3]]) {
        expect(placeholder?.formats).to.deep.equal(['0', '8', '18', '4', '9', '100', '101']);
        expect(placeholder?.codecs.map((c) => c.name)).to.deep.equal([
          'PCMU',
          'PCMA',
          'G729',
          'G723',
          'G722',
        ]);
      }
      // `a=rtpmap:0 pcmu/8000` (lower case)
      expect(offer.media[0]?.codecs[0]).to.deep.equal({ pt: 0, name: 'PCMU', clockRate: 8000, channels: 1 });
      expect(warnings).to.include('media 1: dynamic payload type 100 has no a=rtpmap');
      expect(answerLines(offer, /^a=(recvonly|inactive)$/)).to.deep.equal([
        'a=recvonly',
        'a=inactive',
        'a=recvonly',
        'a=inactive',
      ]);
      const cdata = vector('vorpal-oracle-genesys-4stream-invite-cdata.sip').offer;
      expect(new Set(cdata.media.map((m) => m.connectionAddress)).size).to.equal(4);
    });

    it('OpenSIPS/Connectel: no c= and no t=, o= 0.0.0.0, GSM and maxptime 150', () => {
      for (const n of [1, 2, 3]) {
        const { offer, warnings } = vector(`drachtio-opensips-connectel-invite-${n}.multipart.txt`);
        expect(offer.sessionConnection).to.equal(undefined);
        expect(offer.media.map((m) => m.connectionAddress)).to.deep.equal([undefined, undefined]);
        expect(offer.origin.address).to.equal('0.0.0.0');
        expect(offer.media[0]?.codecs.some((c) => c.name === 'GSM')).to.equal(true);
        expect(offer.media.map((m) => m.maxptime)).to.deep.equal([150, 150]);
        expect(warnings).to.include('no t= line (t=0 0 assumed)');
        expect(answerLines(offer, /^(t=|a=label)/)).to.deep.equal(['t=0 0', 'a=label:1', 'a=label:2']);
      }
    });

    it('Telecats (Oracle for Avaya): PT 8 without rtpmap on the second m-line is PCMA', () => {
      const { offer } = vector('telecats-oracle-for-avaya-invite-ucid.multipart.txt');
      expect(offer.media[1]?.formats).to.deep.equal(['8', '101']);
      expect(offer.media[1]?.codecs[0]).to.deep.equal({ pt: 8, name: 'PCMA', clockRate: 8000, channels: 1 });
      expect(chooseCodec(offer.media[1]!)?.name).to.equal('PCMA');
      expect(chooseCodec(offer.media[0]!)?.name).to.equal('PCMA');
    });

    it('SEMS: labels a_leg/b_leg, a=direction:both ignored and never answered', () => {
      const { offer } = vector('drachtio-sems-procomm-invite.multipart.txt');
      expect(offer.media.map((m) => `${m.label} ${m.direction}`)).to.deep.equal([
        'a_leg sendonly',
        'b_leg sendonly',
      ]);
      const text = answer(offer);
      expect(text).to.include('a=label:a_leg\r\n');
      expect(text).to.include('a=label:b_leg\r\n');
      expect(text).to.not.include('direction');
      const sipp = vector('drachtio-generic-opensips-style-reinvite-inactive.sipp.xml', 1).offer;
      expect(sipp.media.map((m) => m.direction)).to.deep.equal(['inactive', 'inactive']);
    });

    it('NetSapiens: no direction attribute means sendrecv; answered recvonly with labels 1 and 2', () => {
      const { offer } = vector('vcon-netsapiens-v1.1-sdp-offer-no-direction.sdp');
      expect(offer.media.map((m) => m.direction)).to.deep.equal(['sendrecv', 'sendrecv']);
      expect(answerLines(offer, /^a=(label|recvonly|inactive|sendrecv)/)).to.deep.equal([
        'a=label:1',
        'a=recvonly',
        'a=label:2',
        'a=recvonly',
      ]);
    });

    it('Webex Calling: opus first with telephone-event /8000 and /48000', () => {
      const { offer } = vector('miarec-webex-calling-broadworks-inbound.sipp.xml');
      const media = offer.media[0]!;
      expect(media.codecs[0]).to.deep.include({ pt: 111, name: 'OPUS', clockRate: 48000, channels: 2 });
      expect(media.codecs.filter((c) => c.name === 'TELEPHONE-EVENT').map((c) => c.clockRate)).to.deep.equal([
        8000, 48000,
      ]);
      expect(chooseCodec(media)?.telephoneEvent?.pt).to.equal(107);
      expect(chooseCodec(media, ['PCMU'])?.telephoneEvent?.pt).to.equal(101);
      expect(answerLines(offer, /^m=/)).to.deep.equal(['m=audio 30000 RTP/AVP 111 107']);
      // Blind transfer re-INVITE: G.722 only, no direction.
      const xfer = vector('miarec-webex-calling-broadworks-blind-xfer-reinvites.sipp.xml', 1).offer;
      expect(xfer.media[0]?.direction).to.equal('sendrecv');
      expect(chooseCodec(xfer.media[0]!)?.name).to.equal('G722');
    });

    it('Metaswitch: G.729 first is passed over; hold with o= and c= 0.0.0.0 is answered inactive', () => {
      const inbound = vector('miarec-metaswitch-basic-inbound-mixed.sipp.xml').offer;
      expect(inbound.media[0]?.formats).to.deep.equal(['18', '0', '8']);
      expect(inbound.media[0]?.direction).to.equal('sendrecv');
      expect(chooseCodec(inbound.media[0]!)?.name).to.equal('PCMU');

      const file = 'miarec-metaswitch-hold-c0000-reinvite.sipp.xml';
      const [first, moved, hold, resume] = [0, 1, 2, 3].map((i) => vector(file, i).offer);
      expect(hold?.origin.address).to.equal('0.0.0.0');
      expect(hold?.media[0]?.connectionAddress).to.equal('0.0.0.0');
      expect(hold?.media[0]?.onHold).to.equal(true);
      expect(answerLines(hold!, /^a=(recvonly|inactive)$/)).to.deep.equal(['a=inactive']);
      expect(resume?.media[0]?.onHold).to.equal(false);
      expect(answerLines(resume!, /^a=(recvonly|inactive)$/)).to.deep.equal(['a=recvonly']);
      // The re-INVITE that moves the port bumps the version: a new offer, not a refresh.
      expect(moved?.media[0]?.port).to.equal(8002);
      expect(sameOfferVersion(first!, moved!)).to.equal(false);
      expect(sameOfferVersion(first!, vector(file, 0).offer)).to.equal(true);
    });

    it('BroadWorks pause: c=0.0.0.0 with no direction attribute is hold', () => {
      const file = 'miarec-broadworks-pause-resume-c0000.sipp.xml';
      expect([0, 1, 2].map((i) => vector(file, i).offer.media[0]?.onHold)).to.deep.equal([
        false,
        true,
        false,
      ]);
    });

    it('Cisco CUBE: both streams inactive in the initial INVITE, CN 19 kept, answered inactive', () => {
      const { offer } = vector('drachtio-cisco-cube-inactive-invite.multipart.txt');
      expect(offer.media.map((m) => m.direction)).to.deep.equal(['inactive', 'inactive']);
      expect(chooseCodec(offer.media[0]!)?.comfortNoise).to.deep.equal({ pt: 19 });
      expect(answerLines(offer, /^a=(recvonly|inactive)$/)).to.deep.equal(['a=inactive', 'a=inactive']);
    });

    it('RFC 7866 example: audio + video, labels 96–99, video rejected with port 0 and its format', () => {
      const { offer } = vector('rfc7866ex-via-awsdocs-invite-audio-video-4streams-snippet.txt');
      expect(offer.media.map((m) => `${m.kind} ${m.protocol} ${m.label}`)).to.deep.equal([
        'audio RTP/AVP 96',
        'video RTP/AVPF 97',
        'audio RTP/AVP 98',
        'video RTP/AVPF 99',
      ]);
      expect(offer.media[1]?.codecs[0]).to.deep.include({ pt: 96, name: 'H.264', clockRate: 90000 });
      expect(answerLines(offer, /^(m=|a=label)/)).to.deep.equal([
        'm=audio 30000 RTP/AVP 0',
        'a=label:96',
        'm=video 0 RTP/AVPF 96',
        'a=label:97',
        'm=audio 30004 RTP/AVP 0',
        'a=label:98',
        'm=video 0 RTP/AVPF 96',
        'a=label:99',
      ]);
    });

    it('Oracle 2021: G.729 is all that is offered, so it is taken (stored raw later)', () => {
      const { offer } = vector('vorpal-oracle-2021-invite-g729-ucid.multipart.txt');
      expect(offer.media.map((m) => chooseCodec(m)?.name)).to.deep.equal(['G729', 'G729']);
      expect(answerLines(offer, /^a=fmtp:18/)).to.deep.equal(['a=fmtp:18 annexb=no', 'a=fmtp:18 annexb=no']);
    });

    it('Metaswitch G.726 (static PT 2 first) and Genesys GVP (trailing spaces, no labels)', () => {
      const g721 = vector('miarec-sipp-siprec-rest/scenarios/metaswitch_11_g721/11a_g721.xml').offer;
      expect(g721.media[0]?.codecs[0]?.name).to.equal('G726-32');
      expect(chooseCodec(g721.media[0]!)?.name).to.equal('PCMU');
      const gvp = vector('vorpal-genesys-gvp-recording-invite-log.txt').offer;
      expect(gvp.media.map((m) => `${m.direction} ${m.label}`)).to.deep.equal([
        'sendonly undefined',
        'sendonly undefined',
      ]);
      expect(answer(gvp)).to.not.include('a=label');
    });
  });
});
