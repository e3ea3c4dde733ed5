/**
 * A hold in the middle of a call (RFC 3264 §8.4 `a=inactive` re-INVITE, then a resume), with ffmpeg sending before
 * and after: one file for the whole call, as long as the call, silence where the hold was, and the audio on both
 * sides of it intact and in place (correlation with the source per part). Pause/resume through the HTTP API works
 * the same way.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { killPeers } from '../../../support/media-rtp/udp-capture.js';
import { SiprecSrc, type OfferStream } from '../../../support/media-engine/siprec-src.js';
import {
  SOURCE_SIGNALS,
  referenceAudio,
  sendWithFfmpeg,
} from '../../../support/media-engine/media-senders.js';
import {
  callLengthMs,
  readRecording,
  rms,
  waitForSidecar,
} from '../../../support/media-engine/recording-check.js';
import { compareAudio } from '../../../support/audio-compare.js';

const PART_SECONDS = 2;
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('hold and pause in the middle of a recorded call', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;
  let references: Int16Array[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-hold-'));
    recorder = await startRecorder();
    references = SOURCE_SIGNALS.map((s, i) =>
      referenceAudio(s, 8000, PART_SECONDS, join(dir, `ref${i}.raw`)),
    );
  });

  afterEach(() => killPeers());

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends PART_SECONDS of each source to the answered ports. */
  function send(ports: number[], ssrcBase: number): Promise<string> {
    return sendWithFfmpeg(
      ports.map((port, i) => ({ codec: 'PCMA', signal: SOURCE_SIGNALS[i]!, port, ssrc: ssrcBase + i })),
      PART_SECONDS,
    );
  }

  /** Checks the audio before `fromMs` and after `toMs` (call time) is the source, and silence is between. */
  function expectGap(samples: Int16Array, reference: Int16Array, fromMs: number, toMs: number): void {
    const at = (ms: number): number => Math.round(ms * 8);
    const before = compareAudio(reference, samples.subarray(0, at(fromMs)), 8000, { maxLagMs: 3000 });
    const after = compareAudio(reference, samples.subarray(at(toMs)), 8000, { maxLagMs: 3000 });
    expect(before.correlation, `before: ${JSON.stringify(before)}`).to.be.at.least(0.999);
    expect(after.correlation, `after: ${JSON.stringify(after)}`).to.be.at.least(0.999);
    expect(rms(samples, at(fromMs + 150), at(toMs - 150)), 'silence in the gap').to.equal(0);
  }

  it('a=inactive re-INVITE: one file, silence for the hold, audio intact on both sides', async () => {
    const src = await SiprecSrc.open(recorder.sipPort);
    try {
      const streams: OfferStream[] = [
        { codec: 'PCMA', label: 'caller' },
        { codec: 'PCMA', label: 'callee' },
      ];
      const { answer } = await src.invite(streams);
      const ports = answer.map((a) => a.port);
      await send(ports, 0x5000);
      const held = await src.reinvite(streams.map((s) => ({ ...s, direction: 'inactive' as const })));
      expect(held.response.status).to.equal(200);
      expect(held.answer.map((a) => a.direction)).to.deep.equal(['inactive', 'inactive']);
      const holdAt = Date.now();
      await delay(1500);
      const resumed = await src.reinvite(streams);
      expect(
        resumed.answer.map((a) => a.port),
        'the streams keep their ports',
      ).to.deep.equal(ports);
      const resumeAt = Date.now();
      await send(ports, 0x5100);
      await delay(300);
      expect((await src.bye()).status).to.equal(200);

      const sidecar = await waitForSidecar(recorder.recordingDir, src.callId);
      expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
      const wav = readRecording(recorder.recordingDir, sidecar);
      const start = Date.parse(sidecar.startedAt);
      for (const channel of [0, 1]) {
        expectGap(wav.channels[channel]!, references[channel]!, holdAt - start, resumeAt - start);
      }
      for (const s of sidecar.streams) {
        expect(s.ssrcChanges).to.equal(1);
        expect(s.packetsReceived).to.be.within(2 * PART_SECONDS * 50 - 4, 2 * PART_SECONDS * 50 + 4);
      }
    } finally {
      src.close();
    }
  });

  it('pause and resume through the HTTP API: the paused span is silence, the file keeps the call length', async () => {
    const src = await SiprecSrc.open(recorder.sipPort);
    try {
      const { answer } = await src.invite([
        { codec: 'PCMA', label: 'caller' },
        { codec: 'PCMA', label: 'callee' },
      ]);
      const ports = answer.map((a) => a.port);
      const list = (await recorder.http('/api/sessions')).body as {
        sessions: { recordingId: string; callId: string }[];
      };
      const id = list.sessions.find((s) => s.callId === src.callId)!.recordingId;
      await send(ports, 0x6000);
      expect((await recorder.http(`/api/sessions/${id}/pause`, 'POST')).status).to.equal(200);
      const pausedAt = Date.now();
      // Audio keeps coming while paused: it must not be written.
      const during = send(ports, 0x6100);
      await delay(1200);
      expect((await recorder.http(`/api/sessions/${id}/resume`, 'POST')).status).to.equal(200);
      const resumedAt = Date.now();
      await during;
      await send(ports, 0x6200);
      await delay(300);
      expect((await src.bye()).status).to.equal(200);

      const sidecar = await waitForSidecar(recorder.recordingDir, src.callId);
      expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
      const wav = readRecording(recorder.recordingDir, sidecar);
      const start = Date.parse(sidecar.startedAt);
      const at = (ms: number): number => Math.round((ms - start) * 8);
      for (const channel of [0, 1]) {
        const samples = wav.channels[channel]!;
        expect(rms(samples, at(pausedAt + 100), at(resumedAt - 100)), 'paused span').to.equal(0);
        const first = compareAudio(references[channel]!, samples.subarray(0, at(pausedAt)), 8000, {
          maxLagMs: 3000,
        });
        expect(first.correlation).to.be.at.least(0.999);
        expect(rms(samples, at(resumedAt + 100)), 'audio after the resume').to.be.greaterThan(1000);
      }
    } finally {
      src.close();
    }
  });
});
