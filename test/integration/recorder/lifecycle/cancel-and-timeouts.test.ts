/**
 * How sessions end without a BYE from the SRC, against the recorder binary: a CANCEL of a pending INVITE
 * (RFC 3261 §9.2), an SRC that goes silent (MEDIA_TIMEOUT, INTEROP §8.1: the recorder hangs up with a BYE), and a
 * 2xx that is never ACKed (§13.3.1.4: retransmissions stop after 64·T1 and the UAS sends BYE).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import {
  REPO_ROOT,
  allocateRtpRange,
  startRecorder,
  type RecorderProcess,
} from '../../../support/recorder-process.js';
import { findSession, metric, sidecarsOf, waitForFinalSidecar } from '../../../support/recorder-observe.js';
import { runSipp } from '../../../support/sipp.js';
import { SipPeer, header, sdpOffer, viaBranch } from '../../../support/sip-peer.js';

const AWAIT_BYE = join(REPO_ROOT, 'test/fixtures/sipp/siprec-await-bye.xml');
const T1_MS = 500;

describe('sessions ended without a BYE from the SRC (recorder binary)', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess | undefined;
  let peer: SipPeer | undefined;

  afterEach(async () => {
    peer?.close();
    peer = undefined;
    await recorder?.stop();
    recorder = undefined;
  });

  it('answers a CANCEL of a pending INVITE with 200 and the INVITE with 487, leaving no session', async () => {
    // Four port pairs: three cancelled two-stream INVITEs would exhaust them if their ports were not returned.
    const rtp = allocateRtpRange(8);
    recorder = await startRecorder({ RTP_PORT_MIN: String(rtp.min), RTP_PORT_MAX: String(rtp.max) });
    // Over UDP the recorder answers an INVITE within one turn of its event loop, before it reads the next
    // datagram, so a CANCEL can only meet a pending INVITE when both arrive in one TCP segment — as from an SRC
    // that gives up at once. The CANCEL then finds the INVITE unanswered every time.
    peer = await SipPeer.open(recorder.sipPort, 'tcp');
    for (let i = 0; i < 3; i++) {
      const call = peer.newCall();
      const invite = call.build('INVITE', {
        headers: [['Require', 'siprec']],
        body: sdpOffer({ port: 42_000, streams: 2 }),
      });
      const cancel = call.cancel();
      peer.send(invite.text, cancel.text);
      expect((await call.finalResponse(cancel.branch, 'CANCEL')).status).to.equal(200);
      const final = await call.finalResponse(invite.branch, 'INVITE');
      expect(final.status).to.equal(487);
      call.ack(final);
      expect(await findSession(recorder, call.callId)).to.equal(undefined);
      // A sidecar exists if the session had been created; it is then final and says why.
      await new Promise((r) => setTimeout(r, 200));
      for (const sidecar of await sidecarsOf(recorder.recordingDir, call.callId)) {
        expect(sidecar.state).to.equal('final');
        expect(sidecar.endReason).to.equal('cancelled');
      }
    }
    expect(await metric(recorder, 'siprec_active_sessions')).to.equal(0);
    // No 200 ever followed a 487.
    expect(peer.received.filter((m) => m.method === 'INVITE' && m.status === 200)).to.have.length(0);

    const next = peer.newCall();
    const ok = await next.request('INVITE', {
      headers: [['Require', 'siprec']],
      body: sdpOffer({ port: 42_000 }),
    });
    expect(ok.status).to.equal(200);
    expect(ok.body.match(/^m=audio [1-9]\d* /gm)).to.have.length(2);
    next.ack();
    expect((await next.request('BYE')).status).to.equal(200);
  });

  it('hangs up with a BYE on a silent SRC after MEDIA_TIMEOUT and finalises the sidecar', async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '2s' });
    const started = Date.now();
    const result = await runSipp({
      scenario: AWAIT_BYE,
      target: `127.0.0.1:${recorder.sipPort}`,
      timeoutSeconds: 20,
    });
    expect(result.exitCode, result.errors || result.stdout).to.equal(0);
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.within(2000, 15_000);
    expect(result.messages).to.match(/^BYE sip:src@/m);
    expect(result.messages).to.match(/^Reason: SIP;cause=200;text="media-timeout"/m);
    const callId = /^Call-ID: (.+)$/m.exec(result.messages)?.[1]?.trim() ?? '';
    const sidecar = await waitForFinalSidecar(recorder.recordingDir, callId);
    expect(sidecar.endReason).to.equal('media-timeout');
    expect(sidecar.streams.map((s) => s.packetsReceived)).to.deep.equal([0, 0]);
  });

  it('stops retransmitting a 2xx that is never ACKed after 64·T1 and sends BYE', async function () {
    this.timeout(60_000);
    recorder = await startRecorder();
    peer = await SipPeer.open(recorder.sipPort);
    const call = peer.newCall();
    const invite = call.build('INVITE', {
      headers: [['Require', 'siprec']],
      body: sdpOffer({ port: 43_000 }),
    });
    peer.send(invite.text);
    const first = await call.finalResponse(invite.branch, 'INVITE');
    expect(first.status).to.equal(200);
    const bye = await peer.waitFor((m) => m.method === 'BYE' && m.status === undefined, 45_000, 'BYE');
    // Anything still in flight after the BYE would be a retransmission that never stopped.
    await new Promise((r) => setTimeout(r, 1500));
    const oks = peer.received.filter((m) => m.status === 200 && m.method === 'INVITE');
    const waited = bye.receivedAt - first.receivedAt;
    expect(waited).to.be.within(64 * T1_MS - 2000, 64 * T1_MS + 6000);
    expect(oks.every((m) => m.receivedAt <= bye.receivedAt)).to.equal(true);
    // Timer G doubles from T1 and is capped at T2 = 4 s (§17.2.1): 0.5, 1, 2, 4, 4… within 32 s → 10 resends.
    expect(oks.length).to.be.within(8, 12);
    expect(oks.every((m) => viaBranch(m) === invite.branch)).to.equal(true);
    expect(header(bye, 'call-id')).to.equal(call.callId);
    expect(header(bye, 'to')).to.contain(`tag=${call.fromTag}`);
    const sidecar = await waitForFinalSidecar(recorder.recordingDir, call.callId);
    expect(sidecar.endReason).to.equal('ack-timeout');
    expect(await findSession(recorder, call.callId)).to.equal(undefined);
  });
});
