/**
 * What a recorder finds at start after its predecessor was killed: half-written `.part` files. Each becomes a final
 * file a user can open — a valid WAV with the audio that reached the disk, the raw G.729 frames, a final sidecar
 * saying `endReason: "recovered"` — and a damaged file never stops the others from being repaired.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repairRecordingDir } from '../../../../recorder/src/recording/startup-repair.js';
import { buildWavHeader, parseWavHeader } from '../../../../recorder/src/recording/wav/wav-format.js';

describe('repairRecordingDir (start-up repair)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'startup-repair-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a killed call into a valid WAV and a final sidecar with endReason "recovered"', async () => {
    // The header was last patched at 0.5 s, the file holds 1.25 s of 2-channel 8 kHz audio and half a frame.
    const audio = Buffer.alloc(10000 * 4 + 2, 7);
    writeFileSync(join(dir, 'rec1.wav.part'), Buffer.concat([buildWavHeader(2, 8000, 4000 * 4), audio]));
    writeFileSync(
      join(dir, 'rec1.json.part'),
      JSON.stringify({
        recordingId: 'rec1',
        callId: 'c1',
        state: 'recording',
        endedAt: null,
        endReason: null,
        segments: [{ recorderId: 'r', start: '2026-01-01T00:00:00.000Z', end: null }],
      }),
    );
    writeFileSync(join(dir, 'rec1.ch0.g729.raw.part'), Buffer.from('SRSRAW01'));

    const outcomes = await repairRecordingDir(dir);
    expect(outcomes.map((o) => o.action).sort()).to.deep.equal([
      'raw-renamed',
      'sidecar-recovered',
      'wav-repaired',
    ]);
    expect(readdirSync(dir).sort()).to.deep.equal(['rec1.ch0.g729.raw', 'rec1.json', 'rec1.wav']);

    const wav = readFileSync(join(dir, 'rec1.wav'));
    const info = parseWavHeader(wav);
    expect(info.declaredDataBytes).to.equal(10000 * 4);
    expect(wav.length).to.equal(44 + 10000 * 4);

    const sidecar = JSON.parse(readFileSync(join(dir, 'rec1.json'), 'utf8')) as Record<string, unknown>;
    expect(sidecar).to.include({ recordingId: 'rec1', callId: 'c1', state: 'final', endReason: 'recovered' });
    expect(sidecar.endedAt).to.be.a('string');
    expect((sidecar.segments as { end: string | null }[])[0]!.end).to.equal(sidecar.endedAt);
    expect(sidecar.recording).to.deep.equal({
      file: 'rec1.wav',
      channels: 2,
      sampleRate: 8000,
      durationMs: 1250,
    });
  });

  it('repairs the others when one file is beyond repair, and keeps what it knows of an unreadable sidecar', async () => {
    writeFileSync(join(dir, 'bad.wav.part'), Buffer.from('not a wav at all'));
    writeFileSync(
      join(dir, 'good.wav.part'),
      Buffer.concat([buildWavHeader(1, 8000, 0), Buffer.alloc(1600)]),
    );
    writeFileSync(join(dir, 'torn.json.part'), '{"recordingId": "torn", "call');

    const outcomes = await repairRecordingDir(dir);
    expect(outcomes.find((o) => o.file === 'bad.wav.part')?.action).to.equal('failed');
    expect(outcomes.find((o) => o.file === 'good.wav.part')?.action).to.equal('wav-repaired');
    const torn = JSON.parse(readFileSync(join(dir, 'torn.json'), 'utf8')) as Record<string, unknown>;
    expect(torn).to.include({ recordingId: 'torn', state: 'final', endReason: 'recovered' });
  });

  it('gives a call killed before its first audio (no .wav.part yet) a silent WAV as long as the call', async () => {
    const startedAt = Date.UTC(2026, 0, 1, 0, 0, 0);
    const streams = [
      { label: '1', codec: 'PCMU', channel: 0 },
      { label: '2', codec: 'G722', channel: 1 },
      { label: 'video', codec: null, channel: null },
    ];
    const sidecar = { recordingId: 'quiet', startedAt: new Date(startedAt).toISOString(), streams };
    writeFileSync(join(dir, 'quiet.json.part'), JSON.stringify(sidecar));
    utimesSync(join(dir, 'quiet.json.part'), new Date(startedAt + 3000), new Date(startedAt + 3000));
    // A recording whose WAV is already final (assembled elsewhere) keeps it untouched.
    writeFileSync(join(dir, 'done.json.part'), JSON.stringify({ ...sidecar, recordingId: 'done' }));
    writeFileSync(join(dir, 'done.wav'), 'assembled');
    // No recorded stream at all (every m-line refused): no WAV to make.
    writeFileSync(
      join(dir, 'none.json.part'),
      JSON.stringify({ ...sidecar, recordingId: 'none', streams: [] }),
    );

    await repairRecordingDir(dir);

    const wav = readFileSync(join(dir, 'quiet.wav'));
    const info = parseWavHeader(wav);
    expect(info).to.include({ channels: 2, sampleRate: 16000, declaredDataBytes: 3 * 16000 * 4 });
    expect(wav.length).to.equal(44 + 3 * 16000 * 4);
    expect(wav.subarray(44).every((b) => b === 0)).to.be.true;
    const recovered = JSON.parse(readFileSync(join(dir, 'quiet.json'), 'utf8')) as Record<string, unknown>;
    expect(recovered.recording).to.deep.equal({
      file: 'quiet.wav',
      channels: 2,
      sampleRate: 16000,
      durationMs: 3000,
    });
    expect(readFileSync(join(dir, 'done.wav'), 'utf8')).to.equal('assembled');
    expect(readdirSync(dir).sort()).to.deep.equal([
      'done.json',
      'done.wav',
      'none.json',
      'quiet.json',
      'quiet.wav',
    ]);
  });

  it('does nothing in a directory without leftovers, or one that does not exist', async () => {
    writeFileSync(join(dir, 'done.wav'), Buffer.alloc(44));
    expect(await repairRecordingDir(dir)).to.deep.equal([]);
    expect(await repairRecordingDir(join(dir, 'missing'))).to.deep.equal([]);
  });
});
