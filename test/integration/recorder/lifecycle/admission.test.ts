/**
 * Admission control of the recorder binary as an SRC and an operator see it: ALLOWED_SOURCES (403 and a metric),
 * MAX_CONCURRENT_CALLS (503 + Retry-After until a call ends, so the SRC fails over, RFC 3261 §21.5.4) and a drain
 * through the HTTP API (DESIGN.md §5: no new sessions, readiness 503, calls in progress untouched).
 */
import { expect } from 'chai';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { findSession, metric, waitForFinalSidecar } from '../../../support/recorder-observe.js';
import { SipPeer, header, sdpOffer, type SipCall, type SipMessage } from '../../../support/sip-peer.js';

async function invite(call: SipCall): Promise<SipMessage> {
  const res = await call.request('INVITE', {
    headers: [['Require', 'siprec']],
    body: sdpOffer({ port: 41_000 }),
  });
  if (res.status === 200) call.ack();
  else call.ack(res);
  return res;
}

describe('admission control (recorder binary, UDP)', function () {
  this.timeout(30_000);
  let recorder: RecorderProcess | undefined;
  let peer: SipPeer | undefined;

  afterEach(async () => {
    peer?.close();
    peer = undefined;
    await recorder?.stop();
    recorder = undefined;
  });

  it('refuses INVITE and OPTIONS from outside ALLOWED_SOURCES with 403 and counts them', async () => {
    recorder = await startRecorder({ ALLOWED_SOURCES: '10.0.0.0/8' });
    peer = await SipPeer.open(recorder.sipPort);
    const call = peer.newCall();
    const res = await invite(call);
    expect(res.status).to.equal(403);
    const options = await peer.newCall().request('OPTIONS');
    expect(options.status).to.equal(403);
    expect(await findSession(recorder, call.callId)).to.equal(undefined);
    expect(await metric(recorder, 'siprec_sip_rejected_sources_total')).to.equal(2);
    expect(await metric(recorder, 'siprec_sessions_total')).to.equal(0);
  });

  it('answers the call beyond MAX_CONCURRENT_CALLS with 503 + Retry-After, and takes calls again after a BYE', async () => {
    recorder = await startRecorder({ MAX_CONCURRENT_CALLS: '2' });
    peer = await SipPeer.open(recorder.sipPort);
    const [first, second, third, fourth] = [peer.newCall(), peer.newCall(), peer.newCall(), peer.newCall()];
    expect((await invite(first)).status).to.equal(200);
    expect((await invite(second)).status).to.equal(200);
    const refused = await invite(third);
    expect(refused.status).to.equal(503);
    expect(Number(header(refused, 'retry-after'))).to.be.greaterThan(0);
    expect(await findSession(recorder, third.callId)).to.equal(undefined);

    expect((await first.request('BYE')).status).to.equal(200);
    expect((await invite(fourth)).status).to.equal(200);
    expect((await second.request('BYE')).status).to.equal(200);
    expect((await fourth.request('BYE')).status).to.equal(200);
  });

  it('drains on POST /api/drain: OPTIONS and new INVITEs 503, /readyz 503, the call in progress goes on', async () => {
    recorder = await startRecorder();
    peer = await SipPeer.open(recorder.sipPort);
    const call = peer.newCall();
    expect((await invite(call)).status).to.equal(200);
    expect((await recorder.http('/readyz')).status).to.equal(200);

    expect((await recorder.http('/api/drain', 'POST')).status).to.equal(202);
    expect((await recorder.http('/readyz')).status).to.equal(503);
    const options = await peer.newCall().request('OPTIONS');
    expect(options.status).to.equal(503);
    expect(header(options, 'retry-after')).to.not.equal(undefined);
    const late = peer.newCall();
    const refused = await invite(late);
    expect(refused.status).to.equal(503);
    expect(header(refused, 'retry-after')).to.not.equal(undefined);

    // The call in progress still takes a refresh and ends normally.
    const refresh = await call.request('INVITE', {
      headers: [['Require', 'siprec']],
      body: sdpOffer({ port: 41_000 }),
    });
    expect(refresh.status).to.equal(200);
    call.ack();
    expect((await findSession(recorder, call.callId))?.state).to.equal('confirmed');
    expect((await call.request('BYE')).status).to.equal(200);
    const sidecar = await waitForFinalSidecar(recorder.recordingDir, call.callId);
    expect(sidecar.endReason).to.equal('bye');
    expect(await findSession(recorder, late.callId)).to.equal(undefined);
  });
});
