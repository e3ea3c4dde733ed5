/**
 * Our G.722 and G.711 decoders against ffmpeg on freshly generated audio (sox tones + noise + sweep):
 * ffmpeg encodes, ffmpeg decodes (the reference), we decode the same bytes, and every sample must match.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { G711Decoder } from '../../../recorder/src/media/codecs/g711.js';
import { G722Decoder, type G722Mode } from '../../../recorder/src/media/codecs/g722.js';
import { compareAudio, readS16le } from '../../support/audio-compare.js';

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe('G.722 decoder bit-exact against ffmpeg adpcm_g722 (sox-generated 10 s signal)', function () {
  this.timeout(60000);
  let dir: string;
  let source: Int16Array;
  let g722: Buffer;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'g722-'));
    // 4 s of two tones, 3 s of a sweep across the whole band, 3 s of pink noise with a tremolo.
    run('sox', [
      '-n',
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      join(dir, 'src.wav'),
      'synth',
      '4',
      'sine',
      '440',
      'sine',
      '3100',
      ':',
      'synth',
      '3',
      'sine',
      '50-7900',
      ':',
      'synth',
      '3',
      'pinknoise',
      'tremolo',
      '4',
      '60',
      'vol',
      '0.4',
    ]);
    run('sox', [join(dir, 'src.wav'), '-t', 'raw', '-e', 'signed', '-b', '16', join(dir, 'src.s16le')]);
    run('ffmpeg', [
      '-y',
      '-loglevel',
      'error',
      '-i',
      join(dir, 'src.wav'),
      '-c:a',
      'g722',
      '-f',
      'g722',
      join(dir, 'x.g722'),
    ]);
    source = readS16le(join(dir, 'src.s16le'));
    g722 = readFileSync(join(dir, 'x.g722'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const modes: [G722Mode, number][] = [
    [64000, 8],
    [56000, 7],
    [48000, 6],
  ];
  for (const [mode, bits] of modes) {
    it(`matches ffmpeg on all 160000 samples at ${mode / 1000} kbit/s`, () => {
      const refPath = join(dir, `ref-${bits}.s16le`);
      run('ffmpeg', [
        '-y',
        '-loglevel',
        'error',
        '-bits_per_codeword',
        String(bits),
        '-f',
        'g722',
        '-i',
        join(dir, 'x.g722'),
        '-f',
        's16le',
        refPath,
      ]);
      const ref = readS16le(refPath);
      const dec = new G722Decoder(mode);
      const out = new Int16Array(320);
      const ours = new Int16Array(g722.length * 2);
      let n = 0;
      for (let off = 0; off < g722.length; off += 160) {
        const got = dec.decode(g722.subarray(off, off + 160), out);
        ours.set(out.subarray(0, got), n);
        n += got;
      }
      expect(n).to.equal(160000);
      expect(ref.length).to.equal(160000);
      let mismatches = 0;
      for (let i = 0; i < n; i++) if (ours[i] !== ref[i]) mismatches++;
      expect(mismatches).to.equal(0);
      if (mode === 64000) {
        // And the decoded audio is the source, as the integration tests will measure it.
        expect(compareAudio(source, ours, 16000, { maxLagMs: 20 }).correlation).to.be.at.least(0.99);
      }
    });
  }

  it('decodes ffmpeg-encoded PCMU and PCMA of the same 160000 samples exactly as ffmpeg does', () => {
    for (const [codec, fmt, law] of [
      ['pcm_mulaw', 'mulaw', 'PCMU'],
      ['pcm_alaw', 'alaw', 'PCMA'],
    ] as const) {
      const enc = join(dir, `x.${fmt}`);
      const ref = join(dir, `ref.${fmt}.s16le`);
      run('ffmpeg', ['-y', '-loglevel', 'error', '-i', join(dir, 'src.wav'), '-c:a', codec, '-f', fmt, enc]);
      run('ffmpeg', [
        '-y',
        '-loglevel',
        'error',
        '-f',
        fmt,
        '-ar',
        '16000',
        '-ac',
        '1',
        '-i',
        enc,
        '-f',
        's16le',
        ref,
      ]);
      const bytes = readFileSync(enc);
      const ours = new Int16Array(bytes.length);
      new G711Decoder(law).decode(bytes, ours);
      expect(Array.from(ours)).to.deep.equal(Array.from(readS16le(ref)));
      expect(compareAudio(source, ours, 16000, { maxLagMs: 5 }).correlation, law).to.be.at.least(0.999);
    }
  });
});
