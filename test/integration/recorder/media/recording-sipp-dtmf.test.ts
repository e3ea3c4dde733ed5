/**
 * sipp as the SRC sending real media itself: `rtp_stream` plays an A-law WAV to the first stream during the
 * scenario and `play_pcap_audio` replays sip-tester's RFC 2833 captures (digits 1 and #). The first channel must
 * be the WAV's audio, the second (no media sent) silence, and the sidecar's `dtmf[]` must name both digits with
 * their durations (280 ms in the captures) on stream 1.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { runSipp } from '../../../support/sipp.js';
import { SOURCE_SIGNALS, referenceAudio } from '../../../support/media-engine/media-senders.js';
import {
  compareChannel,
  readRecording,
  rms,
  waitForSidecar,
} from '../../../support/media-engine/recording-check.js';

const SECONDS = 2;

/** A WAV with the minimal 44-byte header and A-law data (format tag 6), as sipp's rtp_stream wants it. */
function alawWav(alaw: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + alaw.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(6, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(alaw.length, 40);
  return Buffer.concat([header, alaw]);
}

describe('sipp as the SRC: rtp_stream audio and RFC 2833 DTMF from pcap', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-sipp-'));
    recorder = await startRecorder();
  });

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the WAV sipp streams and the digits it sends as DTMF events', async () => {
    const signal = SOURCE_SIGNALS[0];
    execFileSync('ffmpeg', [
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=${signal}:s=8000:d=${SECONDS}`,
      '-f',
      'alaw',
      join(dir, 'source.alaw'),
    ]);
    const wavPath = join(dir, 'source-alaw.wav');
    writeFileSync(wavPath, alawWav(readFileSync(join(dir, 'source.alaw'))));
    const scenario = join(dir, 'scenario.xml');
    writeFileSync(
      scenario,
      readFileSync(
        join(REPO_ROOT, 'test/fixtures/media-engine/siprec-rtp-stream-dtmf.xml'),
        'utf8',
      ).replaceAll('__WAV__', wavPath),
    );
    const result = await runSipp({ scenario, target: `127.0.0.1:${recorder.sipPort}`, timeoutSeconds: 60 });
    expect(result.exitCode, result.errors || result.stdout).to.equal(0);
    const callId = /Call-ID: (\S+)/.exec(result.messages)?.[1];
    expect(callId).to.be.a('string');
    const sidecar = await waitForSidecar(recorder.recordingDir, callId!);

    expect(sidecar.dtmf.map((d) => [d.digit, d.stream])).to.deep.equal([
      ['1', '1'],
      ['#', '1'],
    ]);
    for (const d of sidecar.dtmf) {
      expect(d.durationMs).to.equal(280);
      expect(d.offsetMs).to.be.within(3000, 6000);
    }
    const wav = readRecording(recorder.recordingDir, sidecar);
    expect(wav.sampleRate).to.equal(8000);
    expect(wav.channels).to.have.length(2);
    const reference = referenceAudio(signal, 8000, SECONDS, join(dir, 'ref.raw'));
    const cmp = compareChannel(reference, wav, 0);
    // PEERS.md: sipp paces rtp_stream itself; A-law of the same source.
    expect(cmp.correlation, JSON.stringify(cmp)).to.be.at.least(0.999);
    expect(rms(wav.channels[1]!)).to.equal(0);
    const first = sidecar.streams[0]!;
    expect(first.packetsReceived).to.be.at.least(SECONDS * 50 + 20);
  });
});
