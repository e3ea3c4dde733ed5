/**
 * Recording INVITEs with hostile or useless bodies, against the running recorder. INTEROP §3.2/§10: metadata never
 * costs the recording (an XML bomb or an external-entity document is kept raw and flagged, the call is answered
 * 200 and recorded); an SDP we cannot record is refused with 488; a multipart body without its declared boundary
 * is malformed (400). After each, the recorder still answers OPTIONS and records a fresh call.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { SipClient, token } from '../../../support/sip-client.js';
import { SidecarIndex } from '../../../support/sidecar-index.js';
import { recordingCall } from '../../../support/recording-call.js';
import { answerProblems } from '../../../support/siprec-answer-check.js';
import {
  expectStillServing,
  integrationFixture,
  siprecBody,
  siprecInvite,
} from '../../../support/siprec-invite.js';

describe('hostile bodies against the running recorder', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;
  let client: SipClient;
  let sidecars: SidecarIndex;

  before(async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '0' });
    client = await SipClient.open('udp', { host: '127.0.0.1', port: recorder.sipPort });
    sidecars = new SidecarIndex(recorder.recordingDir);
  });
  after(async () => {
    client?.close();
    await recorder?.stop();
  });

  const base = (): { transport: 'udp'; localPort: number; remotePort: number } => ({
    transport: 'udp',
    localPort: client.localPort,
    remotePort: recorder.sipPort,
  });

  it('answers 400 to a multipart INVITE whose boundary never appears in the body', async () => {
    const body = siprecBody(
      integrationFixture('siprec-offer.sdp'),
      integrationFixture('siprec-metadata.xml'),
    );
    const invite = siprecInvite({
      ...base(),
      body: { contentType: 'multipart/mixed;boundary=not-in-the-body', content: body.content },
    });
    const outcome = await recordingCall(client, invite, undefined);
    expect(outcome.final?.status).to.equal(400);
    await expectStillServing(recorder);
  });

  for (const [label, fixture] of [
    ['a billion-laughs entity bomb', 'billion-laughs-metadata.xml'],
    ['an external-entity (XXE) document', 'external-entity-metadata.xml'],
  ] as const) {
    it(`records the call when the metadata is ${label}, keeping it raw and flagged "unparsed"`, async () => {
      const callId = `${token(8)}@xml-bomb.test`;
      const started = Date.now();
      const invite = siprecInvite({ ...base(), callId, metadata: integrationFixture(fixture) });
      const outcome = await recordingCall(client, invite, sidecars);
      expect(outcome.final?.status).to.equal(200);
      expect(Date.now() - started, 'answered without expanding anything').to.be.lessThan(3000);
      expect(answerProblems(integrationFixture('siprec-offer.sdp'), outcome.final!)).to.deep.equal([]);
      expect(outcome.byeStatus).to.equal(200);
      const sidecar = outcome.sidecar!;
      expect(sidecar.state).to.equal('final');
      expect(sidecar.metadata.status).to.equal('unparsed');
      expect(sidecar.metadata.raw).to.have.length(1);
      expect(sidecar.streams.map((s) => s.channel)).to.deep.equal([0, 1]);
      const text = await readFile(`${recorder.recordingDir}/${sidecar.recordingId}.json`, 'utf8');
      expect(text).to.not.include('root:x:0:0');
      expect(text).to.not.include('lollollollollollollollollollol');
      await expectStillServing(recorder);
    });
  }

  it('answers 488 to an INVITE whose SDP is nonsense', async () => {
    const outcome = await recordingCall(
      client,
      siprecInvite({ ...base(), sdp: integrationFixture('nonsense.sdp') }),
      undefined,
    );
    expect(outcome.final?.status).to.equal(488);
    await expectStillServing(recorder);
  });

  it('answers 488 to an INVITE offering only codecs it cannot record (AMR-WB, iLBC, Speex)', async () => {
    const outcome = await recordingCall(
      client,
      siprecInvite({ ...base(), sdp: integrationFixture('unknown-codecs.sdp') }),
      undefined,
    );
    expect(outcome.final?.status).to.equal(488);
    await expectStillServing(recorder);
  });

  it('answers 488 to an SDP-only INVITE with no m-line at all', async () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n';
    const outcome = await recordingCall(client, siprecInvite({ ...base(), sdp, metadata: null }), undefined);
    expect(outcome.final?.status).to.equal(488);
    await expectStillServing(recorder);
  });
});
