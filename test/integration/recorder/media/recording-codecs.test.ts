/**
 * What a user gets for a two-stream SIPREC call whose media ffmpeg sends in real time: one WAV, one channel per
 * stream in offer order, each channel the audio that stream carried (cross-correlation with the source:
 * G.711 ≥ 0.999, G.722 ≥ 0.99, Opus ≥ 0.9), at the widest codec's rate, as long as the call, channels aligned,
 * and a sidecar with the streams' statistics.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { killPeers } from '../../../support/media-rtp/udp-capture.js';
import { SiprecSrc, type OfferCodec } from '../../../support/media-engine/siprec-src.js';
import {
  SOURCE_SIGNALS,
  codecRate,
  referenceAudio,
  sendWithFfmpeg,
} from '../../../support/media-engine/media-senders.js';
import {
  callLengthMs,
  compareChannel,
  readRecording,
  waitForSidecar,
} from '../../../support/media-engine/recording-check.js';

const SECONDS = 3;
const THRESHOLD: Record<string, number> = { PCMU: 0.999, PCMA: 0.999, G722: 0.99, OPUS: 0.9 };

describe('recording ffmpeg RTP into one WAV per call (PCMU, PCMA, G.722, Opus)', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-codecs-'));
    recorder = await startRecorder();
  });

  afterEach(() => killPeers());

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const codec of ['PCMU', 'PCMA', 'G722', 'OPUS'] as const satisfies readonly OfferCodec[]) {
    it(`${codec}: each channel is its stream's audio, the file lasts as long as the call`, async () => {
      const { rate } = codecRate(codec);
      const src = await SiprecSrc.open(recorder.sipPort);
      try {
        const invitedAt = Date.now();
        const { response, answer } = await src.invite([
          { codec, label: 'caller' },
          { codec, label: 'callee' },
        ]);
        expect(response.status).to.equal(200);
        expect(answer.map((a) => a.direction)).to.deep.equal(['recvonly', 'recvonly']);
        await sendWithFfmpeg(
          answer.map((a, i) => ({ codec, signal: SOURCE_SIGNALS[i]!, port: a.port, ssrc: 0x1000 + i })),
          SECONDS,
        );
        await new Promise((r) => setTimeout(r, 300));
        expect((await src.bye()).status).to.equal(200);
        const byeAt = Date.now();

        const sidecar = await waitForSidecar(recorder.recordingDir, src.callId);
        expect(sidecar.state).to.equal('final');
        expect(sidecar.recording).to.include({ channels: 2, sampleRate: rate });
        // The file is the call: exactly startedAt → endedAt, and about what the SRC saw (INVITE and BYE handling
        // on a cold recorder on a busy host make up the difference).
        expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
        expect(Math.abs(sidecar.recording!.durationMs - (byeAt - invitedAt))).to.be.below(750);

        const wav = readRecording(recorder.recordingDir, sidecar);
        expect(wav.sampleRate).to.equal(rate);
        const lags: number[] = [];
        for (const channel of [0, 1]) {
          const reference = referenceAudio(
            SOURCE_SIGNALS[channel]!,
            rate,
            SECONDS,
            join(dir, `${codec}-${channel}.raw`),
          );
          const cmp = compareChannel(reference, wav, channel);
          expect(cmp.correlation, `${codec} channel ${channel}: ${JSON.stringify(cmp)}`).to.be.at.least(
            THRESHOLD[codec]!,
          );
          // The other source must not be in this channel.
          const other = referenceAudio(
            SOURCE_SIGNALS[1 - channel]!,
            rate,
            SECONDS,
            join(dir, `${codec}-x.raw`),
          );
          expect(compareChannel(other, wav, channel).correlation).to.be.below(0.5);
          lags.push(cmp.lagMs);
        }
        // One sender process, so the two channels must line up (within half a packet on a busy 2-core host).
        expect(Math.abs(lags[0]! - lags[1]!), `lags ${lags.join(', ')} ms`).to.be.at.most(10);

        const expectedPackets = SECONDS * 50;
        for (const [i, s] of sidecar.streams.entries()) {
          expect(s.codec).to.equal(codec);
          expect(s.channel).to.equal(i);
          expect(s.packetsReceived).to.be.within(expectedPackets - 2, expectedPackets + 2);
          expect(s.packetsLost).to.equal(0);
          expect(s.latchedSource).to.match(/^127\.0\.0\.1:\d+$/);
          expect(s.firstPacketAt).to.be.a('string');
        }
      } finally {
        src.close();
      }
    });
  }
});
