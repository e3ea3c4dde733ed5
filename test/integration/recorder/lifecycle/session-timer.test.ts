/**
 * The recorder binary in a dialog with an SRC over UDP: RFC 4028 session timers as the SRCs of INTEROP §9 ask for
 * them (plain 90 s, CUBE 1800/1800, too small), refreshes by re-INVITE and UPDATE (INTEROP §5, §8), a re-INVITE
 * without an offer, extensions we do not support (RFC 3261 §8.2.2.3) and Require on a BYE.
 */
import { expect } from 'chai';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { findSession } from '../../../support/recorder-observe.js';
import { SipPeer, header, sdpOffer, type SipCall } from '../../../support/sip-peer.js';

const TIMER = [
  ['Supported', 'timer, replaces'],
  ['Session-Expires', '90;refresher=uac'],
] as const;

describe('session timers and in-dialog refreshes (recorder binary, UDP)', function () {
  this.timeout(30_000);
  let recorder: RecorderProcess;
  let peer: SipPeer;

  before(async () => {
    recorder = await startRecorder();
    peer = await SipPeer.open(recorder.sipPort);
  });
  after(async () => {
    peer.close();
    await recorder.stop();
  });

  async function invite(call: SipCall, headers: readonly (readonly [string, string])[], version = 1) {
    const res = await call.request('INVITE', { headers, body: sdpOffer({ port: 40_000, version }) });
    if (res.status === 200) call.ack();
    else if (res.status !== undefined && res.status >= 300) call.ack(res);
    return res;
  }

  async function hangUp(call: SipCall): Promise<void> {
    expect((await call.request('BYE')).status).to.equal(200);
  }

  it('confirms Session-Expires: 90;refresher=uac with Require: timer (RFC 4028 §9)', async () => {
    const call = peer.newCall();
    const ok = await invite(call, TIMER);
    expect(ok.status).to.equal(200);
    expect(header(ok, 'session-expires')?.replace(/\s/g, '')).to.equal('90;refresher=uac');
    expect(header(ok, 'require')).to.match(/\btimer\b/);
    await hangUp(call);
  });

  it('accepts the CUBE values Min-SE: 1800 / Session-Expires: 1800', async () => {
    const call = peer.newCall();
    const ok = await invite(call, [
      ['Supported', 'timer'],
      ['Session-Expires', '1800'],
      ['Min-SE', '1800'],
    ]);
    expect(ok.status).to.equal(200);
    expect(header(ok, 'session-expires')?.replace(/\s/g, '')).to.equal('1800;refresher=uac');
    await hangUp(call);
  });

  it('answers Session-Expires: 30 with 422 and Min-SE: 90, and keeps no session (RFC 4028 §6)', async () => {
    const call = peer.newCall();
    const res = await invite(call, [
      ['Supported', 'timer'],
      ['Session-Expires', '30'],
    ]);
    expect(res.status).to.equal(422);
    expect(header(res, 'min-se')).to.equal('90');
    expect(await findSession(recorder, call.callId)).to.equal(undefined);
  });

  it('answers a refresh re-INVITE with an unchanged o= version with the identical SDP', async () => {
    const call = peer.newCall();
    const first = await invite(call, TIMER);
    expect(first.status).to.equal(200);
    expect(first.body).to.match(/^m=audio [1-9]\d* RTP\/AVP/m);
    const refresh = await invite(call, TIMER);
    expect(refresh.status).to.equal(200);
    expect(refresh.body).to.equal(first.body);
    expect(header(refresh, 'session-expires')?.replace(/\s/g, '')).to.equal('90;refresher=uac');
    await hangUp(call);
  });

  it('answers a refresh UPDATE without a body with 200 and the session timer', async () => {
    const call = peer.newCall();
    expect((await invite(call, TIMER)).status).to.equal(200);
    const res = await call.request('UPDATE', { headers: TIMER });
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('');
    expect(header(res, 'session-expires')?.replace(/\s/g, '')).to.equal('90;refresher=uac');
    expect(await findSession(recorder, call.callId)).to.not.equal(undefined);
    await hangUp(call);
  });

  it('offers its current SDP in the 200 to a re-INVITE without SDP (RFC 3261 §14.2)', async () => {
    const call = peer.newCall();
    const first = await invite(call, []);
    expect(first.status).to.equal(200);
    const res = await call.request('INVITE');
    expect(res.status).to.equal(200);
    expect(header(res, 'content-type')).to.equal('application/sdp');
    expect(res.body).to.equal(first.body);
    // The answer goes in the ACK (§13.2.2.4): our own offer mirrored.
    call.ack(undefined, sdpOffer({ port: 40_000, version: 2 }));
    expect(await findSession(recorder, call.callId)).to.not.equal(undefined);
    await hangUp(call);
  });

  it('refuses Require: 100rel, siprec with 420 naming only 100rel', async () => {
    const call = peer.newCall();
    const res = await invite(call, [['Require', '100rel, siprec']]);
    expect(res.status).to.equal(420);
    expect(header(res, 'unsupported')).to.equal('100rel');
    expect(await findSession(recorder, call.callId)).to.equal(undefined);
  });

  it('answers a BYE carrying Require: siprec with 200, never 420', async () => {
    const call = peer.newCall();
    expect((await invite(call, [['Require', 'siprec']])).status).to.equal(200);
    const bye = await call.request('BYE', { headers: [['Require', 'siprec']] });
    expect(bye.status).to.equal(200);
    expect(await findSession(recorder, call.callId)).to.equal(undefined);
  });
});
