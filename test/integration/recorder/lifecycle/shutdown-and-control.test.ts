/**
 * Operator actions on a recorder binary with a call in progress: pause and resume through the HTTP API
 * (DESIGN.md §3), and SIGTERM (a rolling upgrade, DESIGN.md §5): the SRC gets a BYE so it fails over, the
 * sidecar is final with `endReason: "terminated"`, and the process exits 0.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { REPO_ROOT, startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { findSession, waitForFinalSidecar, type ApiSession } from '../../../support/recorder-observe.js';
import { runSipp } from '../../../support/sipp.js';
import { SipPeer, sdpOffer } from '../../../support/sip-peer.js';

const AWAIT_BYE = join(REPO_ROOT, 'test/fixtures/sipp/siprec-await-bye.xml');

describe('operator actions on a call in progress (recorder binary)', function () {
  this.timeout(30_000);
  let recorder: RecorderProcess | undefined;

  afterEach(async () => {
    await recorder?.stop();
    recorder = undefined;
  });

  it('pauses and resumes a recording through the HTTP API', async () => {
    recorder = await startRecorder();
    const peer = await SipPeer.open(recorder.sipPort);
    try {
      const call = peer.newCall();
      const ok = await call.request('INVITE', {
        headers: [['Require', 'siprec']],
        body: sdpOffer({ port: 44_000 }),
      });
      expect(ok.status).to.equal(200);
      call.ack();
      const session = await findSession(recorder, call.callId);
      expect(session?.paused).to.equal(false);
      const id = session!.recordingId;

      const paused = await recorder.http(`/api/sessions/${id}/pause`, 'POST');
      expect(paused.status).to.equal(200);
      expect((paused.body as ApiSession).paused).to.equal(true);
      expect(((await recorder.http(`/api/sessions/${id}`)).body as ApiSession).paused).to.equal(true);

      const resumed = await recorder.http(`/api/sessions/${id}/resume`, 'POST');
      expect(resumed.status).to.equal(200);
      expect(((await recorder.http(`/api/sessions/${id}`)).body as ApiSession).paused).to.equal(false);

      expect((await recorder.http('/api/sessions/no-such-session/pause', 'POST')).status).to.equal(404);
      expect((await call.request('BYE')).status).to.equal(200);
      expect((await recorder.http(`/api/sessions/${id}`)).status).to.equal(404);
    } finally {
      peer.close();
    }
  });

  it('on SIGTERM sends BYE to the SRC, finalises the sidecar as terminated and exits 0', async () => {
    recorder = await startRecorder();
    const sipp = runSipp({
      scenario: AWAIT_BYE,
      target: `127.0.0.1:${recorder.sipPort}`,
      timeoutSeconds: 20,
    });
    const deadline = Date.now() + 10_000;
    let sessions: ApiSession[] = [];
    while (sessions.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      sessions = ((await recorder.http('/api/sessions')).body as { sessions: ApiSession[] }).sessions;
    }
    expect(sessions).to.have.length(1);
    const { callId } = sessions[0]!;
    // Let the ACK arrive, so the BYE is sent in a confirmed dialog.
    await new Promise((r) => setTimeout(r, 300));

    const code = await recorder.stop();
    expect(code).to.equal(0);
    const result = await sipp;
    expect(result.exitCode, result.errors || result.stdout).to.equal(0);
    expect(result.messages).to.match(/^Reason: SIP;cause=200;text="terminated"/m);
    const sidecar = await waitForFinalSidecar(recorder.recordingDir, callId, 2000);
    expect(sidecar.endReason).to.equal('terminated');
    expect(await findSession(recorder, callId).catch(() => 'recorder gone')).to.equal('recorder gone');
  });
});
