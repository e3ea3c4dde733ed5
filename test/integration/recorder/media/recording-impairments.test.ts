/**
 * Loss, reordering and duplication between a real sender and the recorder (a seeded impairment relay per stream):
 * the file still lasts exactly as long as the call, lost packets become silence of their length so the audio
 * after them stays in place (correlation with the source stays high), both channels stay aligned, and the
 * sidecar counts what happened.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { ImpairmentRelay } from '../../../support/media-engine/impairment-relay.js';
import {
  callLengthMs,
  compareChannel,
  readRecording,
  waitForSidecar,
} from '../../../support/media-engine/recording-check.js';

const SECONDS = 4;

describe('recording through loss, reordering and duplication (seeded impairment relay)', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;
  const relays: ImpairmentRelay[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-impair-'));
    recorder = await startRecorder();
  });

  afterEach(() => {
    killPeers();
    for (const r of relays.splice(0)) r.close();
  });

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('3 % loss, 5 % reordering, 2 % duplicates on both streams: exact length, audio in place, channels aligned', async () => {
    const src = await SiprecSrc.open(recorder.sipPort);
    try {
      const { response, answer } = await src.invite([
        { codec: 'PCMU', label: 'caller' },
        { codec: 'PCMU', label: 'callee' },
      ]);
      expect(response.status).to.equal(200);
      for (const [i, a] of answer.entries()) {
        relays.push(
          await ImpairmentRelay.start(
            { host: '127.0.0.1', port: a.port },
            { seed: 1234 + i, drop: 0.03, reorder: 0.05, duplicate: 0.02 },
          ),
        );
      }
      await sendWithFfmpeg(
        answer.map((a, i) => ({
          codec: 'PCMU',
          signal: SOURCE_SIGNALS[i]!,
          port: a.port,
          ssrc: 0x4000 + i,
          via: { host: '127.0.0.1', port: relays[i]!.port },
        })),
        SECONDS,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect((await src.bye()).status).to.equal(200);
      const sidecar = await waitForSidecar(recorder.recordingDir, src.callId);

      expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
      const wav = readRecording(recorder.recordingDir, sidecar);
      const lags: number[] = [];
      for (const channel of [0, 1]) {
        const reference = referenceAudio(
          SOURCE_SIGNALS[channel]!,
          8000,
          SECONDS,
          join(dir, `ref${channel}.raw`),
        );
        const cmp = compareChannel(reference, wav, channel);
        // 3 % of 20 ms frames silent: correlation ≈ √0.97; a misplaced frame after a hole would cost far more.
        expect(cmp.correlation, `channel ${channel}: ${JSON.stringify(cmp)}`).to.be.at.least(0.97);
        expect(cmp.correlation).to.be.below(0.9999);
        lags.push(cmp.lagMs);
      }
      expect(Math.abs(lags[0]! - lags[1]!), `lags ${lags.join(', ')}`).to.be.at.most(10);

      for (const [i, s] of sidecar.streams.entries()) {
        const c = relays[i]!.counts;
        expect(c.dropped, 'the pattern dropped something').to.be.greaterThan(0);
        expect(s.packetsLost, JSON.stringify({ relay: c, stream: s })).to.be.within(
          c.dropped - 1,
          c.dropped + 1,
        );
        expect(s.packetsDuplicated).to.equal(c.duplicated);
        expect(s.packetsReceived).to.equal(SECONDS * 50 - c.dropped + c.duplicated);
      }
    } finally {
      src.close();
    }
  });
});
