import { expect } from 'chai';
import { SDP_ERROR_CODES } from '../../../../../recorder/src/siprec/sdp/errors.js';
import { parseOffer, SDP_LIMITS } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import type { SdpOffer } from '../../../../../recorder/src/siprec/sdp/types.js';
import { fixture, wireFixture } from './support/paths.js';

function offerOf(text: string): { offer: SdpOffer; warnings: string[] } {
  const result = parseOffer(text);
  if (!result.ok) throw new Error(`offer refused: ${result.error}`);
  return result;
}

function refusal(text: string): { code: string; error: string; status: number } {
  const result = parseOffer(text);
  if (result.ok) throw new Error('offer accepted');
  return result;
}

describe('parseOffer', () => {
  describe('offer quirks of real SRCs (INTEROP §5)', () => {
    it('takes per-m c= when there is no session c= (Ribbon), each stream with its own address', () => {
      const { offer } = offerOf(wireFixture('no-session-c-per-media-c.sdp'));
      expect(offer.sessionConnection).to.equal(undefined);
      expect(offer.media.map((m) => m.connectionAddress)).to.deep.equal(['198.51.100.21', '198.51.100.22']);
      expect(offer.media.map((m) => m.label)).to.deep.equal(['1', '2']);
      expect(offer.media[0]?.ptime).to.equal(20);
    });

    it('accepts no c= and no t= at all with o= 0.0.0.0 (OpenSIPS/Connectel), saying so in warnings', () => {
      const { offer, warnings } = offerOf(wireFixture('no-c-no-t-origin-zero.sdp'));
      expect(offer.origin).to.deep.equal({
        username: '-',
        sessionId: '1516628962',
        sessionVersion: '0',
        address: '0.0.0.0',
      });
      expect(offer.media).to.have.length(2);
      expect(offer.media[0]?.connectionAddress).to.equal(undefined);
      // o= 0.0.0.0 is not hold: only c= and a=inactive say that.
      expect(offer.media.every((m) => !m.onHold)).to.equal(true);
      expect(offer.media[0]?.codecs.map((c) => c.name)).to.deep.equal([
        'PCMU',
        'PCMA',
        'GSM',
        'TELEPHONE-EVENT',
      ]);
      expect(offer.media[0]?.maxptime).to.equal(150);
      expect(offer.media.map((m) => m.label)).to.deep.equal(['0', '1']);
      expect(warnings.some((w) => w.includes('no t= line'))).to.equal(true);
      expect(warnings.some((w) => w.includes('no c= line'))).to.equal(true);
    });

    it('parses LF-only and CRLF bodies to the same offer', () => {
      for (const name of ['no-c-no-t-origin-zero.sdp', 'foreign-and-junk-attributes.sdp', 'srtp-sdes.sdp']) {
        expect(offerOf(fixture(name)).offer).to.deep.equal(offerOf(wireFixture(name)).offer);
      }
    });

    it('sees hold in c=0.0.0.0 with o=0.0.0.0 and no direction (Metaswitch) and in c=:: (IPv6)', () => {
      const held = offerOf(wireFixture('hold-origin-and-c-zero.sdp')).offer;
      expect(held.origin.address).to.equal('0.0.0.0');
      expect(held.media[0]?.direction).to.equal('sendrecv');
      expect(held.media[0]?.onHold).to.equal(true);
      const v6 = offerOf(wireFixture('hold-ipv6-unspecified.sdp')).offer;
      expect(v6.media[0]?.connectionAddress).to.equal('::');
      expect(v6.media[0]?.onHold).to.equal(true);
    });

    it('fills static payload types without rtpmap from RFC 3551 and names lower-case encodings upper-case', () => {
      const { offer, warnings } = offerOf(wireFixture('placeholders-static-pts-no-rtpmap.sdp'));
      expect(offer.media[0]?.codecs.map((c) => c.name)).to.deep.equal(['PCMU', 'TELEPHONE-EVENT']);
      const placeholder = offer.media[1];
      expect(placeholder?.formats).to.deep.equal(['0', '8', '18', '4', '9', '100', '101']);
      expect(placeholder?.codecs).to.deep.equal([
        { pt: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
        { pt: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
        { pt: 18, name: 'G729', clockRate: 8000, channels: 1 },
        { pt: 4, name: 'G723', clockRate: 8000, channels: 1 },
        // RFC 3551 §4.5.2: G.722's RTP clock is 8000.
        { pt: 9, name: 'G722', clockRate: 8000, channels: 1 },
      ]);
      expect(placeholder?.direction).to.equal('inactive');
      expect(placeholder?.onHold).to.equal(true);
      expect(warnings).to.include('media 1: dynamic payload type 100 has no a=rtpmap');
    });

    it('ignores ICE, rtcp-xr, bandwidth and junk attributes but keeps a=rtcp and ptime', () => {
      const { offer } = offerOf(wireFixture('foreign-and-junk-attributes.sdp'));
      const media = offer.media[0];
      expect(media?.codecs.map((c) => `${c.pt} ${c.name}`)).to.deep.equal([
        '8 PCMA',
        '0 PCMU',
        '101 TELEPHONE-EVENT',
      ]);
      expect(media?.rtcpPort).to.equal(30001);
      expect(media?.direction).to.equal('sendonly');
      expect(media?.label).to.equal('1');
      expect(media?.ptime).to.equal(20);
      expect(media?.codecs[2]?.fmtp).to.equal('0-16');
    });

    it('ignores a=direction:both next to the real direction (SEMS) and keeps opaque labels a_leg/b_leg', () => {
      const { offer } = offerOf(wireFixture('direction-both-string-labels.sdp'));
      expect(offer.media.map((m) => [m.label, m.direction])).to.deep.equal([
        ['a_leg', 'sendonly'],
        ['b_leg', 'sendonly'],
      ]);
    });

    it('finds a=label anywhere in the media block and treats a missing direction as sendrecv (NetSapiens)', () => {
      const { offer } = offerOf(wireFixture('label-first-no-direction.sdp'));
      expect(offer.media.map((m) => [m.label, m.direction])).to.deep.equal([
        ['1', 'sendrecv'],
        ['2', 'sendrecv'],
      ]);
      expect(offer.origin.sessionVersion).to.equal('1785336857034');
    });

    it('keeps both telephone-event clock rates next to opus (Webex)', () => {
      const { offer } = offerOf(wireFixture('opus-first-two-telephone-events.sdp'));
      expect(offer.media[0]?.codecs.map((c) => `${c.name}/${c.clockRate}/${c.channels}`)).to.deep.equal([
        'OPUS/48000/2',
        'TELEPHONE-EVENT/8000/1',
        'PCMU/8000/1',
        'PCMA/8000/1',
        'G722/8000/1',
        'TELEPHONE-EVENT/48000/1',
      ]);
      expect(offer.media[0]?.codecs[0]?.fmtp).to.equal('useinbandfec=1');
    });

    it('reads audio, video, text and MSRP m-lines with their protocols (NG9-1-1)', () => {
      const { offer } = offerOf(wireFixture('audio-video-text-msrp.sdp'));
      expect(offer.media.map((m) => `${m.kind} ${m.protocol} ${m.formats.join(',')}`)).to.deep.equal([
        'audio RTP/AVP 0',
        'video RTP/AVPF 96',
        'text RTP/AVP 98',
        'message TCP/MSRP *',
      ]);
      expect(offer.media[3]?.codecs).to.deep.equal([]);
      expect(offer.media[1]?.codecs[0]).to.deep.include({ name: 'H264', clockRate: 90000 });
    });

    it('reads rtcp-mux, the RTCP port and SDES crypto lines with their session parameters', () => {
      const mux = offerOf(wireFixture('rtcp-mux.sdp')).offer;
      expect(mux.media.map((m) => m.rtcpMux)).to.deep.equal([true, false]);
      expect(mux.media[0]?.rtcpPort).to.equal(40000);
      const srtp = offerOf(wireFixture('srtp-sdes.sdp')).offer;
      expect(srtp.media[0]?.crypto.map((c) => `${c.tag} ${c.suite}`)).to.deep.equal([
        '1 AES_256_CM_HMAC_SHA1_80',
        '2 AES_CM_128_HMAC_SHA1_80',
        '3 AES_CM_128_HMAC_SHA1_32',
      ]);
      expect(srtp.media[0]?.crypto[1]?.keyParams).to.equal(
        'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4',
      );
      expect(srtp.media[1]?.crypto[0]?.sessionParams).to.deep.equal(['UNENCRYPTED_SRTCP']);
    });

    it('falls back to the static table for a broken rtpmap and ignores rtpmaps for unlisted payload types', () => {
      const { offer, warnings } = offerOf(wireFixture('rtpmap-quirks.sdp'));
      expect(offer.media[0]?.codecs.map((c) => `${c.pt} ${c.name}/${c.clockRate}`)).to.deep.equal([
        '0 PCMU/8000',
        '101 TELEPHONE-EVENT/8000',
      ]);
      expect(offer.media[0]?.codecs[1]?.fmtp).to.equal('0-15,16');
      // `m=… 8` with `a=rtpmap:0 PCMA/8000` (an edited capture): PT 8 is still PCMA.
      expect(offer.media[1]?.codecs.map((c) => `${c.pt} ${c.name}`)).to.deep.equal(['8 PCMA']);
      expect(offer.media[2]?.codecs.map((c) => c.pt)).to.deep.equal([0]);
      expect(warnings.some((w) => w.startsWith('media 0: malformed a=rtpmap'))).to.equal(true);
      expect(warnings.some((w) => w.includes('payload type 0, which the m= line does not list'))).to.equal(
        true,
      );
      expect(warnings).to.include('media 2: dynamic payload type 96 has no a=rtpmap');
    });

    it('survives malformed fields with a warning for each instead of refusing the call', () => {
      const { offer, warnings } = offerOf(wireFixture('malformed-fields.sdp'));
      const media = offer.media[0];
      expect(offer.origin.sessionId).to.equal('');
      expect(media?.codecs.map((c) => c.name)).to.deep.equal(['PCMU']);
      expect(media?.ptime).to.equal(undefined);
      expect(media?.maxptime).to.equal(undefined);
      expect(media?.rtcpPort).to.equal(undefined);
      expect(media?.crypto).to.deep.equal([]);
      expect(media?.label).to.equal(undefined);
      expect(media?.direction).to.equal('recvonly');
      expect(warnings.length).to.be.greaterThan(10);
      expect(warnings.join('\n')).to.match(/unexpected SDP version/);
      expect(warnings.join('\n')).to.match(/not <type>=<value>: "this line is junk"/);
      expect(warnings.join('\n')).to.match(/conflicting directions sendonly and recvonly/);
    });

    it('applies a session-level direction to media without one (RFC 4566 §6)', () => {
      const text =
        'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\n' +
        'm=audio 5000 RTP/AVP 0\r\nm=audio 5002 RTP/AVP 0\r\na=inactive\r\n';
      expect(offerOf(text).offer.media.map((m) => m.direction)).to.deep.equal(['sendonly', 'inactive']);
    });
  });

  describe('offers that are refused with 488', () => {
    const cases: [string, string, keyof typeof SDP_ERROR_CODES][] = [
      ['an m= line with a port that is not a number', 'bad-media-port.sdp', 'SDP_BAD_MEDIA_LINE'],
      ['an m= line without formats', 'bad-media-no-formats.sdp', 'SDP_BAD_MEDIA_LINE'],
      ['an m= line with port 70000', 'bad-media-port-range.sdp', 'SDP_BAD_MEDIA_LINE'],
      ['a truncated m= line', 'truncated.sdp', 'SDP_BAD_MEDIA_LINE'],
      ['an SDP with no m= line', 'no-media.sdp', 'SDP_NO_MEDIA'],
      ['an XML document', 'not-sdp.txt', 'SDP_NOT_SDP'],
    ];
    for (const [what, name, code] of cases) {
      it(`refuses ${what}`, () => {
        const result = refusal(wireFixture(name));
        expect(result.code).to.equal(code);
        expect(result.status).to.equal(488);
        // The message goes into a reason phrase: one short line of text.
        expect(result.error).to.match(/^[\x20-\x7e]{5,80}$/);
      });
    }

    it('refuses empty and whitespace-only bodies', () => {
      expect(refusal('').code).to.equal('SDP_NOT_SDP');
      expect(refusal('\r\n\r\n   \r\n').code).to.equal('SDP_NOT_SDP');
    });
  });

  describe('hostile input (bounded time and memory, never a throw)', () => {
    it('refuses 10 000 m-lines by size, and 65 small ones by count', () => {
      const many = `v=0\r\n${'m=audio 0 RTP/AVP 0\r\n'.repeat(10_000)}`;
      expect(refusal(many).code).to.equal('SDP_TOO_LARGE');
      const justOver = `v=0\r\n${'m=audio 0 RTP/AVP 0\r\n'.repeat(SDP_LIMITS.maxMedia + 1)}`;
      expect(refusal(justOver).code).to.equal('SDP_TOO_MANY_MEDIA');
      const atLimit = `v=0\r\n${'m=audio 0 RTP/AVP 0\r\n'.repeat(SDP_LIMITS.maxMedia)}`;
      expect(offerOf(atLimit).offer.media).to.have.length(SDP_LIMITS.maxMedia);
    });

    it('refuses 1 MB of attributes quickly', () => {
      const huge = `${fixture('g729-first.sdp')}${'a=x-junk:0123456789abcdef\r\n'.repeat(40_000)}`;
      const started = process.hrtime.bigint();
      expect(refusal(huge).code).to.equal('SDP_TOO_LARGE');
      expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.lessThan(1000);
    });

    it('parses an offer at the 64 KiB limit full of junk attributes in bounded time, capping warnings', () => {
      let text = fixture('g729-first.sdp');
      while (text.length < SDP_LIMITS.maxBytes - 40) text += 'junk line without equals sign\n';
      const started = process.hrtime.bigint();
      const { warnings } = offerOf(text);
      expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.lessThan(1000);
      expect(warnings.length).to.be.at.most(SDP_LIMITS.maxWarnings + 1);
      expect(warnings.at(-1)).to.match(/more warning\(s\) suppressed/);
    });

    it('keeps at most 16 a=crypto lines per m-line from a flood of a thousand', () => {
      const flood = Array.from({ length: 1000 }, (_, i) => `a=crypto:${i} AES_CM_128_HMAC_SHA1_80 inline:x`);
      const { offer, warnings } = offerOf(`v=0\r\nm=audio 5000 RTP/SAVP 0\r\n${flood.join('\r\n')}\r\n`);
      expect(offer.media[0]?.crypto).to.have.length(SDP_LIMITS.maxCryptoLines);
      expect(warnings).to.include('media 0: too many a=crypto lines');
    });

    it('refuses more than 256 formats on one m-line', () => {
      const formats = Array.from({ length: 257 }, (_, i) => String(i % 128)).join(' ');
      expect(refusal(`v=0\r\nm=audio 5000 RTP/AVP ${formats}\r\n`).code).to.equal('SDP_TOO_MANY_FORMATS');
    });

    it('refuses binary junk and never throws on random bytes or mutated offers', () => {
      let seed = 0x2545f491;
      const next = (): number => {
        // xorshift32: deterministic, so a failure can be replayed.
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) / 2 ** 32;
      };
      const junk = Buffer.from(Array.from({ length: 2048 }, () => Math.floor(next() * 256)));
      expect(refusal(junk.toString('latin1')).code).to.equal('SDP_BINARY');
      expect(refusal(`v=0\r\nm=audio 5000 RTP/AVP 0\r\n\u0000`).code).to.equal('SDP_BINARY');

      const base = wireFixture('srtp-sdes.sdp') + wireFixture('foreign-and-junk-attributes.sdp');
      const alphabet = ' =:/\r\n|;0123456789amvcotAUDIOP^-';
      for (let round = 0; round < 1500; round += 1) {
        const chars = [...base.slice(0, Math.floor(next() * base.length))];
        for (let k = 0; k < 8; k += 1) {
          chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)] ?? ' ';
        }
        const result = parseOffer(chars.join(''));
        if (!result.ok) expect(Object.keys(SDP_ERROR_CODES)).to.include(result.code);
        else expect(result.offer.media.length).to.be.within(1, SDP_LIMITS.maxMedia);
      }
    });
  });
});
