/**
 * Vector cases that need more than "replay and expect 200": the truncated Ribbon capture sent as captured (stale
 * Content-Length, INDEX.md §6), a vendor body turned SRTP (no public SIPREC SRTP capture exists, INDEX.md §7), and
 * proof that the answer checker used for every vector does catch the mistakes INTEROP §5 names.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { SipClient, parseSipMessage, token } from '../../../support/sip-client.js';
import { SidecarIndex } from '../../../support/sidecar-index.js';
import { recordingCall } from '../../../support/recording-call.js';
import { answerProblems, bodyParts } from '../../../support/siprec-answer-check.js';
import { expectStillServing } from '../../../support/siprec-invite.js';
import { vectorInvites, type VectorInvite } from '../../../support/vector-invites.js';

const TRUNCATED = 'drachtiofixture-ribbon-sonus-full-invite-truncated.sip';
const CUBE = 'drachtio-cisco-cube-invite-gtd-part.multipart.txt';

function vector(id: string): VectorInvite {
  const found = vectorInvites().find((v) => v.id === id);
  if (!found) throw new Error(`vector ${id} not found`);
  return found;
}

/** RTP/AVP m-lines made RTP/SAVP with SDES keys for two suites (RFC 4568 §9.1), as an SRTP-forking CUBE would. */
function toSavp(invite: Buffer): Buffer {
  const key = (): string => randomBytes(30).toString('base64');
  const text = invite
    .toString('latin1')
    .replace(
      /^(m=audio \d+ )RTP\/AVP( [^\r\n]*)(\r?\n)/gm,
      (_m, head: string, formats: string, eol: string) =>
        `${head}RTP/SAVP${formats}${eol}a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key()}${eol}` +
        `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${key()}${eol}`,
    );
  const split = /\r?\n\r?\n/.exec(text)!;
  const length = Buffer.byteLength(text.slice(split.index + split[0].length), 'latin1');
  return Buffer.from(text.replace(/^Content-Length: \d+/m, `Content-Length: ${length}`), 'latin1');
}

describe('vector quirks against the running recorder', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;

  before(async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '0' });
  });
  after(async () => {
    await recorder?.stop();
  });

  it('answers 400 over UDP to the truncated Ribbon INVITE as captured (Content-Length 3304, 3005 bytes sent)', async () => {
    const client = await SipClient.open('udp', { host: '127.0.0.1', port: recorder.sipPort });
    try {
      const invite = vector(TRUNCATED).build({
        transport: 'udp',
        lineEnding: 'crlf',
        remotePort: recorder.sipPort,
        localPort: client.localPort,
        callId: `${token(8)}@truncated.test`,
        keepContentLength: true,
      });
      expect(invite.toString('latin1')).to.match(/Content-Length: {2}3304\r\n/);
      const outcome = await recordingCall(client, invite, undefined);
      expect(outcome.final?.status).to.equal(400);
    } finally {
      client.close();
    }
    await expectStillServing(recorder, 'udp');
  });

  it('waits over TCP for the rest of the truncated Ribbon INVITE instead of answering a partial message', async () => {
    const client = await SipClient.open('tcp', { host: '127.0.0.1', port: recorder.sipPort });
    try {
      const callId = `${token(8)}@truncated-tcp.test`;
      const invite = vector(TRUNCATED).build({
        transport: 'tcp',
        lineEnding: 'crlf',
        remotePort: recorder.sipPort,
        localPort: client.localPort,
        callId,
        keepContentLength: true,
      });
      client.send(invite);
      const early = await client.next(
        (m) => m.headers.get('call-id')?.[0] === callId && m.status! >= 200,
        1000,
      );
      expect(early, 'no final answer to an incomplete message').to.equal(undefined);
      expect(client.closed).to.equal(false);
    } finally {
      client.close();
    }
    await expectStillServing(recorder, 'tcp');
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`records the Cisco CUBE vector offered as RTP/SAVP, answering one a=crypto per m-line with its own key (${transport})`, async () => {
      const client = await SipClient.open(transport, { host: '127.0.0.1', port: recorder.sipPort });
      try {
        const callId = `${token(8)}@savp.test`;
        const invite = toSavp(
          vector(CUBE).build({
            transport,
            lineEnding: 'crlf',
            remotePort: recorder.sipPort,
            localPort: client.localPort,
            callId,
          }),
        );
        const sdp = bodyParts(invite).sdp!;
        expect(sdp.match(/RTP\/SAVP/g)).to.have.length(2);
        const outcome = await recordingCall(client, invite, new SidecarIndex(recorder.recordingDir));
        expect(outcome.final?.status).to.equal(200);
        expect(answerProblems(sdp, outcome.final!)).to.deep.equal([]);
        const answer = outcome.final!.body.toString('latin1');
        expect(answer.match(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/gm)).to.have.length(2);
        expect(outcome.byeStatus).to.equal(200);
        expect(outcome.sidecar?.streams.map((s) => s.channel)).to.deep.equal([0, 1]);
      } finally {
        client.close();
      }
    });
  }

  it('the answer checker flags every INTEROP §5 mistake (so a passing vector means something)', () => {
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 4000 RTP/SAVP 0',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'a=label:1',
      'a=sendonly',
      'm=video 4002 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'a=label:2',
      'a=sendonly',
      'm=audio 4004 RTP/AVP 0',
      'a=label:3',
      'a=inactive',
      '',
    ].join('\r\n');
    const bad = [
      'SIP/2.0 200 OK',
      'Call-ID: x',
      'CSeq: 1 INVITE',
      'Content-Type: multipart/mixed;boundary=b',
      '',
      'v=0',
      'o=- 2 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 5000 RTP/SAVP 0',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'a=sendrecv',
      'm=video 5002 RTP/AVP 96',
      'a=label:2',
      'a=recvonly',
      'm=audio 5004 RTP/AVP 0',
      'a=label:3',
      'a=recvonly',
      '',
    ].join('\r\n');
    expect(answerProblems(offer, parseSipMessage(Buffer.from(bad)))).to.deep.equal([
      'Content-Type is "multipart/mixed;boundary=b", not application/sdp',
      'answer has sendrecv or sendonly',
      'm-line 0: label undefined answers 1',
      'm-line 0: sendrecv, expected recvonly',
      'm-line 0: crypto key echoed',
      'm-line 1: port 5002 but the stream is not recordable',
      'm-line 2: recvonly, expected inactive',
    ]);
  });
});
