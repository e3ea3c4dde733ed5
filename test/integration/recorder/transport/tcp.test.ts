import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { bigMessage, loadFixture } from '../../../support/sip-transport/fixtures.js';
import {
  RawPeer,
  optionsRequest,
  startEchoHarness,
  waitUntil,
  type EchoHarness,
} from '../../../support/sip-transport/echo-harness.js';

/** A peer that listens (as an SRC does for requests from the SRS) and wraps each accepted socket. */
async function listeningPeer(): Promise<{ server: Server; peers: RawPeer[]; port: number }> {
  const peers: RawPeer[] = [];
  const server = createServer((socket: Socket) => peers.push(new RawPeer(socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, peers, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

const codeOf = (p: Promise<void>): Promise<unknown> =>
  p.then(
    () => 'sent',
    (err: unknown) => (err as { code?: string }).code,
  );

describe('TCP transport (real sockets on loopback)', () => {
  let harness: EchoHarness;
  const cleanups: (() => void)[] = [];

  beforeEach(async () => {
    harness = await startEchoHarness();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await harness.stop();
  });

  const connect = async (): Promise<RawPeer> => {
    const peer = await RawPeer.connect(harness.manager.addresses.tcp.port);
    cleanups.push(() => peer.destroy());
    return peer;
  };

  it('receives a 100 KiB message and answers on the same connection', async () => {
    const peer = await connect();
    const message = bigMessage(100 * 1024, 'big-tcp-1');
    for (let i = 0; i < message.length; i += 7000) peer.write(message.subarray(i, i + 7000));
    await harness.waitForMessages(1);
    const { data, source } = harness.received[0]!;
    expect(data.equals(message)).to.equal(true);
    expect(source.protocol).to.equal('tcp');
    expect(source.connectionId).to.match(/^tcp-\d+$/);
    expect(source.remotePort).to.equal(peer.socket.localPort);
    await peer.waitFor(/SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: big-tcp-1\r\n[\s\S]*\r\n\r\n/);
    expect(harness.manager.connectionCount).to.equal(1);
  });

  it('reuses the peer’s connection for a request to it: by id, by address:port, and by Via alias', async () => {
    const peer = await connect();
    peer.write(loadFixture('options-compact-length.sip'));
    await harness.waitForMessages(1);
    const { connectionId } = harness.received[0]!.source;
    const manager = harness.manager;
    const bye = (n: number): Buffer =>
      Buffer.from(`BYE sip:src@127.0.0.1 SIP/2.0\r\nCall-ID: reuse-${n}\r\n\r\n`);

    await manager.send(bye(1), { protocol: 'tcp', address: '127.0.0.1', port: 1, connectionId });
    await manager.send(bye(2), { protocol: 'tcp', address: '127.0.0.1', port: peer.socket.localPort! });
    // RFC 5923: the OPTIONS' Via had `;alias` with sent-by 198.51.100.7:5060.
    expect(manager.aliasConnection(connectionId!, '198.51.100.7', 5060)).to.equal(true);
    await manager.send(bye(3), { protocol: 'tcp', address: '198.51.100.7', port: 5060 });
    await peer.waitFor(/reuse-1[\s\S]*reuse-2[\s\S]*reuse-3/);
    expect(manager.connectionCount).to.equal(1);
    expect(manager.counters.tcp.connectionsOpened).to.equal(1);
  });

  it('opens a new connection when none exists, and receives the peer’s requests on it', async () => {
    const srcListener = await listeningPeer();
    cleanups.push(() => srcListener.server.close());
    const target = { protocol: 'tcp' as const, address: '127.0.0.1', port: srcListener.port };
    // Two concurrent sends to a new peer share one connect.
    await Promise.all([
      harness.manager.send(optionsRequest('out-1'), target),
      harness.manager.send(optionsRequest('out-2'), target),
    ]);
    await waitUntil(
      () => srcListener.peers.length === 1 && /out-1[\s\S]*out-2/.test(srcListener.peers[0]!.text),
    );
    const srcSide = srcListener.peers[0]!;
    cleanups.push(() => srcSide.destroy());
    expect(harness.manager.connectionCount).to.equal(1);

    srcSide.write(optionsRequest('back-on-outbound'));
    await harness.waitForMessages(1);
    const source = harness.received[0]!.source;
    expect(source.connectionId).to.match(/^tcp-\d+$/);
    expect(source.remotePort).to.equal(srcListener.port);
    await srcSide.waitFor(/SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: back-on-outbound/);

    // The connection the target named is gone: a new one is opened to the address.
    srcSide.destroy();
    await waitUntil(() => harness.manager.connectionCount === 0);
    await harness.manager.send(optionsRequest('after-close'), {
      ...target,
      connectionId: source.connectionId,
    });
    await waitUntil(() => srcListener.peers.length === 2);
    await srcListener.peers[1]!.waitFor(/after-close/);
    cleanups.push(() => srcListener.peers[1]!.destroy());
  });

  it('rejects a send to an address where nothing listens with SIP_TRANSPORT_SEND_FAILED', async () => {
    const closed = await listeningPeer();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const code = await codeOf(
      harness.manager.send(optionsRequest('nobody'), {
        protocol: 'tcp',
        address: '127.0.0.1',
        port: closed.port,
      }),
    );
    expect(code).to.equal('SIP_TRANSPORT_SEND_FAILED');
    expect(harness.manager.counters.tcp.sendFailures).to.equal(1);
  });

  it('answers a request without Content-Length with 400 and closes the connection', async () => {
    const peer = await connect();
    peer.write(loadFixture('options-no-content-length.sip'));
    await peer.waitFor(/^SIP\/2\.0 400 Bad Request\r\n/);
    expect(peer.text).to.include('Call-ID: no-content-length-1@198.51.100.7\r\n');
    expect(peer.text).to.match(/To: <sip:srs@192\.0\.2\.10>;tag=[0-9a-f]{16}\r\n/);
    await peer.waitClosed();
    expect(harness.received).to.have.length(0);
    expect(harness.manager.counters.tcp).to.deep.include({ framingErrors: 1, framingErrorResponses: 1 });
  });

  it('closes without an answer on endless headers and on a response without Content-Length', async () => {
    const endless = await connect();
    const line = 'X-Endless: ' + 'z'.repeat(1000) + '\r\n';
    endless.write('INVITE sip:srs@127.0.0.1 SIP/2.0\r\n');
    for (let i = 0; i < 80 && !endless.closed; i++) endless.write(line);
    await endless.waitClosed();
    const response = await connect();
    response.write(loadFixture('response-no-content-length.sip'));
    await response.waitClosed();
    expect(endless.text).to.equal('');
    expect(response.text).to.equal('');
    expect(harness.manager.counters.tcp).to.deep.include({ framingErrors: 2, framingErrorResponses: 0 });
  });

  it('answers a double-CRLF ping with a single CRLF pong and keeps the connection', async () => {
    const peer = await connect();
    peer.write('\r\n\r\n');
    await peer.waitFor(/^\r\n$/);
    peer.write(optionsRequest('after-ping'));
    await peer.waitFor(/^\r\nSIP\/2\.0 200 OK/);
    expect(harness.manager.counters.tcp.keepAlivesIn).to.equal(1);
  });
});

describe('TCP transport limits', () => {
  it('closes a connection silent for longer than the idle timeout', async () => {
    const harness = await startEchoHarness({ limits: { idleTimeoutMs: 300 } });
    const peer = await RawPeer.connect(harness.manager.addresses.tcp.port);
    try {
      const opened = Date.now();
      peer.write(optionsRequest('idle-1'));
      await peer.waitFor(/200 OK/);
      await peer.waitClosed(3000);
      expect(Date.now() - opened).to.be.at.least(250);
      expect(harness.manager.counters.tcp.connectionsIdleClosed).to.equal(1);
      expect(harness.manager.connectionCount).to.equal(0);
    } finally {
      peer.destroy();
      await harness.stop();
    }
  });

  it('refuses connections over the cap and accepts again once one closes', async () => {
    const harness = await startEchoHarness({ maxConnections: 3 });
    const port = harness.manager.addresses.tcp.port;
    const peers = await Promise.all([1, 2, 3].map(() => RawPeer.connect(port)));
    try {
      await waitUntil(() => harness.manager.connectionCount === 3);
      const fourth = await RawPeer.connect(port);
      peers.push(fourth);
      fourth.write(optionsRequest('over-cap'));
      await fourth.waitClosed();
      expect(fourth.text).to.equal('');
      peers[0]!.destroy();
      await waitUntil(() => harness.manager.connectionCount === 2);
      const fifth = await RawPeer.connect(port);
      peers.push(fifth);
      fifth.write(optionsRequest('under-cap'));
      await fifth.waitFor(/200 OK/);
      expect(harness.manager.counters.tcp.connectionsRejected).to.be.at.least(1);
    } finally {
      for (const peer of peers) peer.destroy();
      await harness.stop();
    }
  });

  it('closes a connection whose peer does not read once the buffered-bytes cap is passed', async () => {
    const harness = await startEchoHarness({ limits: { maxBufferedBytes: 256 * 1024 } });
    const peer = await RawPeer.connect(harness.manager.addresses.tcp.port);
    try {
      peer.socket.pause();
      peer.write(optionsRequest('slow-reader'));
      await harness.waitForMessages(1);
      const { connectionId } = harness.received[0]!.source;
      const chunk = bigMessage(60 * 1024);
      const results: unknown[] = [];
      for (let i = 0; i < 200 && harness.manager.isConnected(connectionId!); i++) {
        results.push(
          await Promise.race([
            codeOf(
              harness.manager.send(chunk, { protocol: 'tcp', address: '127.0.0.1', port: 1, connectionId }),
            ),
            new Promise((resolve) => setTimeout(() => resolve('pending'), 5)),
          ]),
        );
      }
      expect(harness.manager.isConnected(connectionId!)).to.equal(false);
      expect(harness.manager.counters.tcp.connectionsOverflowClosed).to.equal(1);
    } finally {
      peer.destroy();
      await harness.stop();
    }
  });
});
