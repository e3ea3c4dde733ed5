/**
 * The recorder binary's configuration as an operator meets it (DESIGN.md §9, README "Configuration"): a broken
 * environment stops it at once with one message naming every bad variable; flags mirror the variables and win
 * over them; `--help` documents every variable of the README; the `make run` defaults start.
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecorderCli, type CliOutcome } from '../../../support/recorder-cli.js';
import { REPO_ROOT, allocateRtpRange, startRecorder } from '../../../support/recorder-process.js';
import { SipPeer, sdpOffer } from '../../../support/sip-peer.js';

/** Every variable named in the first column of README's configuration table. */
async function readmeVariables(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const names = new Set<string>();
  for (const line of readme.split('\n')) {
    const first = /^\|\s*(`[A-Z][A-Z0-9_]+`(?:,\s*`[A-Z][A-Z0-9_]+`)*)\s*\|/.exec(line)?.[1];
    for (const m of first?.matchAll(/`([A-Z][A-Z0-9_]+)`/g) ?? []) names.add(m[1]!);
  }
  return [...names];
}

/** Sends an OPTIONS over UDP and resolves with the status line of the answer. */
async function optionsStatus(port: number): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const local = socket.address().port;
  const request = [
    `OPTIONS sip:srs@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKcfg${local};rport`,
    `From: <sip:ping@127.0.0.1:${local}>;tag=cfg`,
    `To: <sip:srs@127.0.0.1:${port}>`,
    `Call-ID: config-test-${local}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer to OPTIONS')), 5000);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg.toString('latin1').split('\r\n')[0] ?? '');
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

function expectExit(outcome: CliOutcome): Extract<CliOutcome, { kind: 'exited' }> {
  if (outcome.kind !== 'exited') {
    void outcome.stop();
    throw new Error('the recorder started although it should have refused its configuration');
  }
  return outcome;
}

async function expectStarted(outcome: CliOutcome): Promise<Extract<CliOutcome, { kind: 'started' }>> {
  if (outcome.kind !== 'started') throw new Error(`the recorder did not start: ${outcome.stderr}`);
  return outcome;
}

describe('recorder configuration (binary, environment and flags)', function () {
  this.timeout(30_000);
  let cwd: string;
  const running: Extract<CliOutcome, { kind: 'started' }>[] = [];

  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'siprec-config-'));
  });
  afterEach(async () => {
    for (const r of running.splice(0)) expect(await r.stop()).to.equal(0);
    await rm(cwd, { recursive: true, force: true });
  });

  it('exits non-zero at once with one message naming every bad variable', async () => {
    const outcome = expectExit(
      await runRecorderCli(
        [],
        {
          SIP_PORT: 'abc',
          RTP_PORT_MIN: '5',
          SRTP_POLICY: 'maybe',
          ALLOWED_SOURCES: '10.0.0.0/99',
          TLS_CA_FILE: join(cwd, 'ca.pem'),
          HTTP_PORT: '0',
        },
        cwd,
      ),
    );
    expect(outcome.code).to.be.a('number').and.not.equal(0);
    expect(outcome.ms).to.be.below(10_000);
    const message = outcome.stderr.trim();
    expect(message.split('\n'), message).to.have.length(1);
    for (const name of ['SIP_PORT', 'RTP_PORT_MIN', 'SRTP_POLICY', 'ALLOWED_SOURCES', 'TLS_CA_FILE'])
      expect(message).to.contain(name);
    expect(message).to.not.contain('HTTP_PORT');
    expect(outcome.stdout).to.not.contain('recorder started');
  });

  it('reports bad flag values and unknown flags by name, the same way', async () => {
    const outcome = expectExit(
      await runRecorderCli(['--sip-port', 'abc', '--srtp-policy=maybe', '--sip-prot', '5060'], {}, cwd),
    );
    expect(outcome.code).to.not.equal(0);
    const message = outcome.stderr.trim();
    expect(message.split('\n')).to.have.length(1);
    expect(message).to.contain('--sip-prot');
  });

  it('starts from flags alone (--sip-port 0 --http-port 0), and a flag wins over its variable', async () => {
    const rtp = allocateRtpRange();
    const started = await expectStarted(
      await runRecorderCli(
        [
          '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', '0',
          `--rtp-port-min=${rtp.min}`, `--rtp-port-max=${rtp.max}`, '--recording-dir', join(cwd, 'rec'),
        ], // prettier-ignore
        { SIP_PORT: 'abc', LOG_LEVEL: 'info' },
        cwd,
      ),
    );
    running.push(started);
    const sip = Number(started.info.sip);
    const http = Number(started.info.http);
    expect(sip).to.be.above(0);
    expect(http).to.be.above(0).and.not.equal(8080);
    expect((await fetch(`http://127.0.0.1:${http}/readyz`)).status).to.equal(200);
    expect(await optionsStatus(sip)).to.equal('SIP/2.0 200 OK');
    expect((await stat(join(cwd, 'rec'))).isDirectory()).to.equal(true);
  });

  it('documents every README variable in --help, with its flag', async () => {
    const outcome = expectExit(await runRecorderCli(['--help'], {}, cwd));
    expect(outcome.code).to.equal(0);
    const variables = await readmeVariables();
    expect(variables).to.include.members([
      'SIP_PORT',
      'TLS_CA_FILE',
      'MAX_CONCURRENT_CALLS',
      'ALLOWED_SOURCES',
    ]);
    for (const name of variables) {
      expect(outcome.stdout, name).to.contain(name);
      expect(outcome.stdout, name).to.contain(`--${name.toLowerCase().replace(/_/g, '-')}`);
    }
  });

  it('starts with the make-run defaults (bound to 127.0.0.1, ports 0), recording under ./recordings', async () => {
    const started = await expectStarted(
      await runRecorderCli([], { SIP_HOST: '127.0.0.1', SIP_PORT: '0', HTTP_PORT: '0' }, cwd),
    );
    running.push(started);
    const http = Number(started.info.http);
    expect((await fetch(`http://127.0.0.1:${http}/healthz`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${http}/readyz`)).status).to.equal(200);
    expect(await optionsStatus(Number(started.info.sip))).to.equal('SIP/2.0 200 OK');
    expect((await stat(join(cwd, 'recordings'))).isDirectory()).to.equal(true);
  });

  it('records a two-stream call with the smallest RTP range it accepts (two pairs), whatever MEDIA_WORKERS', async () => {
    const rtp = allocateRtpRange(4);
    const recorder = await startRecorder({
      RTP_PORT_MIN: String(rtp.min),
      RTP_PORT_MAX: String(rtp.max),
      MEDIA_WORKERS: '2',
    });
    const peer = await SipPeer.open(recorder.sipPort);
    try {
      const call = peer.newCall();
      const ok = await call.request('INVITE', {
        headers: [['Require', 'siprec']],
        body: sdpOffer({ port: 45_000 }),
      });
      expect(ok.status, ok.startLine).to.equal(200);
      expect(ok.body.match(/^m=audio [1-9]\d* /gm)).to.have.length(2);
      call.ack();
      expect((await call.request('BYE')).status).to.equal(200);
    } finally {
      peer.close();
      await recorder.stop();
    }
  });
});
