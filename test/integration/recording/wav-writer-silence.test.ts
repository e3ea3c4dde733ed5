/**
 * WavWriter with leading silence it never writes (a call whose first audio came late, or none at all): the files
 * read back with sox's `soxi` and byte for byte, and a writer killed mid-call is repaired with the silence in place.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repairWav } from '../../../recorder/src/recording/wav/repair-wav.js';
import { WavWriter } from '../../../recorder/src/recording/wav/wav-writer.js';
import { readWavFile } from '../../support/audio-compare.js';

const soxi = (flag: string, path: string): string =>
  execFileSync('soxi', [flag, path], { encoding: 'utf8' }).trim();

/** Two channels of a ramp that is never zero, so misplaced audio cannot pass for silence. */
function ramp(count: number): Int16Array {
  const out = new Int16Array(count * 2);
  for (let f = 0; f < count; f++) {
    out[f * 2] = 1000 + (f % 500);
    out[f * 2 + 1] = -1000 - (f % 700);
  }
  return out;
}

describe('WavWriter: silence before the first audio', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wav-silence-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a recording with no audio at all is silence of its whole length: soxi sees 2 ch, 8000 Hz, 90 s', async () => {
    const path = join(dir, 'quiet.wav');
    const w = await WavWriter.create({ path, channels: 2, sampleRate: 8000, silentFrames: 90 * 8000 });
    const result = await w.finalize();
    expect(result).to.deep.include({ path, frames: 720000, dataBytes: 2880000, durationMs: 90000 });
    expect(statSync(path).size).to.equal(44 + 2880000);
    expect(soxi('-c', path)).to.equal('2');
    expect(soxi('-r', path)).to.equal('8000');
    expect(soxi('-D', path)).to.equal('90.000000');
    const back = readWavFile(path);
    expect(back.channels.every((ch) => ch.every((v) => v === 0))).to.equal(true);
  });

  it('places the first audio after the silence, to the sample', async () => {
    const path = join(dir, 'late.wav');
    const w = await WavWriter.create({
      path,
      channels: 2,
      sampleRate: 8000,
      blockMs: 100,
      silentFrames: 12345,
    });
    const audio = ramp(4000);
    for (let f = 0; f < 4000; f += 160) w.write(audio.subarray(f * 2), 160);
    const result = await w.finalize();
    expect(result.frames).to.equal(12345 + 4000);
    expect(soxi('-s', path)).to.equal(String(12345 + 4000));
    const back = readWavFile(path);
    expect(back.channels[0]!.subarray(0, 12345).every((v) => v === 0)).to.equal(true);
    expect(back.channels[1]!.subarray(0, 12345).every((v) => v === 0)).to.equal(true);
    for (const f of [0, 1, 499, 500, 3999]) {
      expect(back.channels[0]![12345 + f]).to.equal(1000 + (f % 500));
      expect(back.channels[1]![12345 + f]).to.equal(-1000 - (f % 700));
    }
  });

  it('a .part left mid-call (writer gone after its last flush) repairs with the silence and the audio in place', async () => {
    const path = join(dir, 'killed.wav');
    const w = await WavWriter.create({
      path,
      channels: 2,
      sampleRate: 8000,
      blockMs: 100,
      headerIntervalMs: 60_000,
      silentFrames: 8000,
    });
    const audio = ramp(2400);
    for (let f = 0; f < 2400; f += 160) w.write(audio.subarray(f * 2), 160);
    await w.flush();
    // The process dies here: no finalize, the header has only the sizes of its last patch.
    const part = `${path}.part`;
    expect(readFileSync(part).readUInt32LE(40)).to.equal((8000 + 2400) * 4);
    const result = await repairWav(part);
    expect(result).to.deep.include({ path, channels: 2, frames: 8000 + 2400 });
    const back = readWavFile(path);
    expect(back.channels[0]!.subarray(0, 8000).every((v) => v === 0)).to.equal(true);
    expect(back.channels[0]![8000]).to.equal(1000);
    expect(back.channels[1]![8000 + 2399]).to.equal(-1000 - (2399 % 700));
    await w.abort();
  });
});
