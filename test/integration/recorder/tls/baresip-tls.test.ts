/**
 * SIP over TLS with SDES-SRTP against the recorder binary, with a real UA as the caller: baresip (PEERS.md) dials
 * the recorder over TLS with `RTP/SAVP` and `a=crypto` (RFC 4568). The recorder is not told it is a plain call: it
 * records plain-SDP INVITEs too; the recording must hold baresip's tone. Certificates are made with openssl at test time; with TLS_CA_FILE the recorder
 * demands a client certificate from that CA (RFC 5630 §3.1.3 mutual TLS) and refuses others at the handshake.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBaresipCall, traceMessages, type BaresipCall } from '../../../support/baresip.js';
import { findSession, metric, waitForFinalSidecar, wavChannel0 } from '../../../support/recorder-observe.js';
import { allocateRtpRange, startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { makeTestPki, type CertFiles, type TestPki } from '../../../support/sip-transport/certs.js';

const SUITE = 'AES_CM_128_HMAC_SHA1_80';

/** The `a=crypto` lines of an SDP, as [tag, suite, key]. */
function cryptoLines(sdp: string): [string, string, string][] {
  return [...sdp.matchAll(/^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)/gm)].map((m) => [
    m[1]!,
    m[2]!,
    m[3]!,
  ]);
}

/** Places one call that lasts `seconds`, and returns baresip's trace once it has hung up. */
async function recordedCall(
  recorder: RecorderProcess,
  caFile: string,
  clientCert?: CertFiles,
): Promise<string> {
  const call = await startBaresipCall({
    tlsPort: recorder.tlsPort!,
    caFile,
    ...(clientCert ? { clientCert } : {}),
    seconds: 2,
    rtpPort: allocateRtpRange(40).min,
  });
  try {
    await call.waitFor(/Call established/, 15_000);
    await call.waitFor(/Call with .* terminated/, 15_000);
  } finally {
    await call.stop();
  }
  return call.output();
}

/** Checks the offer/answer of the trace and the final sidecar; returns nothing, asserts everything. */
async function expectSrtpRecording(recorder: RecorderProcess, trace: string): Promise<void> {
  const messages = traceMessages(trace);
  const invite = messages.find((m) => m.text.startsWith('INVITE '));
  const ok = messages.find((m) => /^SIP\/2\.0 200 /.test(m.text) && /^CSeq: \d+ INVITE$/m.test(m.text));
  expect(invite, trace).to.not.equal(undefined);
  expect(ok, trace).to.not.equal(undefined);
  expect(invite!.text).to.match(/^m=audio \d+ RTP\/SAVP /m);
  expect(ok!.text).to.match(/^m=audio [1-9]\d* RTP\/SAVP /m);
  const offered = cryptoLines(invite!.text);
  const answered = cryptoLines(ok!.text);
  expect(offered.map(([, suite]) => suite)).to.include(SUITE);
  // RFC 4568 §5.1.2: one crypto attribute in the answer, with the offer's tag, and our own key.
  expect(answered).to.have.length(1);
  const [tag, suite, key] = answered[0]!;
  expect(suite).to.equal(SUITE);
  expect(tag).to.equal(offered.find(([, s]) => s === SUITE)![0]);
  expect(offered.map(([, , k]) => k)).to.not.include(key);

  const callId = /^Call-ID: (.+)$/m.exec(invite!.text)![1]!.trim();
  const sidecar = await waitForFinalSidecar(recorder.recordingDir, callId);
  expect(sidecar.endReason).to.equal('bye');
  expect(sidecar.source.transport).to.equal('tls');
  expect(sidecar.streams).to.have.length(1);
  expect(sidecar.streams[0]!.srtp).to.equal(SUITE);
  expect(sidecar.streams[0]!.codec).to.equal('PCMU');
  // Two seconds of 20 ms packets: about 100.
  expect(sidecar.streams[0]!.packetsReceived).to.be.within(60, 130);
  expect(await findSession(recorder, callId)).to.equal(undefined);

  // The audio is baresip's 440 Hz tone, so the SRTP was decrypted with the offered key: about 880 zero
  // crossings per second wherever there is signal.
  expect(sidecar.recording?.durationMs).to.be.within(1500, 3000);
  const { sampleRate, samples } = wavChannel0(
    await readFile(join(recorder.recordingDir, sidecar.recording!.file)),
  );
  const loud = samples.filter((v) => Math.abs(v) > 2000).length;
  expect(loud / sampleRate, 'seconds of tone').to.be.above(1);
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  expect(crossings / (samples.length / sampleRate)).to.be.within(700, 900);
}

describe('SIP over TLS with SDES-SRTP, baresip calling the recorder binary', function () {
  this.timeout(60_000);
  let pki: TestPki;

  before(() => {
    pki = makeTestPki();
  });
  after(() => pki.remove());

  describe('server certificate only', () => {
    let recorder: RecorderProcess;
    before(async () => {
      recorder = await startRecorder({
        SIP_TLS_PORT: '0',
        TLS_CERT_FILE: pki.srs.certFile,
        TLS_KEY_FILE: pki.srs.keyFile,
      });
    });
    after(async () => {
      await recorder.stop();
    });

    it('answers RTP/SAVP with its own a=crypto key and records the call until baresip hangs up', async () => {
      const trace = await recordedCall(recorder, pki.caFile);
      await expectSrtpRecording(recorder, trace);
    });
  });

  describe('with TLS_CA_FILE: client certificates required', () => {
    let recorder: RecorderProcess;
    before(async () => {
      recorder = await startRecorder({
        SIP_TLS_PORT: '0',
        TLS_CERT_FILE: pki.srs.certFile,
        TLS_KEY_FILE: pki.srs.keyFile,
        TLS_CA_FILE: pki.caFile,
      });
    });
    after(async () => {
      await recorder.stop();
    });

    it('refuses a caller without a client certificate at the handshake', async () => {
      const failures = await metric(recorder, 'siprec_transport_handshake_failures', 'protocol="tls"');
      let call: BaresipCall | undefined;
      try {
        call = await startBaresipCall({
          tlsPort: recorder.tlsPort!,
          caFile: pki.caFile,
          seconds: 2,
          rtpPort: allocateRtpRange(40).min,
        });
        const deadline = Date.now() + 15_000;
        while (
          (await metric(recorder, 'siprec_transport_handshake_failures', 'protocol="tls"')) === failures &&
          Date.now() < deadline
        )
          await new Promise((r) => setTimeout(r, 100));
        expect(await metric(recorder, 'siprec_transport_handshake_failures', 'protocol="tls"')).to.be.above(
          failures,
        );
        // Give a wrongly admitted INVITE the time to show up, then check nothing got through.
        await new Promise((r) => setTimeout(r, 500));
        expect(call.output()).to.not.match(/Call established/);
        expect(traceMessages(call.output()).filter((m) => m.text.startsWith('SIP/2.0'))).to.have.length(0);
        expect(await metric(recorder, 'siprec_sip_requests_total', 'method="INVITE"')).to.equal(0);
        expect(
          ((await recorder.http('/api/sessions')).body as { sessions: unknown[] }).sessions,
        ).to.have.length(0);
      } finally {
        await call?.stop();
      }
    });

    it('records a caller presenting a certificate from the CA', async () => {
      const trace = await recordedCall(recorder, pki.caFile, pki.src);
      await expectSrtpRecording(recorder, trace);
    });
  });
});
