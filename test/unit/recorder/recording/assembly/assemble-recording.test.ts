import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleRecording } from '../../../../../recorder/src/recording/assembly/assemble-recording.js';
import {
  DirectorySegmentStorage,
  segmentDirectoryName,
  segmentFileName,
} from '../../../../../recorder/src/recording/assembly/segment-storage.js';
import { buildWavHeader } from '../../../../../recorder/src/recording/wav/wav-format.js';
import { readWavFile } from '../../../../support/audio-compare.js';

/** A 2-channel 8 kHz WAV whose samples are `value(frame, channel)`; `staleHeader` mimics a killed writer's .part. */
function wav(frames: number, value: (f: number, c: number) => number, staleHeader = false): Buffer {
  const data = Buffer.alloc(frames * 4);
  for (let f = 0; f < frames; f++) for (let c = 0; c < 2; c++) data.writeInt16LE(value(f, c), f * 4 + c * 2);
  // A killed writer's header claims only what it had patched (here: nothing), and the last frame is torn.
  const header = buildWavHeader(2, 8000, staleHeader ? 0 : data.length);
  return Buffer.concat([header, data, staleHeader ? Buffer.from([1, 2, 3]) : Buffer.alloc(0)]);
}

describe('recording/assembly assembleRecording', () => {
  let dir: string;
  const id = '4f1c2d7e-0000-4000-8000-000000000001';
  const t0 = 1_772_442_845_000;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'assemble-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("places a killed writer's .part and the next segment on the call's timeline, silence in the gap", async () => {
    // Segment 1 (recorder a): 1.5 s of audio, then killed (a .part with a stale header and a torn frame).
    writeFileSync(
      join(dir, `${id}.wav.part`),
      wav(12_000, (_f, c) => 1000 + c, true),
    );
    // Segment 2 (recorder b) starts 2.5 s into the call and holds 1 s.
    mkdirSync(join(dir, segmentDirectoryName(id, 2)), { recursive: true });
    writeFileSync(
      join(dir, segmentFileName(id, 2)),
      wav(8000, (_f, c) => -2000 - c),
    );
    const storage = new DirectorySegmentStorage(dir);
    expect(await storage.list(id)).to.deep.equal([`${id}.wav.part`, `${segmentFileName(id, 2)}`]);

    const result = await assembleRecording(storage, id, t0, [
      { recorderId: 'a', start: t0, end: null, files: [segmentFileName(id, 1)] },
      { recorderId: 'b', start: t0 + 2500, end: t0 + 3500, files: [segmentFileName(id, 2)] },
    ]);
    expect(result).to.not.equal(undefined);
    expect(result!.frames).to.equal(3.5 * 8000);
    expect(result!.segments.map((s) => [s.recorderId, s.end - s.start, s.audioMs])).to.deep.equal([
      ['a', 1500, 1500],
      ['b', 1000, 1000],
    ]);
    expect(result!.gaps).to.deep.equal([
      { start: t0 + 1500, end: t0 + 2500, durationMs: 1000, fromRecorderId: 'a', toRecorderId: 'b' },
    ]);

    const out = readWavFile(join(dir, `${id}.wav`));
    expect(out.channels).to.have.length(2);
    expect(out.frames).to.equal(28_000);
    expect([out.channels[0]![0], out.channels[1]![11_999]]).to.deep.equal([1000, 1001]);
    expect(out.channels[0]!.subarray(12_000, 20_000).every((s) => s === 0)).to.equal(true);
    expect([out.channels[0]![20_000], out.channels[1]![27_999]]).to.deep.equal([-2000, -2001]);
    // Sources are gone, the assembled file stays.
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).to.deep.equal([`${id}.wav`]);
    expect(existsSync(join(dir, '.segments', id)), 'emptied segment directory').to.equal(false);
  });

  it('resamples a segment of another rate to the widest one and keeps the channel layout', async () => {
    writeFileSync(
      join(dir, `${id}.wav`),
      wav(800, () => 500),
    );
    const wide = Buffer.concat([buildWavHeader(2, 16000, 1600 * 4), Buffer.alloc(1600 * 4, 0x10)]);
    mkdirSync(join(dir, segmentDirectoryName(id, 2)), { recursive: true });
    writeFileSync(join(dir, segmentFileName(id, 2)), wide);
    const result = await assembleRecording(new DirectorySegmentStorage(dir), id, t0, [
      { recorderId: 'a', start: t0, end: t0 + 100, files: [segmentFileName(id, 1)] },
      { recorderId: 'b', start: t0 + 100, end: t0 + 200, files: [segmentFileName(id, 2)] },
    ]);
    expect(result!.sampleRate).to.equal(16000);
    expect(result!.frames).to.equal(3200);
    expect(result!.gaps).to.deep.equal([]);
  });

  it('returns undefined and writes nothing when no segment has audio', async () => {
    const result = await assembleRecording(new DirectorySegmentStorage(dir), id, t0, [
      { recorderId: 'a', start: t0, end: null, files: [segmentFileName(id, 1)] },
    ]);
    expect(result).to.equal(undefined);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('refuses segment names from the store that leave the recording directory', async () => {
    const storage = new DirectorySegmentStorage(dir);
    const refusals = await Promise.all(
      [
        () => storage.read('../../etc/passwd'),
        () => storage.open('../../etc/passwd'),
        () => storage.create(`../${id}.wav`),
      ].map((use) => use().then(() => 'accepted', String)),
    );
    for (const refusal of refusals) expect(refusal).to.match(/leaves the recording directory/);
  });
});
