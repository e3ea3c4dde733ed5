/**
 * WavWriter, repairWav and RawFrameWriter on real files, read back with sox's `soxi` and byte for byte;
 * the crash test kills a real writer process mid-call.
 */
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawFrameWriter, readRawFrames } from '../../../recorder/src/recording/wav/raw-frame-writer.js';
import { repairWav } from '../../../recorder/src/recording/wav/repair-wav.js';
import { WavError } from '../../../recorder/src/recording/wav/wav-error.js';
import { WavWriter } from '../../../recorder/src/recording/wav/wav-writer.js';
import { readWavFile } from '../../support/audio-compare.js';

const soxi = (flag: string, path: string): string =>
  execFileSync('soxi', [flag, path], { encoding: 'utf8' }).trim();

/** Deterministic test content: channel c of frame f. */
const sample = (f: number, c: number): number => (((f * 7 + c * 1000) % 60000) - 30000) | 0;

function frames(from: number, count: number, channels: number): Int16Array {
  const out = new Int16Array(count * channels);
  for (let f = 0; f < count; f++)
    for (let c = 0; c < channels; c++) out[f * channels + c] = sample(from + f, c);
  return out;
}

describe('WavWriter on disk (checked with soxi)', function () {
  this.timeout(30000);
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wav-'))));
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a 2-channel 8 kHz recording incrementally and renames it: soxi sees 2 ch, 8000 Hz, 3.5 s, content exact', async () => {
    const path = join(dir, 'rec.wav');
    const w = await WavWriter.create({ path, channels: 2, sampleRate: 8000, blockMs: 250 });
    for (let f = 0; f < 28000; f += 160) w.write(frames(f, 160, 2), 160);
    expect(existsSync(`${path}.part`)).to.equal(true);
    const result = await w.finalize();
    expect(result).to.deep.include({ path, frames: 28000, dataBytes: 112000, durationMs: 3500 });
    expect(existsSync(`${path}.part`)).to.equal(false);
    expect(soxi('-c', path)).to.equal('2');
    expect(soxi('-r', path)).to.equal('8000');
    expect(soxi('-D', path)).to.equal('3.500000');
    expect(soxi('-s', path)).to.equal('28000');
    const back = readWavFile(path);
    for (const f of [0, 1, 159, 160, 12345, 27999]) {
      expect(back.channels[0]![f]).to.equal(sample(f, 0));
      expect(back.channels[1]![f]).to.equal(sample(f, 1));
    }
  });

  it('writes mono when one stream is recorded, and patches the header every few seconds (fake clock)', async () => {
    let now = 0;
    const path = join(dir, 'mono.wav');
    const w = await WavWriter.create({
      path,
      channels: 1,
      sampleRate: 16000,
      blockMs: 100,
      headerIntervalMs: 2000,
      now: () => now,
    });
    for (let i = 0; i < 150; i++) {
      w.write(frames(i * 320, 320, 1), 320);
      now += 20;
    }
    // Let the queued writes run without flushing: the patch that fell due at 2 s of (fake) time is on disk,
    // so a crash now would leave a header claiming at least 2 s.
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(`${path}.part`).readUInt32LE(40)).to.be.within(2 * 32000 - 3200, 3 * 32000);
    await w.flush();
    expect(soxi('-s', `${path}.part`)).to.equal('48000');
    await w.finalize();
    expect(soxi('-c', path)).to.equal('1');
    expect(soxi('-D', path)).to.equal('3.000000');
    expect(readWavFile(path).channels[0]![47999]).to.equal(sample(47999, 0));
  });

  it('reports a disk error through onError and finalize(), never as an unhandled rejection', async () => {
    const path = join(dir, 'full.wav');
    symlinkSync('/dev/full', `${path}.part`);
    const errors: WavError[] = [];
    const w = await WavWriter.create({
      path,
      channels: 1,
      sampleRate: 8000,
      blockMs: 100,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 20; i++) w.write(frames(0, 160, 1), 160);
    const failure = await w.finalize().catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(WavError).with.property('code', 'WAV_WRITE_FAILED');
    expect(errors).to.have.length(1);
    expect(errors[0]!.code).to.equal('WAV_WRITE_FAILED');
    w.write(frames(0, 160, 1), 160);
    // A missing directory is made (a failover segment's may not exist yet); a path through a file cannot be.
    writeFileSync(join(dir, 'a-file'), '');
    expect(
      await WavWriter.create({ path: join(dir, 'a-file/x.wav'), channels: 1, sampleRate: 8000 }).catch(
        (e: unknown) => e,
      ),
    )
      .to.be.instanceOf(WavError)
      .with.property('code', 'WAV_WRITE_FAILED');
  });

  it('repairs the file of a writer process killed mid-call into a valid WAV with every whole frame', async () => {
    const modulePath = fileURLToPath(
      new URL('../../../recorder/src/recording/wav/wav-writer.js', import.meta.url),
    );
    const script = join(dir, 'writer.mjs');
    const path = join(dir, 'killed.wav');
    writeFileSync(
      script,
      `import { WavWriter } from ${JSON.stringify(modulePath)};
const w = await WavWriter.create({ path: ${JSON.stringify(path)}, channels: 2, sampleRate: 8000, blockMs: 100, headerIntervalMs: 300 });
let f = 0;
const sample = ${sample.toString()};
setInterval(() => {
  const buf = new Int16Array(160 * 2);
  for (let i = 0; i < 160; i++) for (let c = 0; c < 2; c++) buf[i * 2 + c] = sample(f + i, c);
  w.write(buf, 160);
  f += 160;
  if (f === 160 * 40) process.stdout.write('ready\\n');
}, 5);
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const part = `${path}.part`;
    // Tear the last frame as a crash mid-write would.
    appendFileSync(part, Buffer.from([1, 2, 3]));
    const size = statSync(part).size;
    const staleHeader = readFileSync(part).readUInt32LE(40);
    const result = await repairWav(part);
    const expectedBytes = Math.floor((size - 44) / 4) * 4;
    expect(result).to.deep.include({
      path,
      channels: 2,
      sampleRate: 8000,
      dataBytes: expectedBytes,
      frames: expectedBytes / 4,
    });
    expect(result.tornBytes).to.equal(3);
    expect(result.declaredDataBytes).to.equal(staleHeader);
    expect(staleHeader).to.be.below(expectedBytes);
    expect(existsSync(part)).to.equal(false);
    expect(Number(soxi('-s', path))).to.equal(result.frames);
    expect(soxi('-c', path)).to.equal('2');
    const back = readWavFile(path);
    for (let f = 0; f < back.frames; f += 97) expect(back.channels[1]![f]).to.equal(sample(f, 1));
    expect(back.channels[0]![back.frames - 1]).to.equal(sample(back.frames - 1, 0));
  });

  it('repairs a file whose header never got written, given the format, and refuses non-.part paths', async () => {
    const part = join(dir, 'torn.wav.part');
    writeFileSync(part, Buffer.alloc(10));
    expect(await repairWav(part).catch((e: unknown) => e))
      .to.be.instanceOf(WavError)
      .with.property('code', 'WAV_BAD_HEADER');
    writeFileSync(part, Buffer.concat([Buffer.alloc(44), Buffer.from(frames(0, 800, 1).buffer)]));
    truncateSync(part, 44 + 1599);
    const r = await repairWav(part, { channels: 1, sampleRate: 8000 });
    expect(r).to.deep.include({ headerRebuilt: true, frames: 799, tornBytes: 1 });
    expect(soxi('-s', join(dir, 'torn.wav'))).to.equal('799');
    expect(await repairWav(join(dir, 'torn.wav')).catch((e: unknown) => e))
      .to.be.instanceOf(WavError)
      .with.property('code', 'WAV_NOT_A_PART_FILE');
  });
});

describe('RawFrameWriter (G.729 stored losslessly)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'raw-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores 500 G.729 payloads with timestamps and sequence numbers, byte for byte, and survives a torn tail', async () => {
    const path = join(dir, 'rec.ch0.g729.raw');
    const w = await RawFrameWriter.create({
      path,
      encodingName: 'G729',
      payloadType: 18,
      clockRate: 8000,
      blockBytes: 1024,
    });
    const payloads = Array.from({ length: 500 }, (_, i) =>
      Buffer.from(Array.from({ length: i % 50 === 0 ? 2 : 20 }, (_, j) => (i * 31 + j) & 0xff)),
    );
    payloads.forEach((p, i) =>
      expect(w.write((4294960000 + i * 160) >>> 0, (65500 + i) & 0xffff, p)).to.equal(true),
    );
    const done = await w.finalize();
    expect(done.frames).to.equal(500);
    const file = readRawFrames(readFileSync(path));
    expect(file).to.deep.include({
      encodingName: 'G729',
      payloadType: 18,
      clockRate: 8000,
      trailingBytes: 0,
    });
    expect(file.frames).to.have.length(500);
    file.frames.forEach((f, i) => {
      expect(f.timestamp).to.equal((4294960000 + i * 160) >>> 0);
      expect(f.sequence).to.equal((65500 + i) & 0xffff);
      expect(f.payload.equals(payloads[i]!)).to.equal(true);
    });
    truncateSync(path, statSync(path).size - 5);
    const torn = readRawFrames(readFileSync(path));
    expect(torn.frames).to.have.length(499);
    expect(torn.trailingBytes).to.equal(8 + 20 - 5);
  });
});
