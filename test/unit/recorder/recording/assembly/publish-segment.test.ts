import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  publishSegment,
  supersededSegmentPath,
} from '../../../../../recorder/src/recording/assembly/publish-segment.js';
import {
  DirectorySegmentStorage,
  segmentDirectoryName,
  segmentFileName,
} from '../../../../../recorder/src/recording/assembly/segment-storage.js';
import { WavWriter } from '../../../../../recorder/src/recording/wav/wav-writer.js';
import { readWavFile } from '../../../../support/audio-compare.js';

describe('recording/assembly publishSegment', () => {
  let dir: string;
  const id = '4f1c2d7e-0000-4000-8000-0000000000aa';
  const at = 1_772_442_845_123;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'publish-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes the part under the final name when the name is free', async () => {
    const final = join(dir, `${id}.wav`);
    writeFileSync(`${final}.part`, 'segment audio');
    expect(await publishSegment(`${final}.part`, final)).to.deep.equal({ path: final, superseded: false });
    expect(readFileSync(final, 'utf8')).to.equal('segment audio');
    expect(existsSync(`${final}.part`)).to.equal(false);
  });

  it('never replaces an assembled recording: the late segment is kept where the storage lists it', async () => {
    const final = join(dir, `${id}.wav`);
    writeFileSync(final, 'assembled by the recorder that took over');
    writeFileSync(`${final}.part`, 'stale segment of the fenced recorder');

    const published = await publishSegment(`${final}.part`, final, () => at);
    expect(published.superseded).to.equal(true);
    expect(readFileSync(final, 'utf8')).to.equal('assembled by the recorder that took over');
    expect(existsSync(`${final}.part`)).to.equal(false);
    expect(readFileSync(published.path, 'utf8')).to.equal('stale segment of the fenced recorder');
    const kept = `${segmentDirectoryName(id, 1)}/${id}.superseded-${at}.wav`;
    expect(published.path).to.equal(join(dir, kept));
    expect(await new DirectorySegmentStorage(dir).list(id)).to.deep.equal([`${id}.wav`, kept]);
  });

  it('keeps a late segment ≥ 2 in its own segment directory', () => {
    const final = join(dir, segmentFileName(id, 3));
    expect(supersededSegmentPath(final, at)).to.equal(
      join(dir, segmentDirectoryName(id, 3), `${id}.superseded-${at}.wav`),
    );
  });

  it('fails when the part is gone (the assembler consumed it), leaving the final file alone', async () => {
    const final = join(dir, `${id}.wav`);
    writeFileSync(final, 'assembled');
    let failure: unknown;
    await publishSegment(`${final}.part`, final).catch((err: unknown) => (failure = err));
    expect((failure as NodeJS.ErrnoException).code).to.equal('ENOENT');
    expect(readFileSync(final, 'utf8')).to.equal('assembled');
  });

  it('WavWriter.finalize of a fenced recorder leaves the assembled WAV as it was', async () => {
    const final = join(dir, `${id}.wav`);
    const writer = await WavWriter.create({ path: final, channels: 1, sampleRate: 8000 });
    const samples = new Int16Array(8000).fill(1234);
    writer.write(samples, samples.length);
    // Meanwhile another recorder finished the call and assembled the recording under the same name.
    mkdirSync(dir, { recursive: true });
    writeFileSync(final, 'assembled');

    const result = await writer.finalize();
    expect(readFileSync(final, 'utf8')).to.equal('assembled');
    expect(result.path).to.not.equal(final);
    const kept = readWavFile(result.path);
    expect(kept.frames).to.equal(8000);
    expect(kept.channels[0]![4000]).to.equal(1234);
  });
});
