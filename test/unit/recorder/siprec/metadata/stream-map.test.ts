import { expect } from 'chai';

import { mapStreamsToParticipants } from '../../../../../recorder/src/siprec/metadata/stream-map.js';
import { metadataOf } from './vectors-helper.js';

describe('siprec/metadata mapStreamsToParticipants (INTEROP.md §4)', () => {
  it('without metadata every m-line is unmapped', () => {
    expect(mapStreamsToParticipants(undefined, ['1', undefined])).to.deep.equal([
      { label: '1', participantIds: [], matchedBy: 'none' },
      { participantIds: [], matchedBy: 'none' },
    ]);
  });

  it('SDP labels that differ from the metadata (a_leg/b_leg vs 1/2) fall back to order', () => {
    const md = metadataOf('drachtio-generic-opensips-style-reinvite-inactive.sipp.xml');
    expect(md.labels).to.deep.equal(['a_leg', 'b_leg']);
    const map = mapStreamsToParticipants(md, md.labels);
    expect(map.map((m) => [m.label, m.streamId, m.participantIds, m.matchedBy])).to.deep.equal([
      ['a_leg', '1LiAtnDVR9m469/0L4bwCA==', ['omFyWlFETEyFz/KXNLe4iQ=='], 'order'],
      ['b_leg', 'WJgj5uxeRH+nwUah02dWqg==', ['fLbZzLMgRXGp+F5w0hOt6w=='], 'order'],
    ]);
  });

  it('missing labels (mod_siprec, sofia clobbering them) map streams in document order', () => {
    const md = metadataOf('drachtio-cisco-cube-invite-gtd-part.multipart.txt');
    const map = mapStreamsToParticipants(md, [undefined, undefined]);
    expect(map.map((m) => [m.streamId, m.participantIds[0], m.matchedBy])).to.deep.equal([
      ['kQOH5VdEEeeJ/ND/VsPGWA==', 'kQNhKFdEEeeJ99D/VsPGWA==', 'order'],
      ['kQOH5VdEEeeJ/dD/VsPGWA==', 'kQNhKFdEEeeJ+ND/VsPGWA==', 'order'],
    ]);
  });

  it('labels in another order than the streams, one unknown label, one m-line too many', () => {
    const md = metadataOf('drachtio-cisco-cube-invite-gtd-part.multipart.txt');
    const map = mapStreamsToParticipants(md, ['2', 'nope', '9']);
    expect(map.map((m) => [m.label, m.streamId, m.matchedBy])).to.deep.equal([
      ['2', 'kQOH5VdEEeeJ/dD/VsPGWA==', 'label'],
      ['nope', 'kQOH5VdEEeeJ/ND/VsPGWA==', 'order'],
      ['9', undefined, 'none'],
    ]);
  });

  it('Avaya SBCE dummy: the placeholder stream (stream_id="") has no sender and stays unattributed', () => {
    const md = metadataOf('miarec-avaya-sbce-invite-metadata-dummy-participant.xml');
    expect(mapStreamsToParticipants(md, ['10', '20'])).to.deep.equal([
      {
        label: '10',
        streamId: '0ccc2d78b71d8a1ea1c7',
        participantIds: ['b536ff63b7f3643d4d7b'],
        matchedBy: 'label',
      },
      { label: '20', streamId: '', participantIds: [], matchedBy: 'label' },
    ]);
  });

  it('one mixed stream sent by two participants (BroadWorks v1, Metaswitch)', () => {
    const md = metadataOf('miarec-broadworks-redirect-mixed-reinvite.sipp.xml');
    const [only] = mapStreamsToParticipants(md, md.labels);
    expect(only!.participantIds).to.deep.equal([
      'urn:uuid:2dcce747-b500-4b14-86b6-25e0a09612e2',
      'urn:uuid:2bdbb8a2-4ce8-4181-823f-1dfbe8ac5d64',
    ]);
    expect(only!.role).to.equal(undefined);
    expect(only!.matchedBy).to.equal('label');
  });

  it('OpenSIPS without participantstreamassoc: streams by label, participants by order', () => {
    const md = metadataOf('drachtio-opensips-connectel-invite-1.multipart.txt');
    expect(
      mapStreamsToParticipants(md, md.labels).map((m) => [m.streamId, m.participantIds, m.matchedBy]),
    ).to.deep.equal([
      ['EkG6jSRhQqCupqs53tna1w==', ['WEWTz80cS1Cqdyepmu3STQ=='], 'order'],
      ['4CLOddBJRvGyTJJxPE2ZSw==', ['21Isz6eFRYuiDN0vEkVXQQ=='], 'order'],
    ]);
  });
});
