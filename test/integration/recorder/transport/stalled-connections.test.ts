import { expect } from 'chai';
import { loadVector } from '../../../support/sip-transport/fixtures.js';
import {
  RawPeer,
  optionsRequest,
  startEchoHarness,
  waitUntil,
  type EchoHarness,
} from '../../../support/sip-transport/echo-harness.js';

const STALLED = 200;
const MiB = 1024 * 1024;
const RESPONSIVE_MS = 5000;

/** Buffers (Node's arrayBuffers) and heap of this process, where the transport under test lives. */
const memory = (): number => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

describe('TCP transport under 200 stalled connections (slowloris)', function () {
  let harness: EchoHarness;
  const peers: RawPeer[] = [];

  before(async () => {
    harness = await startEchoHarness();
  });
  after(async () => {
    for (const peer of peers.splice(0)) peer.destroy();
    await harness.stop();
  });

  /** OPTIONS round trip on a fresh connection, in ms. */
  const probe = async (callId: string): Promise<number> => {
    const started = performance.now();
    const peer = await RawPeer.connect(harness.manager.addresses.tcp.port);
    try {
      peer.write(optionsRequest(callId));
      await peer.waitFor(new RegExp(`200 OK[\\s\\S]*Call-ID: ${callId}\\r\\n`), RESPONSIVE_MS);
      return performance.now() - started;
    } finally {
      peer.destroy();
    }
  };

  it('stays responsive while 200 connections each hold half an INVITE header', async () => {
    const invite = loadVector('gotest-audiocodes-mediant-ve-7.20A-full-invite.sip');
    const half = invite.subarray(0, invite.indexOf('\r\n\r\n') >> 1);
    const before = memory();
    for (let i = 0; i < STALLED; i++) {
      const peer = await RawPeer.connect(harness.manager.addresses.tcp.port);
      peers.push(peer);
      peer.write(half);
    }
    await waitUntil(
      () =>
        harness.manager.connectionCount === STALLED &&
        harness.manager.counters.tcp.bytesIn >= STALLED * half.length,
    );
    // Responsive = an OPTIONS on a fresh connection is answered at all while the others stall (a transport that
    // waits on them never answers); the bound leaves room for a loaded CI host, speed is the benchmarks' job.
    const rtt = await probe('while-stalled');
    expect(rtt).to.be.lessThan(RESPONSIVE_MS);
    // Each stalled connection holds its ~300 bytes in a 1 KiB buffer plus socket state.
    expect(harness.manager.bufferedBytes).to.be.at.most(STALLED * 1024);
    expect(memory() - before).to.be.lessThan(8 * MiB);
    expect(harness.received.map((r) => r.data.toString()).join()).to.not.include(
      'Call-ID: 1974564438218202316425',
    );
  });

  it('bounds each connection at the 64 KiB header limit, then closes all 200 without answering', async () => {
    const filler = Buffer.from('X-Stall: ' + 's'.repeat(1014) + '\r\n'); // 1 KiB lines
    const before = memory();
    // Up to just under the limit: the transport must hold it (a legitimate huge header), but no more.
    for (const peer of peers) for (let i = 0; i < 62; i++) peer.write(filler);
    await waitUntil(() => harness.manager.counters.tcp.bytesIn >= STALLED * 62 * filler.length, 10_000);
    // What the transport holds: at most the 64 KiB limit per connection.
    expect(harness.manager.bufferedBytes).to.be.at.most(STALLED * 64 * 1024);
    // The whole process (our test peers and not yet collected garbage included) stays within a loose bound.
    expect(memory() - before).to.be.lessThan(64 * MiB);
    expect(await probe('while-full')).to.be.lessThan(RESPONSIVE_MS);

    for (const peer of peers) for (let i = 0; i < 4; i++) peer.write(filler);
    await waitUntil(() => peers.every((p) => p.closed), 10_000);
    expect(peers.every((p) => p.text === '')).to.equal(true);
    expect(harness.manager.counters.tcp.framingErrors).to.equal(STALLED);
    expect(harness.manager.counters.tcp.framingErrorResponses).to.equal(0);
    await waitUntil(() => harness.manager.connectionCount === 0);
    expect(await probe('after-flood')).to.be.lessThan(RESPONSIVE_MS);
  });
});
