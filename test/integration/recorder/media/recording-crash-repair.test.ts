/**
 * A recorder killed with SIGKILL in the middle of a call leaves `<id>.wav.part` and `<id>.json.part`; the next
 * recorder started on the same RECORDING_DIR turns them into a valid WAV holding the audio recorded up to the
 * crash and a final sidecar with `endReason: "recovered"`, before it takes calls.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { killPeers } from '../../../support/media-rtp/udp-capture.js';
import { SiprecSrc } from '../../../support/media-engine/siprec-src.js';
import {
  SOURCE_SIGNALS,
  referenceAudio,
  sendWithFfmpeg,
} from '../../../support/media-engine/media-senders.js';
import { readWavFile, compareAudio } from '../../../support/audio-compare.js';
import type { MediaSidecar } from '../../../support/media-engine/recording-check.js';

describe('a recorder killed mid-call: the next start repairs the recording', function () {
  this.timeout(120_000);
  let dir: string;
  let recordingDir: string;
  const recorders: RecorderProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'media-crash-'));
    recordingDir = mkdtempSync(join(tmpdir(), 'media-crash-rec-'));
  });

  after(async () => {
    killPeers();
    for (const r of recorders) await r.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(recordingDir, { recursive: true, force: true });
  });

  it('SIGKILL during the call → restart → valid WAV with the audio so far, sidecar endReason "recovered"', async () => {
    const first = await startRecorder({ RECORDING_DIR: recordingDir });
    recorders.push(first);
    const src = await SiprecSrc.open(first.sipPort);
    let id: string;
    try {
      const { answer } = await src.invite([
        { codec: 'PCMU', label: 'caller' },
        { codec: 'PCMU', label: 'callee' },
      ]);
      const sending = sendWithFfmpeg(
        answer.map((a, i) => ({ codec: 'PCMU', signal: SOURCE_SIGNALS[i]!, port: a.port, ssrc: 0x7000 + i })),
        6,
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 3500));
      await first.kill();
      killPeers();
      await sending;
      const parts = readdirSync(recordingDir);
      const wavPart = parts.find((f) => f.endsWith('.wav.part'));
      expect(wavPart, parts.join(', ')).to.be.a('string');
      id = wavPart!.slice(0, -'.wav.part'.length);
      expect(parts).to.include(`${id}.json.part`);
    } finally {
      src.close();
    }

    const second = await startRecorder({ RECORDING_DIR: recordingDir });
    recorders.push(second);
    expect(second.logs.some((l) => l.msg === 'repaired a recording left by a stopped recorder')).to.be.true;
    expect(existsSync(join(recordingDir, `${id}.wav.part`))).to.be.false;
    expect(existsSync(join(recordingDir, `${id}.json.part`))).to.be.false;

    const sidecar = JSON.parse(readFileSync(join(recordingDir, `${id}.json`), 'utf8')) as MediaSidecar;
    expect(sidecar).to.include({ state: 'final', endReason: 'recovered', callId: src.callId });
    expect(sidecar.recording).to.include({ file: `${id}.wav`, channels: 2, sampleRate: 8000 });

    const wav = readWavFile(join(recordingDir, `${id}.wav`));
    expect(wav.channels).to.have.length(2);
    expect(wav.frames / 8000, 'seconds kept').to.be.within(1.5, 4.5);
    expect(sidecar.recording!.durationMs).to.equal(Math.round((wav.frames * 1000) / 8000));
    for (const channel of [0, 1]) {
      const reference = referenceAudio(SOURCE_SIGNALS[channel]!, 8000, 6, join(dir, `ref${channel}.raw`));
      // The recording stops mid-source: compare what it holds with the start of the source.
      const cmp = compareAudio(reference, wav.channels[channel]!, 8000, { maxLagMs: 3000 });
      expect(cmp.correlation, JSON.stringify(cmp)).to.be.at.least(0.999);
    }
  });
});
