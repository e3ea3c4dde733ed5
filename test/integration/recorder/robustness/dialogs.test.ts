/**
 * Requests for dialogs the recorder does not have, and an INVITE cancelled before its answer (RFC 3261 §9.2,
 * §12.2.2; INTEROP §8.8–§8.9), against the running recorder: 481 for unknown dialogs, 200 for the CANCEL and 487
 * for the INVITE, no session or sidecar left behind, and the recorder serving normally afterwards.
 */
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import {
  SipClient,
  dialogOf,
  headerOf,
  inDialogRequest,
  parseSipMessage,
  token,
  type ClientTransport,
} from '../../../support/sip-client.js';
import { ackForFailure } from '../../../support/recording-call.js';
import { expectStillServing, siprecInvite } from '../../../support/siprec-invite.js';

/** A CANCEL for `invite` (RFC 3261 §9.1: same Request-URI, Via branch, From, To, Call-ID, CSeq number). */
function cancelFor(invite: Buffer): Buffer {
  const req = parseSipMessage(invite);
  const number = (headerOf(req, 'cseq') ?? '1').split(/\s+/)[0];
  return Buffer.from(
    [
      `CANCEL ${req.startLine.split(' ')[1] ?? ''} SIP/2.0`,
      `Via: ${headerOf(req, 'via') ?? ''}`,
      'Max-Forwards: 70',
      `From: ${headerOf(req, 'from') ?? ''}`,
      `To: ${headerOf(req, 'to') ?? ''}`,
      `Call-ID: ${headerOf(req, 'call-id') ?? ''}`,
      `CSeq: ${number} CANCEL`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

describe('unknown dialogs and CANCEL against the running recorder', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;

  before(async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '0' });
  });
  after(async () => {
    await recorder?.stop();
  });

  for (const transport of ['udp', 'tcp'] as const satisfies readonly ClientTransport[]) {
    it(`answers 481 to BYE, UPDATE and INFO for dialogs it does not have (${transport})`, async () => {
      const client = await SipClient.open(transport, { host: '127.0.0.1', port: recorder.sipPort });
      try {
        const dialog = {
          requestUri: `sip:srs@127.0.0.1:${recorder.sipPort}`,
          from: `<sip:src@127.0.0.1>;tag=${token()}`,
          to: `<sip:srs@127.0.0.1:${recorder.sipPort}>;tag=${token()}`,
          callId: `${token(8)}@unknown-dialog.test`,
          cseq: 7,
          via: `SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${client.localPort}`,
        };
        for (const method of ['BYE', 'UPDATE', 'INFO']) {
          const responses = await client.request(inDialogRequest(dialog, method, { cseq: 8 }), 3000);
          expect(responses.at(-1)?.status, method).to.equal(481);
        }
        // Out of dialog (no To-tag) as well: there is nothing to end or update.
        const noTag = { ...dialog, to: `<sip:srs@127.0.0.1:${recorder.sipPort}>` };
        for (const method of ['BYE', 'UPDATE', 'INFO']) {
          const responses = await client.request(inDialogRequest(noTag, method, { cseq: 9 }), 3000);
          expect(responses.at(-1)?.status, `${method} without To-tag`).to.equal(481);
        }
      } finally {
        client.close();
      }
      await expectStillServing(recorder, transport);
    });

    it(`answers 487 to an INVITE cancelled before its answer, and 200 to the CANCEL (${transport})`, async () => {
      const client = await SipClient.open(transport, { host: '127.0.0.1', port: recorder.sipPort });
      const before = new Set(await readdir(recorder.recordingDir));
      const outcomes: string[] = [];
      try {
        // A CANCEL sent right behind the INVITE is read while the recorder binds its RTP ports; over UDP it may
        // still lose the race to the 200 (then RFC 3261 §9.2: 200 to the CANCEL, no effect) — so up to 10 tries.
        for (let attempt = 0; attempt < 10 && !outcomes.includes('487'); attempt++) {
          const invite = siprecInvite({
            transport,
            localPort: client.localPort,
            remotePort: recorder.sipPort,
          });
          const callId = headerOf(parseSipMessage(invite), 'call-id');
          if (transport === 'tcp') client.send(Buffer.concat([invite, cancelFor(invite)]));
          else {
            client.send(invite);
            client.send(cancelFor(invite));
          }
          const cancelOk = await client.next(
            (m) => m.method === 'CANCEL' && headerOf(m, 'call-id') === callId,
            3000,
          );
          expect(cancelOk?.status).to.equal(200);
          const final = await client.next(
            (m) => m.method === 'INVITE' && headerOf(m, 'call-id') === callId && m.status! >= 200,
            3000,
          );
          expect(final?.status).to.be.oneOf([200, 487]);
          outcomes.push(String(final!.status));
          if (final!.status === 487) {
            client.send(ackForFailure(invite, final!));
            continue;
          }
          const dialog = dialogOf(invite, final!, transport, client.localPort);
          client.send(inDialogRequest(dialog, 'ACK'));
          const bye = await client.request(inDialogRequest(dialog, 'BYE'), 3000);
          expect(bye.at(-1)?.status).to.equal(200);
        }
        expect(outcomes, 'one INVITE cancelled while pending').to.include('487');
        await new Promise((r) => setTimeout(r, 200));
        const sessions = await recorder.http('/api/sessions');
        expect(sessions.body).to.deep.equal({ sessions: [] });
        const parts = (await readdir(recorder.recordingDir)).filter(
          (f) => !before.has(f) && f.endsWith('.part'),
        );
        expect(parts, 'no recording left open').to.deep.equal([]);
      } finally {
        client.close();
      }
      await expectStillServing(recorder, transport);
    });
  }
});
