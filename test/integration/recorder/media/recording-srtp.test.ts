/**
 * SRTP calls recorded from real senders: ffmpeg with AES_CM_128_HMAC_SHA1_80 and _32, GStreamer `srtpenc` with
 * AEAD_AES_128_GCM, each using the key the SRC put in its offer (the recorder answers with its own key, never
 * the SRC's). The recording must be the audio, exactly as with plain RTP; forged packets (wrong tags) sent before
 * the real source are counted as authentication failures and never written.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
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
  sendWithGstreamer,
  sourceWav,
} from '../../../support/media-engine/media-senders.js';
import {
  callLengthMs,
  compareChannel,
  readRecording,
  waitForSidecar,
  type MediaSidecar,
} from '../../../support/media-engine/recording-check.js';
import { buildRtpPacket } from '../../../../recorder/src/media/rtp/rtp-header.js';

const SECONDS = 3;

describe('recording SRTP from real senders (ffmpeg AES-CM _80/_32, GStreamer AES-GCM)', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;
  let references: Int16Array[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-srtp-'));
    recorder = await startRecorder();
    references = SOURCE_SIGNALS.map((s, i) => referenceAudio(s, 8000, SECONDS, join(dir, `ref${i}.raw`)));
  });

  afterEach(() => killPeers());

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Offers two SRTP streams with fresh keys; checks the answer carries the recorder's own keys. */
  async function offer(
    src: SiprecSrc,
    suite: string,
    keyLength: number,
  ): Promise<{ ports: number[]; keys: Buffer[] }> {
    const keys = [randomBytes(keyLength), randomBytes(keyLength)];
    const streams: OfferStream[] = keys.map((keySalt, i) => ({
      codec: 'PCMA',
      label: String(i + 1),
      srtp: { suite, keySalt },
    }));
    const { response, answer } = await src.invite(streams);
    expect(response.status, response.raw).to.equal(200);
    answer.forEach((a, i) => {
      expect(a.crypto?.suite).to.equal(suite);
      expect(a.crypto?.keySalt.length).to.equal(keyLength);
      expect(a.crypto?.keySalt.equals(keys[i]!), 'the answer must carry our own key').to.be.false;
    });
    return { ports: answer.map((a) => a.port), keys };
  }

  async function finish(src: SiprecSrc): Promise<MediaSidecar> {
    await new Promise((r) => setTimeout(r, 300));
    expect((await src.bye()).status).to.equal(200);
    return waitForSidecar(recorder.recordingDir, src.callId);
  }

  function expectAudio(sidecar: MediaSidecar, suite: string): void {
    expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
    const wav = readRecording(recorder.recordingDir, sidecar);
    for (const channel of [0, 1]) {
      const cmp = compareChannel(references[channel]!, wav, channel);
      expect(cmp.correlation, `${suite} channel ${channel}: ${JSON.stringify(cmp)}`).to.be.at.least(0.999);
    }
    for (const s of sidecar.streams) {
      expect(s.srtp).to.equal(suite);
      expect(s.packetsReceived).to.be.within(SECONDS * 50 - 2, SECONDS * 50 + 2);
      expect(s.packetsLost).to.equal(0);
    }
  }

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`ffmpeg ${suite}: the decrypted audio is recorded, SRTCP sender reports are received`, async () => {
      const src = await SiprecSrc.open(recorder.sipPort);
      try {
        const { ports, keys } = await offer(src, suite, 30);
        await sendWithFfmpeg(
          ports.map((port, i) => ({
            codec: 'PCMA',
            signal: SOURCE_SIGNALS[i]!,
            port,
            ssrc: 0x2000 + i,
            srtp: { suite, keySalt: keys[i]! },
          })),
          SECONDS,
        );
        const sidecar = await finish(src);
        expectAudio(sidecar, suite);
        for (const s of sidecar.streams) {
          expect(s.srtpAuthFailures).to.equal(0);
          expect(s.rtcpReceived, 'ffmpeg sends SRTCP SRs to port + 1').to.be.greaterThan(0);
        }
      } finally {
        src.close();
      }
    });
  }

  it('GStreamer AEAD_AES_128_GCM: recorded like any other; forged packets are counted and never written', async () => {
    const src = await SiprecSrc.open(recorder.sipPort);
    const forger = createSocket('udp4');
    try {
      const { ports, keys } = await offer(src, 'AEAD_AES_128_GCM', 28);
      // Before the real source: 50 packets with the right shape and a random 16-byte tag, loud if ever decoded.
      for (let i = 0; i < 50; i++) {
        const fake = buildRtpPacket(
          { payloadType: 8, sequenceNumber: 100 + i, timestamp: i * 160, ssrc: 0x2010 },
          Buffer.concat([Buffer.alloc(160, 0x2a), randomBytes(16)]),
        );
        forger.send(fake, ports[0], '127.0.0.1');
      }
      await new Promise((r) => setTimeout(r, 200));
      const wavs = SOURCE_SIGNALS.map((s, i) => {
        const path = join(dir, `gcm-${i}.wav`);
        sourceWav(s, 8000, SECONDS, path);
        return path;
      });
      await sendWithGstreamer(
        ports.map((port, i) => ({
          wav: wavs[i]!,
          port,
          ssrc: 0x3000 + i,
          keySalt: keys[i]!,
          cipher: 'aes-128-gcm',
        })),
        SECONDS,
      );
      const sidecar = await finish(src);
      expectAudio(sidecar, 'AEAD_AES_128_GCM');
      expect(sidecar.streams[0]!.srtpAuthFailures).to.equal(50);
      expect(sidecar.streams[1]!.srtpAuthFailures).to.equal(0);
    } finally {
      forger.close();
      src.close();
    }
  });
});
