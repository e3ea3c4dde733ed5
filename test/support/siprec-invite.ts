/**
 * A CUBE-shaped SIPREC INVITE (multipart SDP + RFC 7865 metadata, `Require: siprec`, `+sip.src`) built from the
 * fixtures in test/fixtures/integration/, with any part replaceable for hostile-input tests, plus a check that a
 * recorder still serves: health probe, a fresh OPTIONS and a fresh INVITE answered as INTEROP §5 requires.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, type RecorderProcess } from './recorder-process.js';
import { SipClient, headerOf, token, withContentLength, type ClientTransport } from './sip-client.js';
import { recordingCall } from './recording-call.js';
import { SidecarIndex } from './sidecar-index.js';
import { answerProblems } from './siprec-answer-check.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/integration');

/** A fixture of test/fixtures/integration/ as text (LF line ends, as stored). */
export function integrationFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'latin1');
}

export interface InviteOptions {
  readonly transport: ClientTransport;
  readonly localPort: number;
  readonly remotePort: number;
  readonly callId?: string;
  /** SDP part (default: two labelled PCMU streams). */
  readonly sdp?: string;
  /** Metadata part (default: two participants); null for an SDP-only INVITE. */
  readonly metadata?: string | null;
  /** Replaces the whole body and Content-Type. */
  readonly body?: { contentType: string; content: string };
  readonly extraHeaders?: readonly string[];
}

const BOUNDARY = 'uniqueBoundary';

/** The multipart body of a SIPREC INVITE (RFC 7866 §9.1), CRLF line ends. */
export function siprecBody(sdp: string, metadata: string | null): { contentType: string; content: string } {
  const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');
  if (metadata === null) return { contentType: 'application/sdp', content: crlf(sdp) };
  const content = [
    `--${BOUNDARY}`,
    'Content-Type: application/sdp',
    'Content-Disposition: session;handling=required',
    '',
    crlf(sdp).replace(/\r\n$/, ''),
    `--${BOUNDARY}`,
    'Content-Type: application/rs-metadata+xml',
    'Content-Disposition: recording-session',
    '',
    crlf(metadata).replace(/\r\n$/, ''),
    `--${BOUNDARY}--`,
    '',
  ].join('\r\n');
  return { contentType: `multipart/mixed;boundary=${BOUNDARY}`, content };
}

/** A complete INVITE with a correct Content-Length. */
export function siprecInvite(opts: InviteOptions): Buffer {
  const body =
    opts.body ??
    siprecBody(
      opts.sdp ?? integrationFixture('siprec-offer.sdp'),
      opts.metadata === undefined ? integrationFixture('siprec-metadata.xml') : opts.metadata,
    );
  const t = opts.transport.toUpperCase();
  const lines = [
    `INVITE sip:srs@127.0.0.1:${opts.remotePort} SIP/2.0`,
    `Via: SIP/2.0/${t} 127.0.0.1:${opts.localPort};branch=z9hG4bK${token()};rport`,
    'Max-Forwards: 70',
    `From: <sip:src@127.0.0.1>;tag=${token()}`,
    `To: <sip:srs@127.0.0.1:${opts.remotePort}>`,
    `Call-ID: ${opts.callId ?? `${token(8)}@robustness.test`}`,
    'CSeq: 101 INVITE',
    `Contact: <sip:src@127.0.0.1:${opts.localPort};transport=${opts.transport}>;+sip.src`,
    'Require: siprec',
    'Supported: timer, replaces',
    ...(opts.extraHeaders ?? []),
    `Content-Type: ${body.contentType}`,
    'Content-Length: 0',
    '',
    body.content,
  ];
  return withContentLength(lines.join('\r\n'));
}

/** An out-of-dialog OPTIONS keepalive (INTEROP §11). */
export function optionsRequest(transport: ClientTransport, localPort: number, remotePort: number): Buffer {
  return withContentLength(
    [
      `OPTIONS sip:srs@127.0.0.1:${remotePort} SIP/2.0`,
      `Via: SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${localPort};branch=z9hG4bK${token()};rport`,
      'Max-Forwards: 70',
      `From: <sip:ping@127.0.0.1>;tag=${token()}`,
      `To: <sip:srs@127.0.0.1:${remotePort}>`,
      `Call-ID: ${token(8)}@options.test`,
      'CSeq: 1 OPTIONS',
      '',
      '',
    ].join('\r\n'),
  );
}

/**
 * Asserts the recorder is alive and serving: /healthz 200, a fresh OPTIONS 200 with `Supported: siprec`, and a
 * fresh recording INVITE over `transport` answered 200 with a correct SDP, then ACK, BYE 200 and a final sidecar
 * naming both participants.
 */
export async function expectStillServing(
  recorder: RecorderProcess,
  transport: ClientTransport = 'udp',
): Promise<void> {
  expect(recorder.child.exitCode, 'recorder exited').to.equal(null);
  const health = await recorder.http('/healthz');
  expect(health.status).to.equal(200);
  const client = await SipClient.open(transport, { host: '127.0.0.1', port: recorder.sipPort });
  try {
    const options = await client.request(optionsRequest(transport, client.localPort, recorder.sipPort), 3000);
    expect(options.at(-1)?.status, 'OPTIONS').to.equal(200);
    expect(headerOf(options.at(-1)!, 'supported')).to.match(/siprec/);
    const callId = `${token(8)}@still-serving.test`;
    const invite = siprecInvite({
      transport,
      localPort: client.localPort,
      remotePort: recorder.sipPort,
      callId,
    });
    const outcome = await recordingCall(client, invite, new SidecarIndex(recorder.recordingDir));
    expect(outcome.final?.status, 'fresh INVITE').to.equal(200);
    expect(answerProblems(integrationFixture('siprec-offer.sdp'), outcome.final!)).to.deep.equal([]);
    expect(outcome.byeStatus).to.equal(200);
    expect(outcome.sidecar?.participants.map((p) => p.name)).to.deep.equal(['Alice Caller', 'Bob Callee']);
  } finally {
    client.close();
  }
}
