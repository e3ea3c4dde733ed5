import { expect } from 'chai';
import { chooseCodec } from '../../../../../recorder/src/siprec/sdp/choose-codec.js';
import { parseOffer } from '../../../../../recorder/src/siprec/sdp/parse-offer.js';
import type { OfferedMedia } from '../../../../../recorder/src/siprec/sdp/types.js';
import { wireFixture } from './support/paths.js';

function media(name: string, index = 0): OfferedMedia {
  const result = parseOffer(wireFixture(name));
  if (!result.ok) throw new Error(result.error);
  const m = result.offer.media[index];
  if (m === undefined) throw new Error(`no m-line ${index}`);
  return m;
}

describe('chooseCodec', () => {
  it('takes opus first as offered by Webex, with the 48 kHz telephone-event', () => {
    expect(chooseCodec(media('opus-first-two-telephone-events.sdp'))).to.deep.equal({
      pt: 111,
      name: 'OPUS',
      clockRate: 48000,
      channels: 2,
      fmtp: 'useinbandfec=1',
      telephoneEvent: { pt: 107, clockRate: 48000, fmtp: '0-15' },
    });
  });

  it('follows caller preferences and then picks the 8 kHz telephone-event for G.711', () => {
    const chosen = chooseCodec(media('opus-first-two-telephone-events.sdp'), ['PCMA', 'PCMU']);
    expect(chosen).to.deep.include({ pt: 8, name: 'PCMA', clockRate: 8000, channels: 1 });
    expect(chosen?.telephoneEvent).to.deep.equal({ pt: 101, clockRate: 8000, fmtp: '0-15' });
    expect(chooseCodec(media('opus-first-two-telephone-events.sdp'), ['g722'])?.name).to.equal('G722');
    expect(chooseCodec(media('opus-first-two-telephone-events.sdp'), ['G729', 'AMR'])).to.equal(null);
  });

  it('passes over G.729 offered first (Metaswitch) for the next codec we decode', () => {
    expect(chooseCodec(media('g729-first.sdp'))).to.deep.equal({
      pt: 0,
      name: 'PCMU',
      clockRate: 8000,
      channels: 1,
    });
  });

  it('takes G.729 when it is all that is offered, keeping annexb=no and DTMF', () => {
    expect(chooseCodec(media('g729-only.sdp', 0))).to.deep.equal({
      pt: 18,
      name: 'G729',
      clockRate: 8000,
      channels: 1,
      fmtp: 'annexb=no',
      telephoneEvent: { pt: 101, clockRate: 8000, fmtp: '0-15' },
    });
    // Second m-line: PT 18 without rtpmap (static), telephone-event without fmtp (Oracle 2021).
    expect(chooseCodec(media('g729-only.sdp', 1))).to.deep.equal({
      pt: 18,
      name: 'G729',
      clockRate: 8000,
      channels: 1,
      fmtp: 'annexb=no',
      telephoneEvent: { pt: 101, clockRate: 8000 },
    });
  });

  it('keeps comfort noise offered by CUBE, whether as PT 19 with rtpmap or static PT 13', () => {
    expect(chooseCodec(media('inactive-with-cn.sdp', 0))?.comfortNoise).to.deep.equal({ pt: 19 });
    expect(chooseCodec(media('inactive-with-cn.sdp', 1))?.comfortNoise).to.deep.equal({ pt: 13 });
  });

  it('names a static payload type without rtpmap (Oracle PT 8) and reads placeholder lists', () => {
    expect(chooseCodec(media('placeholders-static-pts-no-rtpmap.sdp', 1))?.name).to.equal('PCMU');
    expect(chooseCodec(media('rtpmap-quirks.sdp', 1))).to.deep.equal({
      pt: 8,
      name: 'PCMA',
      clockRate: 8000,
      channels: 1,
    });
  });

  it('keeps any telephone-event when none matches the codec clock rate', () => {
    const m = media('opus-first-two-telephone-events.sdp');
    const onlyWideEvents = {
      ...m,
      codecs: m.codecs.filter((c) => !(c.name === 'TELEPHONE-EVENT' && c.clockRate === 8000)),
    };
    expect(chooseCodec(onlyWideEvents, ['PCMU'])?.telephoneEvent).to.deep.equal({
      pt: 107,
      clockRate: 48000,
      fmtp: '0-15',
    });
  });

  it('returns null when nothing usable is offered: video, MSRP, GSM only, or a codec at the wrong clock rate', () => {
    expect(chooseCodec(media('audio-video-text-msrp.sdp', 1))).to.equal(null);
    expect(chooseCodec(media('audio-video-text-msrp.sdp', 3))).to.equal(null);
    const gsm = media('no-c-no-t-origin-zero.sdp');
    expect(chooseCodec({ ...gsm, codecs: gsm.codecs.filter((c) => c.name === 'GSM') })).to.equal(null);
    expect(
      chooseCodec({ ...gsm, codecs: [{ pt: 96, name: 'PCMU', clockRate: 16000, channels: 1 }] }),
    ).to.equal(null);
  });
});
