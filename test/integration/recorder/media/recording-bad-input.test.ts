/**
 * Hostile and broken media at the recorder's RTP ports during a call: truncated, oversized, wrong-version and
 * self-contradicting RTP headers, forged SRTP tags, and a flood from another source while the real one sends.
 * Every such packet is dropped and counted (sidecar and metrics), nothing crashes, memory stays bounded, and the
 * real audio is still recorded correctly.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import {
  compareChannel,
  readRecording,
  waitForSidecar,
} from '../../../support/media-engine/recording-check.js';
import { buildRtpPacket } from '../../../../recorder/src/media/rtp/rtp-header.js';

const SECONDS = 4;
const FLOOD_PACKETS = 10_000;

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Sends `count` packets made by `make` at about `perSecond`, in small bursts. */
async function blast(
  socket: Socket,
  port: number,
  count: number,
  perSecond: number,
  make: (i: number) => Buffer,
) {
  const burst = 50;
  for (let sent = 0; sent < count; sent += burst) {
    for (let i = sent; i < Math.min(count, sent + burst); i++) socket.send(make(i), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, (burst * 1000) / perSecond));
  }
}

describe('bad input at the RTP ports: dropped and counted, nothing crashes', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;
  let junk: Socket;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-bad-'));
    recorder = await startRecorder();
    junk = createSocket('udp4');
    await new Promise<void>((r) => junk.bind(0, '127.0.0.1', r));
  });

  after(async () => {
    killPeers();
    junk.close();
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('malformed RTP, forged SRTP and a flood during a call: audio intact, drops counted, memory bounded', async () => {
    const src = await SiprecSrc.open(recorder.sipPort);
    try {
      const key = randomBytes(30);
      const { answer } = await src.invite([
        { codec: 'PCMU', label: 'plain' },
        { codec: 'PCMU', label: 'secure', srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key } },
      ]);
      const [plain, secure] = answer.map((a) => a.port) as [number, number];

      // Before the real source: packets no receiver may accept (none of them latches the stream).
      const header = { payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0xbad };
      const valid = buildRtpPacket(header, Buffer.alloc(160, 0xff));
      const malformed = [
        valid.subarray(0, 5), // truncated below a header
        Buffer.concat([Buffer.from([0x40]), valid.subarray(1)]), // version 1
        Buffer.concat([Buffer.from([0x8f]), valid.subarray(1, 20)]), // 15 CSRCs announced, 8 bytes present
        Buffer.concat([Buffer.from([0xa0]), valid.subarray(1, valid.length - 1), Buffer.from([250])]), // padding > payload
        buildRtpPacket(header, randomBytes(5000)), // oversized
      ];
      for (const p of malformed) junk.send(p, plain, '127.0.0.1');
      for (let i = 0; i < 20; i++) {
        // Right shape, random 10-byte tag: an SRTP forgery.
        junk.send(Buffer.concat([valid, randomBytes(10)]), secure, '127.0.0.1');
      }
      junk.send(valid.subarray(0, 14), secure, '127.0.0.1'); // shorter than header + tag
      await new Promise((r) => setTimeout(r, 300));
      const rssBefore = rssKiB(recorder.child.pid!);

      const sending = sendWithFfmpeg(
        [
          { codec: 'PCMU', signal: SOURCE_SIGNALS[0], port: plain, ssrc: 0x8000 },
          {
            codec: 'PCMU',
            signal: SOURCE_SIGNALS[1],
            port: secure,
            ssrc: 0x8001,
            srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key },
          },
        ],
        SECONDS,
      );
      await new Promise((r) => setTimeout(r, 500));
      // A flood from another source while the real one sends: valid-looking RTP and garbage, 5000 packets/s.
      await Promise.all([
        blast(junk, plain, FLOOD_PACKETS, 5000, (i) =>
          i % 2 === 0
            ? buildRtpPacket({ ...header, sequenceNumber: i & 0xffff }, randomBytes(160))
            : randomBytes(200),
        ),
        blast(junk, secure, FLOOD_PACKETS / 2, 2500, () => randomBytes(182)),
      ]);
      const rssAfter = rssKiB(recorder.child.pid!);
      await sending;
      await new Promise((r) => setTimeout(r, 300));
      expect((await src.bye()).status).to.equal(200);

      expect((await recorder.http('/healthz')).status, 'still serving').to.equal(200);
      expect(recorder.child.exitCode).to.equal(null);
      expect(rssAfter - rssBefore, `RSS grew from ${rssBefore} to ${rssAfter} KiB`).to.be.below(40 * 1024);

      const sidecar = await waitForSidecar(recorder.recordingDir, src.callId);
      const [p, s] = sidecar.streams as [(typeof sidecar.streams)[0], (typeof sidecar.streams)[0]];
      expect(p.malformedPackets, JSON.stringify(p)).to.be.at.least(malformed.length);
      expect(s.srtpAuthFailures, JSON.stringify(s)).to.equal(20);
      expect(s.malformedPackets).to.be.at.least(1);
      // The flood came from a source other than the latched one: dropped before any parsing or decryption.
      expect(p.foreignPackets! + p.malformedPackets!).to.be.at.least(FLOOD_PACKETS * 0.9);
      expect(s.foreignPackets! + s.malformedPackets! + s.srtpAuthFailures!).to.be.at.least(
        FLOOD_PACKETS * 0.45,
      );
      for (const stream of [p, s]) {
        expect(stream.latchedSource).to.not.equal(`127.0.0.1:${junk.address().port}`);
        expect(stream.packetsReceived).to.be.within(SECONDS * 50 - 2, SECONDS * 50 + 2);
      }

      const wav = readRecording(recorder.recordingDir, sidecar);
      for (const channel of [0, 1]) {
        const reference = referenceAudio(
          SOURCE_SIGNALS[channel]!,
          8000,
          SECONDS,
          join(dir, `ref${channel}.raw`),
        );
        const cmp = compareChannel(reference, wav, channel);
        expect(cmp.correlation, JSON.stringify(cmp)).to.be.at.least(0.999);
      }

      const metrics = (await recorder.http('/metrics')).body as string;
      const value = (name: string): number =>
        Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
      expect(value('siprec_srtp_auth_failures_total')).to.be.at.least(20);
      expect(value('siprec_rtp_malformed_total')).to.be.at.least(malformed.length);
      expect(value('siprec_rtp_packets_total')).to.be.at.least(2 * SECONDS * 50 - 4);
    } finally {
      src.close();
    }
  });
});
