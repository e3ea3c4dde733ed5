import { expect } from 'chai';

import { mergeMetadata } from '../../../../../recorder/src/siprec/metadata/merge.js';
import { parseMetadata } from '../../../../../recorder/src/siprec/metadata/parse.js';
import type { RecordingMetadata } from '../../../../../recorder/src/siprec/metadata/types.js';
import { readVector } from '../helpers/vectors.js';
import { metadataOf } from './vectors-helper.js';

function parsed(raw: string): RecordingMetadata {
  const result = parseMetadata(raw);
  if (!result.ok) throw new Error(result.error);
  return result.metadata;
}

/** The RFC 7865 audio+video example (AWS copy, its `<naSRCme>` typo repaired). */
function rfcComplete(): RecordingMetadata {
  const snippet = readVector('rfc7866ex-via-awsdocs-invite-audio-video-4streams-snippet.txt').toString(
    'utf8',
  );
  return parsed(snippet.slice(snippet.indexOf('<?xml')).replace('<naSRCme', '<name'));
}

describe('siprec/metadata mergeMetadata', () => {
  it('RFC 7866 hold then resume: the partial associations replace send/recv, nothing is re-indexed', () => {
    const complete = rfcComplete();
    const hold = mergeMetadata(
      complete,
      parsed(readVector('rfc7866ex-via-awsdocs-partial-update-hold.xml').toString()),
    );
    expect(hold.dataMode).to.equal('complete');
    expect(hold.participants.map((p) => [p.id, p.name, p.sends, p.receives])).to.deep.equal([
      ['srfBElmCRp2QB23b7Mpk0w==', 'Alice', [], ['8zc6e0lYTlWIINA6GR+3ag==', 'EiXGlc+4TruqqoDaNE76ag==']],
      ['zSfPoSvdSDCmU3A3TRDxAw==', 'Bob', ['8zc6e0lYTlWIINA6GR+3ag==', 'EiXGlc+4TruqqoDaNE76ag=='], []],
    ]);
    expect(hold.streams).to.deep.equal(complete.streams);
    expect(hold.extensions).to.deep.equal(complete.extensions);

    const resume = mergeMetadata(
      hold,
      parsed(readVector('rfc7866ex-via-awsdocs-partial-update-resume.xml').toString()),
    );
    expect(resume.participants.map((p) => p.sends)).to.deep.equal([
      ['i1Pz3to5hGk8fuXl+PbwCw==', 'UAAMm5GRQKSCMVvLyl4rFw=='],
      ['8zc6e0lYTlWIINA6GR+3ag==', 'EiXGlc+4TruqqoDaNE76ag=='],
    ]);
    expect(resume.participants.map((p) => p.receives)).to.deep.equal([
      ['8zc6e0lYTlWIINA6GR+3ag==', 'EiXGlc+4TruqqoDaNE76ag=='],
      ['i1Pz3to5hGk8fuXl+PbwCw==', 'UAAMm5GRQKSCMVvLyl4rFw=='],
    ]);
    expect(resume.streams).to.deep.equal(complete.streams);
  });

  it('Ribbon BYE for the same call: disassociate-time recorded, identities and streams kept', () => {
    const invite = metadataOf('gotest-ribbon-sonus-invite-metadata-calldata.xml');
    const bye = readVector('gotest-ribbon-sonus-bye-metadata-partial-disassociate.xml')
      .toString()
      .replace('NjFhMGYwMDEtNTI4MC0xMA==', invite.participants[0]!.id)
      .replace('NjFhMGYwMDItNTI4MC0xMA==', invite.participants[1]!.id);
    const merged = mergeMetadata(invite, parsed(bye));
    expect(merged.participants.map((p) => [p.aor, p.role, p.sends.length, p.disassociateTime])).to.deep.equal(
      [
        ['4694733291@10.87.18.120', 'caller', 1, '2026-06-25T04:58:15Z'],
        ['8777953602@10.87.18.120', 'callee', 1, '2026-06-25T04:58:15Z'],
      ],
    );
    expect(merged.recordingSessionIds).to.deep.equal([
      'NWE5OGFiYmUtNTI3Zi0xMA==',
      'NjUwODA1M2UtNTI4MC0xMA==',
    ]);
    expect(merged.vendor.callId).to.equal('4990206_132492727@10.87.18.17');
  });

  it('the real Ribbon BYE document names other participants: they are appended, never replacing', () => {
    const invite = metadataOf('gotest-ribbon-sonus-invite-metadata-calldata.xml');
    const merged = mergeMetadata(
      invite,
      metadataOf('gotest-ribbon-sonus-bye-metadata-partial-disassociate.xml'),
    );
    expect(merged.participants.map((p) => p.id)).to.deep.equal([
      'NTczMjI2ODEtNTI3Zi0xMA==',
      'NTczMjI2ODItNTI3Zi0xMA==',
      'NjFhMGYwMDEtNTI4MC0xMA==',
      'NjFhMGYwMDItNTI4MC0xMA==',
    ]);
    expect(merged.participants[0]).to.deep.equal(invite.participants[0]);
  });

  it('a complete document replaces: Avaya SBCE dummy participant gone after the UPDATE', () => {
    const invite = metadataOf('miarec-avaya-sbce-invite-metadata-dummy-participant.xml');
    const update = metadataOf('miarec-avaya-sbce-update-metadata-real-participants.xml');
    const merged = mergeMetadata(invite, update);
    expect(merged.participants.map((p) => p.aor)).to.deep.equal([
      'sip:13035381001@10.64.110.65',
      'sip:7204541001@10.64.110.32',
    ]);
    expect(merged.streams.map((s) => s.id)).to.deep.equal(['0ccc2d78b71d8a1ea1c7', '63a24a2bc6e7c076d738']);
  });

  it('Webex conference: successive complete UPDATEs grow the participant list', () => {
    const scenario = 'miarec-webex-calling-broadworks-conference-update-metadata.sipp.xml';
    let current: RecordingMetadata | undefined;
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) {
      let next: RecordingMetadata;
      try {
        next = metadataOf(scenario, i);
      } catch {
        continue; // SDP-only re-INVITE
      }
      current = mergeMetadata(current, next);
      sizes.push(current.participants.length);
    }
    expect(sizes[0]).to.equal(2);
    expect(sizes[sizes.length - 1]).to.equal(4);
  });

  it('a partial update without a prior complete one is kept as it is; inputs are never modified', () => {
    const hold = parsed(readVector('rfc7866ex-via-awsdocs-partial-update-hold.xml').toString());
    expect(mergeMetadata(undefined, hold)).to.deep.equal(hold);
    const complete = rfcComplete();
    const snapshot = JSON.stringify(complete);
    const merged = mergeMetadata(complete, hold);
    expect(JSON.stringify(complete)).to.equal(snapshot);
    merged.participants[0]!.sends.push('x');
    expect(JSON.stringify(complete)).to.equal(snapshot);
  });

  it('partial updates change names, labels and vendor data of known entries', () => {
    const base = parsed(
      `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>complete</datamode>
       <participant participant_id="a"><nameID aor="sip:a@h"><name>Old</name></nameID></participant>
       <stream stream_id="s"><label>1</label></stream></recording>`,
    );
    const update = parsed(
      `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>partial</datamode>
       <participant participant_id="a"><nameID aor="sip:a@h"><name>New</name></nameID>
       <x_part_info><x_part_leg>caller</x_part_leg></x_part_info></participant>
       <stream stream_id="s"><label>7</label></stream><stream stream_id="t"><label>8</label></stream></recording>`,
    );
    const merged = mergeMetadata(base, update);
    expect(merged.participants).to.deep.equal([
      {
        id: 'a',
        aor: 'sip:a@h',
        name: 'New',
        sends: [],
        receives: [],
        role: 'caller',
        vendor: { x_part_info: { x_part_leg: 'caller' } },
      },
    ]);
    expect(merged.streams).to.deep.equal([
      { id: 's', label: '7' },
      { id: 't', label: '8' },
    ]);
  });
});
