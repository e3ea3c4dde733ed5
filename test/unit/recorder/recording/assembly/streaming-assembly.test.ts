import { expect } from 'chai';
import { assembleRecording } from '../../../../../recorder/src/recording/assembly/assemble-recording.js';
import type { SegmentInput } from '../../../../../recorder/src/recording/assembly/assemble-recording.js';
import { segmentFileName } from '../../../../../recorder/src/recording/assembly/segment-storage.js';
import { WAV_HEADER_BYTES, buildWavHeader } from '../../../../../recorder/src/recording/wav/wav-format.js';
import { MemorySegmentStorage } from './memory-segment-storage.js';
import { referenceAssembly } from './reference-assembly.js';

const id = '4f1c2d7e-0000-4000-8000-0000000000bb';
const t0 = 1_772_442_845_000;

/** A WAV of `seconds` with pseudo-random samples over the whole 16-bit range (rounding is exercised too). */
function noiseWav(
  channels: number,
  rate: number,
  seconds: number,
  seed: number,
  staleHeader = false,
): Buffer {
  const frames = Math.round(rate * seconds);
  const data = Buffer.alloc(frames * channels * 2);
  let x = seed;
  for (let i = 0; i < frames * channels; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    data.writeInt16LE((x % 65_536) - 32_768, i * 2);
  }
  // A killed writer's header claims nothing, and its last frame is torn.
  const header = buildWavHeader(channels, rate, staleHeader ? 0 : data.length);
  return Buffer.concat([header, data, staleHeader ? Buffer.from([7, 7, 7]) : Buffer.alloc(0)]);
}

const segment = (recorderId: string, startMs: number, index: number): SegmentInput => ({
  recorderId,
  start: t0 + startMs,
  end: null,
  files: [segmentFileName(id, index)],
});

/** Inputs whose output spans many 256 KiB blocks, cut at awkward places. */
const cases: { name: string; objects: [string, Buffer][]; segments: SegmentInput[] }[] = [
  {
    name: "a killed writer's .part, a gap, then the next recorder's segment",
    objects: [
      [`${id}.wav.part`, noiseWav(2, 8000, 21.3, 1, true)],
      [segmentFileName(id, 2), noiseWav(2, 8000, 17.7, 2)],
    ],
    segments: [segment('a', 0, 1), segment('b', 24_100, 2)],
  },
  {
    name: 'segments of 8, 16 and 48 kHz resampled to the widest rate',
    objects: [
      [`${id}.wav`, noiseWav(2, 16000, 9.1, 3)],
      [segmentFileName(id, 2), noiseWav(2, 8000, 11.3, 4)],
      [segmentFileName(id, 3), noiseWav(2, 48000, 2.9, 5)],
    ],
    segments: [segment('a', 0, 1), segment('b', 10_003, 2), segment('c', 23_517, 3)],
  },
  {
    name: 'a mono segment, then a two-channel one that overlaps it (the later one wins)',
    objects: [
      [`${id}.wav`, noiseWav(1, 8000, 30, 6)],
      [segmentFileName(id, 2), noiseWav(2, 8000, 12, 7)],
    ],
    segments: [segment('a', 0, 1), segment('b', 25_000, 2)],
  },
  {
    name: 'a segment whose header never reached the disk and a missing one between real ones',
    objects: [
      [`${id}.wav`, noiseWav(2, 8000, 10, 8)],
      [`${segmentFileName(id, 2)}.part`, Buffer.from('RIFF')],
      [segmentFileName(id, 4), noiseWav(2, 8000, 9, 9)],
    ],
    segments: [segment('a', 0, 1), segment('b', 11_000, 2), segment('c', 15_000, 3), segment('d', 19_000, 4)],
  },
];

describe('recording/assembly assembleRecording, streamed', () => {
  for (const c of cases) {
    it(`writes the same bytes as the whole-file assembler: ${c.name}`, async () => {
      const expected = await referenceAssembly(new MemorySegmentStorage(c.objects), t0, c.segments);
      const storage = new MemorySegmentStorage(c.objects);
      const result = await assembleRecording(storage, id, t0, c.segments);
      const written = storage.objects.get(`${id}.wav`);
      expect(expected, 'reference output').to.not.equal(undefined);
      expect(written?.length).to.equal(expected!.length);
      expect(written!.equals(expected!), 'byte-identical').to.equal(true);
      expect(result!.frames).to.equal((expected!.length - WAV_HEADER_BYTES) / (result!.channels * 2));
      expect(storage.wholeReads, 'objects read whole').to.equal(0);
      // Consumed segments are gone; only the assembled recording stays.
      expect([...storage.objects.keys()]).to.deep.equal([`${id}.wav`]);
    });
  }

  it('assembles an hour-long recording holding at most 1 MiB at a time', async function () {
    this.timeout(60_000);
    const rate = 8000;
    // 40 min on recorder a (killed: a .part), 20 min on recorder b, each sample telling the second it belongs to.
    const wav = (fromSecond: number, seconds: number, stale: boolean): Buffer => {
      const data = Buffer.alloc(seconds * rate * 2);
      for (let s = 0; s < seconds; s++) data.fill(Buffer.from([(fromSecond + s) & 0xff, 0]), s * rate * 2);
      return Buffer.concat([buildWavHeader(1, rate, stale ? 0 : data.length), data]);
    };
    const storage = new MemorySegmentStorage([
      [`${id}.wav.part`, wav(0, 2400, true)],
      [segmentFileName(id, 2), wav(2400, 1200, false)],
    ]);
    const result = await assembleRecording(storage, id, t0, [segment('a', 0, 1), segment('b', 2_400_000, 2)]);

    expect(result!.durationMs).to.equal(3_600_000);
    expect(result!.gaps).to.deep.equal([]);
    expect(storage.largestBuffer, 'largest buffer held').to.be.at.most(1024 * 1024);
    const out = storage.objects.get(`${id}.wav`)!;
    expect(out.length).to.equal(WAV_HEADER_BYTES + 3600 * rate * 2);
    for (const second of [0, 1, 2399, 2400, 3000, 3599])
      expect(out.readInt16LE(WAV_HEADER_BYTES + (second * rate + 4000) * 2), `second ${second}`).to.equal(
        second & 0xff,
      );
  });
});
