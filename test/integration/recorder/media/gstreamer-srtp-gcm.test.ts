/**
 * GStreamer 1.22 `srtpenc` (libsrtp 2) as the real AES-GCM sender (PEERS.md): AEAD_AES_128_GCM and
 * AEAD_AES_256_GCM, PCMU in 20 ms packets. A tee writes the same μ-law to a file, so the decrypted payload must
 * equal it byte for byte. This also pins the GCM KDF detail (12-byte salt left-aligned, label at byte 7).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpHeader, parseRtpHeader } from '../../../../recorder/src/media/rtp/rtp-header.js';
import { SrtpSession } from '../../../../recorder/src/media/srtp/srtp-session.js';
import { SrtpResult } from '../../../../recorder/src/media/srtp/srtp-error.js';
import {
  capturePortPair,
  killPeers,
  runPeer,
  type PortPairCapture,
} from '../../../support/media-rtp/udp-capture.js';

const SSRC = 0x11223344;

describe('GStreamer srtpenc → SRTP AES-GCM receive path (real sender)', function () {
  this.timeout(60_000);
  let dir: string;
  let capture: PortPairCapture | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'srtp-gst-'));
  });

  afterEach(() => {
    capture?.close();
    capture = undefined;
    killPeers();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [suite, cipher, keyLength] of [
    ['AEAD_AES_128_GCM', 'aes-128-gcm', 28],
    ['AEAD_AES_256_GCM', 'aes-256-gcm', 44],
  ] as const) {
    it(`${suite}: every packet authenticates, the audio is exact, tampering fails`, async () => {
      const keySalt = randomBytes(keyLength);
      const reference = join(dir, `${cipher}.ulaw`);
      capture = await capturePortPair();
      const pipeline =
        `audiotestsrc num-buffers=100 samplesperbuffer=160 wave=sine freq=523 volume=0.6 ` +
        `! audio/x-raw,rate=8000,channels=1 ! mulawenc ! tee name=t ` +
        `t. ! queue ! filesink location=${reference} ` +
        `t. ! queue ! rtppcmupay min-ptime=20000000 max-ptime=20000000 ssrc=${SSRC} ` +
        `! srtpenc key=${keySalt.toString('hex')} rtp-cipher=${cipher} rtp-auth=null rtcp-cipher=${cipher} rtcp-auth=null ` +
        `! udpsink host=127.0.0.1 port=${capture.port}`;
      await runPeer('gst-launch-1.0', ['-q', ...pipeline.split(' ')]);
      const cap = capture;
      expect(cap.rtp).to.have.length(100);
      expect(cap.rtp[0]!.length, '12 + 160 + 16-byte tag').to.equal(188);

      const session = new SrtpSession({ suite, keySalt });
      const tampered = Buffer.from(cap.rtp[0]!);
      tampered[tampered.length - 1]! ^= 0x01;
      expect(session.unprotectRtp(tampered)).to.equal(SrtpResult.AUTH_FAILED);

      const h = new RtpHeader();
      const audio: Buffer[] = [];
      for (const p of cap.rtp) {
        const n = session.unprotectRtp(p);
        expect(n).to.equal(172);
        expect(parseRtpHeader(p, h, n)).to.be.true;
        expect(h.ssrc).to.equal(SSRC);
        audio.push(p.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
      }
      expect(session.stats).to.deep.include({ decrypted: 100, authFailures: 1 });
      expect(Buffer.concat(audio).equals(readFileSync(reference))).to.be.true;
    });
  }
});
