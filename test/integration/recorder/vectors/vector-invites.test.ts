/**
 * Every real SRC INVITE of the shared vectors — multipart bodies wrapped in an INVITE, full captures, and the
 * first INVITE of every SIPp scenario — replayed against the running recorder over UDP and TCP, CRLF and LF-only.
 * What an SRC notices is asserted (INTEROP §5): the final status, a plain application/sdp answer with one m-line
 * per offered m-line, labels echoed, recvonly/inactive only, port 0 exactly for what is not recorded; then ACK and
 * BYE are answered 200 and a final sidecar names the participants of the metadata.
 */
import { expect } from 'chai';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { SipClient, token } from '../../../support/sip-client.js';
import { SidecarIndex } from '../../../support/sidecar-index.js';
import { recordingCall } from '../../../support/recording-call.js';
import { answerProblems, bodyParts, metadataParticipants } from '../../../support/siprec-answer-check.js';
import { vectorInvites, type LineEnding, type VectorInvite } from '../../../support/vector-invites.js';
import type { ClientTransport } from '../../../support/sip-client.js';

/**
 * The expected final status per vector, decided from INDEX.md and INTEROP §1–§5 (default 200: every INVITE with
 * usable audio is recorded, whatever its metadata):
 *
 * | Vector | Status | Why |
 * |---|---|---|
 * | miarec-cisco-cucm-bib-delayed-offer-leg1/leg2 | 488 | CUCM Built-in-Bridge delayed offer: no SDP in the INVITE; INTEROP §1.4 says 488 when not supported |
 * | drachtiofixture-ribbon-sonus-full-invite-truncated.sip | 200 | replayed with Content-Length recomputed, its body is a multipart cut inside the metadata: SDP intact, metadata kept raw (INTEROP §3.2); sent as captured it is 400 over UDP (vector-quirks.test.ts) |
 * | drachtio-broadworks-invite-garbled.multipart.txt | 200 | metadata part garbled by a web copy, SDP part usable: never 4xx for metadata (INTEROP §10) |
 * | carbyne-…-unescaped-ampersand, vorpal-oracle-genesys-4stream-invite.sip | 200 | ill-formed XML from real SBCs, sanitised (INTEROP §3.2) |
 * | vorpal-oracle-invite-template-acme.sip | 200 | a template without Via/From/To/Call-ID/CSeq: the harness adds them as the SBC would |
 * | miarec-cisco-cube-nbr-*, vorpal-oracle-genesys-4stream.sipp.xml | 200 | plain-SDP / non-RFC recording INVITEs with audio are recorded (INTEROP §1.4) |
 * | vorpal-nice-backup-srs-inactive-answer.sipp.xml | — | SRS-side scenario: sends no INVITE, not replayed |
 */
const EXPECTED_STATUS: Readonly<Record<string, { status: number; why: string }>> = {
  'miarec-cisco-cucm-bib-delayed-offer-leg1.sipp.xml': {
    status: 488,
    why: 'CUCM Built-in-Bridge delayed offer (no SDP in the INVITE); INTEROP §1.4: 488 when not supported',
  },
  'miarec-cisco-cucm-bib-delayed-offer-leg2.sipp.xml': {
    status: 488,
    why: 'CUCM Built-in-Bridge delayed offer, second leg; same as leg 1',
  },
};

const VARIANTS: readonly { transport: ClientTransport; lineEnding: LineEnding }[] = [
  { transport: 'udp', lineEnding: 'crlf' },
  { transport: 'udp', lineEnding: 'lf' },
  { transport: 'tcp', lineEnding: 'crlf' },
  { transport: 'tcp', lineEnding: 'lf' },
];

describe('every vector INVITE replayed against the running recorder', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;
  let sidecars: SidecarIndex;
  const clients = new Map<ClientTransport, SipClient>();
  const failed = new Map<string, string>();
  const invites = vectorInvites();

  before(async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '0' });
    sidecars = new SidecarIndex(recorder.recordingDir);
    for (const transport of ['udp', 'tcp'] as const)
      clients.set(transport, await SipClient.open(transport, { host: '127.0.0.1', port: recorder.sipPort }));
  });
  after(async () => {
    for (const c of clients.values()) c.close();
    const passed = invites.length - failed.size;
    process.stdout.write(`\n      vector INVITEs passing on all 4 variants: ${passed}/${invites.length}\n`);
    for (const [id, why] of failed) process.stdout.write(`        FAIL ${id}: ${why}\n`);
    await recorder?.stop();
  });

  async function replay(
    vector: VectorInvite,
    transport: ClientTransport,
    lineEnding: LineEnding,
  ): Promise<string[]> {
    const client = clients.get(transport)!;
    const callId = `${token(8)}@vectors.test`;
    const invite = vector.build({
      transport,
      lineEnding,
      remotePort: recorder.sipPort,
      localPort: client.localPort,
      callId,
    });
    const expected = EXPECTED_STATUS[vector.id]?.status ?? 200;
    const outcome = await recordingCall(client, invite, sidecars);
    const at = `${transport}/${lineEnding}`;
    if (!outcome.final) return [`${at}: no final response`];
    if (outcome.final.status !== expected) return [`${at}: ${outcome.final.startLine}, expected ${expected}`];
    if (expected !== 200) return [];
    const { sdp, metadata } = bodyParts(invite);
    const problems = answerProblems(sdp ?? '', outcome.final).map((p) => `${at}: ${p}`);
    if (outcome.byeStatus !== 200) problems.push(`${at}: BYE answered ${String(outcome.byeStatus)}`);
    const sidecar = outcome.sidecar;
    if (!sidecar) return [...problems, `${at}: no final sidecar`];
    if (sidecar.state !== 'final' || sidecar.endReason !== 'bye')
      problems.push(`${at}: sidecar ${sidecar.state}/${String(sidecar.endReason)}`);
    if (metadata !== undefined) {
      const named = metadataParticipants(metadata);
      const aors = new Set(sidecar.participants.map((p) => p.aor?.trim()));
      const missing = named.aors.filter((a) => !aors.has(a.trim()));
      if (missing.length > 0)
        problems.push(
          `${at}: sidecar lacks participants ${missing.join(', ')} (metadata ${sidecar.metadata.status})`,
        );
      if (named.ids.length > 0 && sidecar.participants.length !== named.ids.length)
        problems.push(
          `${at}: ${sidecar.participants.length} participants in the sidecar, ${named.ids.length} in the metadata`,
        );
    }
    return problems;
  }

  for (const vector of invites) {
    const expectation = EXPECTED_STATUS[vector.id];
    it(`${vector.id} → ${expectation?.status ?? 200}`, async () => {
      const problems: string[] = [];
      for (const v of VARIANTS) problems.push(...(await replay(vector, v.transport, v.lineEnding)));
      if (problems.length > 0) failed.set(vector.id, problems.join('; '));
      expect(problems).to.deep.equal([]);
    });
  }
});
