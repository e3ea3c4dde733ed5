import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../../support/sip-transport/fixtures.js';
import { startEchoHarness, type EchoHarness } from '../../../support/sip-transport/echo-harness.js';

const SCENARIO = resolve(repoRoot, 'test/fixtures/sip-transport/sipp-options-then-large-message.xml');
const CALLS = 100;

/** A port that was free a moment ago (SIPp needs an explicit local port). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('a real SIPp peer against the transports (echo harness answering 200)', function () {
  let harness: EchoHarness;
  let workDir: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    harness = await startEchoHarness();
    workDir = mkdtempSync(join(tmpdir(), 'sipp-transport-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await harness.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs SIPp to completion; resolves with its exit code and output tail. */
  const runSipp = async (transport: 't1' | 'u1'): Promise<{ code: number | null; output: string }> => {
    const args = [
      `127.0.0.1:${harness.manager.addresses.tcp.port}`,
      ...['-sf', SCENARIO, '-t', transport, '-m', String(CALLS), '-r', '200', '-l', '20'],
      ...['-i', '127.0.0.1', '-p', String(await freePort()), '-nostdin', '-trace_err'],
      ...['-timeout', '30s', '-timeout_error', '-max_socket', '16'],
    ];
    const child = spawn('sipp', args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    return { code, output };
  };

  it(`frames ${CALLS} OPTIONS + 4 KB requests from sipp -t t1 on one TCP connection and answers on it`, async () => {
    const { code, output } = await runSipp('t1');
    expect(code, output).to.equal(0);
    expect(harness.received).to.have.length(2 * CALLS);
    const connections = new Set(harness.received.map((r) => r.source.connectionId));
    expect([...connections]).to.have.length(1);
    const large = harness.received.filter((r) => r.data.toString('latin1').startsWith('MESSAGE '));
    expect(large).to.have.length(CALLS);
    for (const { data } of large) {
      const text = data.toString('latin1');
      const length = Number(/Content-Length:\s*(\d+)/.exec(text)?.[1]);
      expect(length).to.be.greaterThan(4000);
      expect(data.length - (text.indexOf('\r\n\r\n') + 4)).to.equal(length);
      expect(text.trimEnd().endsWith('</recording>')).to.equal(true);
    }
    expect(harness.manager.counters.tcp).to.deep.include({ framingErrors: 0, messagesOut: 2 * CALLS });
  });

  it(`round-trips the same scenario over UDP (sipp -t u1), answering each datagram's source`, async () => {
    const { code, output } = await runSipp('u1');
    expect(code, output).to.equal(0);
    expect(harness.received.filter((r) => r.source.protocol === 'udp')).to.have.length(2 * CALLS);
  });
});
