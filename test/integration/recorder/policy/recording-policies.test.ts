/**
 * RecordingPolicies applied by the recorder binary (POLICY_FILE in a ConfigMap-style volume): a call from an internal
 * extension is answered with every stream inactive and leaves a `skipped` sidecar and no WAV; a lab tenant is refused
 * 480 naming the policy; a metadata UPDATE revealing an internal caller pauses a recording in progress; the sales
 * policy forbids API pauses (403) and pauses on DTMF *1 / resumes on *2 sent as RFC 4733 events to the answered
 * port — silence in the WAV between, and the digits keyed while paused absent from the sidecar; the file is swapped
 * as Kubernetes does and the new policies apply, while a bad file is refused and the old ones stay.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { findSession, metric } from '../../../support/recorder-observe.js';
import { SipPeer, header, sdpOffer, type SipMessage } from '../../../support/sip-peer.js';
import { siprecBody } from '../../../support/siprec-invite.js';
import { readRecording, rms, waitForSidecar } from '../../../support/media-engine/recording-check.js';
import { ConfigMapVolume } from '../../../support/policy/configmap-volume.js';
import { RtpDtmfSender } from '../../../support/policy/rtp-dtmf-sender.js';
import { runRecorderCli } from '../../../support/recorder-cli.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/recorder-policy');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const INTERNAL = fixture('metadata-internal-caller.xml');
const EXTERNAL = INTERNAL.replace('sip:1234@pbx.example.com', 'sip:+4930123456@carrier.example');
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `a=` directions and ports of the answer's m-lines. */
function answerLines(res: SipMessage): { port: number; direction: string }[] {
  return res.body
    .split(/\r?\n(?=m=)/)
    .slice(1)
    .map((m) => ({
      port: Number(/^m=audio (\d+)/.exec(m)?.[1] ?? -1),
      direction: /a=(recvonly|inactive|sendonly|sendrecv)/.exec(m)?.[1] ?? 'none',
    }));
}

interface PolicySidecar {
  readonly endReason: string | null;
  readonly recording: unknown;
  readonly policy?: { name: string | null; action: string; sessionEndReason?: string; decisions: unknown[] };
  readonly dtmf: readonly { digit: string }[];
}

describe('recording policies (recorder binary, POLICY_FILE)', function () {
  this.timeout(60_000);
  let volume: ConfigMapVolume;
  let recorder: RecorderProcess;
  let peer: SipPeer;

  before(async () => {
    volume = new ConfigMapVolume(fixture('integration-policies.json'));
    recorder = await startRecorder({ POLICY_FILE: volume.path });
    peer = await SipPeer.open(recorder.sipPort);
  });

  after(async () => {
    peer?.close();
    await recorder?.stop();
    volume?.remove();
  });

  async function invite(metadata: string, headers: [string, string][] = []) {
    const call = peer.newCall();
    const body = siprecBody(sdpOffer({ port: 46_000 }), metadata);
    const res = await call.request('INVITE', {
      headers: [['Require', 'siprec'], ...headers],
      body: body.content,
      contentType: body.contentType,
    });
    if (res.status === 200) call.ack();
    return { call, res };
  }

  it('skips a call from an internal extension: streams inactive, sidecar skipped, no WAV', async () => {
    const before = await metric(
      recorder,
      'siprec_policy_decisions_total',
      'policy="skip-internal",action="skip"',
    );
    const { call, res } = await invite(INTERNAL);
    expect(res.status).to.equal(200);
    const lines = answerLines(res);
    expect(lines).to.have.length(2);
    for (const l of lines) {
      expect(l.direction).to.equal('inactive');
      expect(l.port).to.be.above(0);
    }
    expect((await call.request('BYE')).status).to.equal(200);
    const sidecar = (await waitForSidecar(recorder.recordingDir, call.callId)) as unknown as PolicySidecar;
    expect(sidecar.endReason).to.equal('skipped');
    expect(sidecar.recording).to.equal(null);
    expect(sidecar.policy).to.deep.include({
      name: 'skip-internal',
      action: 'skip',
      sessionEndReason: 'bye',
    });
    const id = (sidecar as unknown as { recordingId: string }).recordingId;
    expect(
      readdirSync(recorder.recordingDir).filter((f) => f.startsWith(id) && !f.endsWith('.json')),
    ).to.deep.equal([]);
    expect(
      await metric(recorder, 'siprec_policy_decisions_total', 'policy="skip-internal",action="skip"'),
    ).to.equal(before + 1);
  });

  it('refuses a lab call with 480 naming the policy', async () => {
    const { res } = await invite(EXTERNAL, [['X-Recording-Tenant', 'LAB']]);
    expect(res.status).to.equal(480);
    expect(header(res, 'warning')).to.equal('399 test-recorder "recording refused by policy refuse-lab"');
    expect(header(res, 'reason')).to.contain('cause=480');
    expect(await metric(recorder, 'siprec_sessions_rejected_total', 'code="480"')).to.be.at.least(1);
  });

  it('pauses a recording when a metadata UPDATE reveals an internal caller (INTEROP §3.4)', async () => {
    const { call, res } = await invite(fixture('metadata-avaya-placeholder.xml'));
    expect(answerLines(res).map((l) => l.direction)).to.deep.equal(['recvonly', 'recvonly']);
    expect((await findSession(recorder, call.callId))?.paused).to.equal(false);
    const update = await call.request('UPDATE', {
      body: INTERNAL,
      contentType: 'application/rs-metadata+xml',
      headers: [['Content-Disposition', 'recording-session']],
    });
    expect(update.status).to.equal(200);
    expect((await findSession(recorder, call.callId))?.paused).to.equal(true);
    expect((await call.request('BYE')).status).to.equal(200);
    const sidecar = (await waitForSidecar(recorder.recordingDir, call.callId)) as unknown as PolicySidecar;
    expect(sidecar.endReason).to.equal('bye');
    expect(sidecar.policy).to.deep.include({ name: 'skip-internal', action: 'skip' });
    expect(sidecar.policy?.decisions).to.have.length(2);
  });

  it('DTMF *1 pauses and *2 resumes a sales recording; the API may not pause it', async () => {
    const { call, res } = await invite(EXTERNAL, [['X-Recording-Tenant', 'sales']]);
    expect(res.status).to.equal(200);
    const [first] = answerLines(res);
    expect(first?.direction).to.equal('recvonly');
    const session = await findSession(recorder, call.callId);
    const refused = await recorder.http(`/api/sessions/${session!.recordingId}/pause`, 'POST');
    expect(refused.status).to.equal(403);
    expect((refused.body as { error: string }).error).to.contain('pci-sales');

    const sender = await RtpDtmfSender.open(first!.port);
    try {
      await sender.audio(1000);
      await sender.keys('*1');
      const pausedFrom = Date.now();
      await delay(300);
      expect((await findSession(recorder, call.callId))?.paused, 'paused after *1').to.equal(true);
      await sender.audio(1000);
      await sender.keys('4111*2');
      const resumedAt = Date.now();
      await delay(300);
      expect((await findSession(recorder, call.callId))?.paused, 'resumed after *2').to.equal(false);
      await sender.audio(1000);
      expect((await call.request('BYE')).status).to.equal(200);
      const sidecar = await waitForSidecar(recorder.recordingDir, call.callId);
      const policy = (sidecar as unknown as PolicySidecar).policy;
      expect(policy).to.deep.include({ name: 'pci-sales', action: 'record' });
      expect(
        sidecar.dtmf.map((d) => d.digit),
        'digits keyed while paused are not kept',
      ).to.deep.equal(['*', '1']);
      const wav = readRecording(recorder.recordingDir, sidecar);
      const samples = wav.channels[0]!;
      const at = (t: number): number =>
        Math.round(((t - Date.parse(sidecar.startedAt)) * wav.sampleRate) / 1000);
      expect(rms(samples, at(pausedFrom - 1400), at(pausedFrom - 600)), 'tone before').to.be.above(1000);
      expect(rms(samples, at(pausedFrom + 400), at(resumedAt - 600)), 'silence while paused').to.equal(0);
      expect(rms(samples, at(resumedAt + 500), at(resumedAt + 1100)), 'tone after').to.be.above(1000);
    } finally {
      sender.close();
    }
  });

  it('applies a new file swapped in as Kubernetes does, and keeps the policies when the new file is bad', async () => {
    volume.update(fixture('invalid-many.json'));
    const deadline = Date.now() + 10_000;
    while (
      !recorder.logs.some((l) => l.msg?.toString().startsWith('policy file refused')) &&
      Date.now() < deadline
    )
      await delay(100);
    expect(await metric(recorder, 'siprec_policy_reloads_total', 'result="invalid"')).to.equal(1);
    const skipped = await invite(INTERNAL);
    expect(answerLines(skipped.res).map((l) => l.direction)).to.deep.equal(['inactive', 'inactive']);
    expect((await skipped.call.request('BYE')).status).to.equal(200);

    const withoutSkip = JSON.parse(fixture('integration-policies.json')) as { policies: { name: string }[] };
    withoutSkip.policies = withoutSkip.policies.filter((p) => p.name !== 'skip-internal');
    volume.update(JSON.stringify(withoutSkip));
    while (
      (await metric(recorder, 'siprec_policy_reloads_total', 'result="ok"')) < 1 &&
      Date.now() < deadline
    )
      await delay(100);
    const { call, res } = await invite(INTERNAL);
    expect(answerLines(res).map((l) => l.direction)).to.deep.equal(['recvonly', 'recvonly']);
    expect((await call.request('BYE')).status).to.equal(200);
  });

  it('refuses to start with a bad POLICY_FILE, naming the variable and the policy', async () => {
    const outcome = await runRecorderCli([], { POLICY_FILE: join(FIXTURES, 'invalid-many.json') }, FIXTURES);
    expect(outcome.kind).to.equal('exited');
    if (outcome.kind !== 'exited') return;
    expect(outcome.code).to.equal(2);
    expect(outcome.stderr).to.contain('POLICY_FILE: ');
    expect(outcome.stderr).to.contain(
      'policy "archive-it": action "archive" must be one of record, skip, reject',
    );
  });
});
