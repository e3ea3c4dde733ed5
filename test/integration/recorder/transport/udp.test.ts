import { expect } from 'chai';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { TransportManager } from '../../../../recorder/src/sip/transport/transport-manager.js';
import { loadVector } from '../../../support/sip-transport/fixtures.js';
import {
  optionsRequest,
  startEchoHarness,
  waitUntil,
  type EchoHarness,
} from '../../../support/sip-transport/echo-harness.js';

/** A UDP peer bound on loopback that collects datagrams. */
async function udpPeer(type: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: UdpSocket; got: Buffer[] }> {
  const socket = createSocket(type);
  const got: Buffer[] = [];
  socket.on('message', (msg) => got.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
  return { socket, got };
}

describe('UDP transport (real sockets on loopback)', () => {
  let harness: EchoHarness;
  let peer: { socket: UdpSocket; got: Buffer[] };

  beforeEach(async () => {
    harness = await startEchoHarness();
    peer = await udpPeer();
  });
  afterEach(async () => {
    peer.socket.close();
    await harness.stop();
  });

  it('shares one real port between UDP and TCP when SIP_PORT is 0', () => {
    const { udp, tcp, tls } = harness.manager.addresses;
    expect(udp.port).to.be.greaterThan(0);
    expect(tcp.port).to.equal(udp.port);
    expect(udp.address).to.equal('127.0.0.1');
    expect(tls).to.equal(undefined);
  });

  it('delivers a real 5.7 KB SIPREC INVITE and a request round trip, answering to the source address', async () => {
    const { port } = harness.manager.addresses.udp;
    const invite = loadVector('vorpal-oracle-genesys-4stream-invite.sip');
    peer.socket.send(invite, port, '127.0.0.1');
    peer.socket.send(optionsRequest('udp-rt-1', 'UDP'), port, '127.0.0.1');
    await harness.waitForMessages(2);
    await waitUntil(() => peer.got.length >= 2);
    const [first, second] = harness.received;
    expect(first!.data.equals(invite)).to.equal(true);
    expect(first!.source).to.deep.include({ protocol: 'udp', remoteAddress: '127.0.0.1', localPort: port });
    expect(first!.source.remotePort).to.equal(peer.socket.address().port);
    expect(first!.source.connectionId).to.equal(undefined);
    expect(second!.data.toString()).to.include('Call-ID: udp-rt-1');
    const answers = peer.got.map((b) => b.toString());
    expect(answers.some((a) => /^SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: udp-rt-1\r\n/.test(a))).to.equal(true);
    expect(harness.manager.counters.udp).to.deep.include({ messagesIn: 2, messagesOut: 2 });
  });

  it('drops CRLF keep-alive datagrams without bothering the SIP core', async () => {
    const { port } = harness.manager.addresses.udp;
    peer.socket.send(Buffer.from('\r\n\r\n'), port, '127.0.0.1');
    peer.socket.send(Buffer.from('\r\n'), port, '127.0.0.1');
    peer.socket.send(optionsRequest('after-keepalive', 'UDP'), port, '127.0.0.1');
    await harness.waitForMessages(1);
    await waitUntil(() => harness.manager.counters.udp.keepAlivesIn === 2);
    expect(harness.received).to.have.length(1);
    expect(harness.received[0]!.data.toString()).to.include('Call-ID: after-keepalive');
  });

  it('raises the socket buffers above the kernel default for INVITE bursts', () => {
    const { receive, send } = harness.manager.udpBufferSizes;
    // Linux default is 212992; we ask for 4 MiB (capped by net.core.rmem_max).
    expect(receive).to.be.greaterThan(212_992);
    expect(send).to.be.greaterThan(212_992);
  });

  it('refuses to send what no datagram can carry, with the contract error code', async () => {
    const error = await harness.manager
      .send(Buffer.alloc(70_000, 0x61), { protocol: 'udp', address: '127.0.0.1', port: 9 })
      .then(
        () => undefined,
        (err: unknown) => err as { code?: string },
      );
    expect(error?.code).to.equal('SIP_TRANSPORT_SEND_FAILED');
    expect(harness.manager.counters.udp.sendFailures).to.equal(1);
  });
});

describe('UDP + TCP on IPv6 (::1)', () => {
  it('binds an IPv6 host and round-trips a request', async () => {
    const harness = await startEchoHarness({ host: '::1' });
    const peer = await udpPeer('udp6');
    try {
      const { address, port } = harness.manager.addresses.udp;
      expect(address).to.equal('::1');
      peer.socket.send(optionsRequest('v6-1', 'UDP'), port, '::1');
      await harness.waitForMessages(1);
      expect(harness.received[0]!.source.remoteAddress).to.equal('::1');
      await waitUntil(() => peer.got.length === 1);
      expect(peer.got[0]!.toString()).to.match(/^SIP\/2\.0 200 OK/);
    } finally {
      peer.socket.close();
      await harness.stop();
    }
  });
});

describe('TransportManager life cycle', () => {
  it('rejects sends before start and after stop, and stop() is idempotent', async () => {
    const manager = new TransportManager({ host: '127.0.0.1', port: 0, sink: () => undefined });
    const codeOf = (p: Promise<void>): Promise<unknown> =>
      p.then(
        () => 'sent',
        (err: unknown) => (err as { code?: string }).code,
      );
    expect(
      await codeOf(manager.send(Buffer.from('x'), { protocol: 'udp', address: '127.0.0.1', port: 9 })),
    ).to.equal('SIP_TRANSPORT_SEND_FAILED');
    await manager.start();
    await manager.stop();
    await manager.stop();
    expect(
      await codeOf(manager.send(Buffer.from('x'), { protocol: 'tcp', address: '127.0.0.1', port: 9 })),
    ).to.equal('SIP_TRANSPORT_SEND_FAILED');
  });

  it('fails start() with SIP_TRANSPORT_START_FAILED when the port is taken, leaving nothing bound', async () => {
    const first = await startEchoHarness();
    const port = first.manager.addresses.udp.port;
    const second = new TransportManager({ host: '127.0.0.1', port, sink: () => undefined });
    try {
      const error = await second.start().then(
        () => undefined,
        (err: unknown) => err as { code?: string },
      );
      expect(error?.code).to.equal('SIP_TRANSPORT_START_FAILED');
    } finally {
      await second.stop();
      await first.stop();
    }
    // The port is free again once both are stopped.
    const again = new TransportManager({ host: '127.0.0.1', port, sink: () => undefined });
    await again.start();
    await again.stop();
  });

  it('fails start() when the TLS files cannot be read', async () => {
    const manager = new TransportManager({
      host: '127.0.0.1',
      port: 0,
      sink: () => undefined,
      tls: { port: 0, certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' },
    });
    const error = await manager.start().then(
      () => undefined,
      (err: unknown) => err as { code?: string; message: string },
    );
    expect(error?.code).to.equal('SIP_TRANSPORT_START_FAILED');
    // Cert, key (and CA) are read together: whichever is missing first is named.
    expect(error?.message).to.match(/\/nonexistent\/(cert|key)\.pem/);
    await manager.stop();
  });
});
