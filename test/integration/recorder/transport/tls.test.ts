import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { makeTestPki, type CertFiles, type TestPki } from '../../../support/sip-transport/certs.js';
import {
  RawPeer,
  optionsRequest,
  startEchoHarness,
  waitUntil,
  type EchoHarness,
} from '../../../support/sip-transport/echo-harness.js';

/** Connects a TLS client (an SRC) to the SRS, with or without a client certificate. */
async function tlsClient(
  port: number,
  pki: TestPki,
  cert?: CertFiles,
): Promise<{ peer: RawPeer; error?: Error }> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    ca: readFileSync(pki.caFile),
    cert: cert === undefined ? undefined : readFileSync(cert.certFile),
    key: cert === undefined ? undefined : readFileSync(cert.keyFile),
  });
  const peer = new RawPeer(socket);
  const error = await new Promise<Error | undefined>((resolve) => {
    socket.once('secureConnect', () => resolve(undefined));
    socket.once('error', resolve);
  });
  return { peer, error };
}

describe('TLS transport (openssl-made certificates, real sockets)', function () {
  let pki: TestPki;

  before(() => {
    pki = makeTestPki();
  });
  after(() => pki.remove());

  describe('with TLS_CA_FILE: client certificates required', () => {
    let harness: EchoHarness;
    const peers: RawPeer[] = [];

    beforeEach(async () => {
      harness = await startEchoHarness({ tls: { port: 0, ...pki.srs, caFile: pki.caFile } });
    });
    afterEach(async () => {
      for (const peer of peers.splice(0)) peer.destroy();
      await harness.stop();
    });

    it('accepts an SRC with a certificate from the CA and answers on the TLS connection', async () => {
      const tlsPort = harness.manager.addresses.tls!.port;
      expect(tlsPort).to.be.greaterThan(0).and.not.equal(harness.manager.addresses.tcp.port);
      const { peer, error } = await tlsClient(tlsPort, pki, pki.src);
      peers.push(peer);
      expect(error).to.equal(undefined);
      expect(['TLSv1.2', 'TLSv1.3']).to.include((peer.socket as TLSSocket).getProtocol());
      peer.write(optionsRequest('tls-mutual-1', 'TLS'));
      await peer.waitFor(/^SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: tls-mutual-1\r\n/);
      expect(harness.received[0]!.source).to.deep.include({ protocol: 'tls', remoteAddress: '127.0.0.1' });
      expect(harness.received[0]!.source.connectionId).to.match(/^tls-\d+$/);
    });

    for (const [label, cert] of [
      ['without a certificate', undefined],
      ['with a certificate from another CA', 'rogue'],
    ] as const) {
      it(`refuses an SRC ${label}: its request never reaches the SIP core`, async () => {
        const { peer } = await tlsClient(
          harness.manager.addresses.tls!.port,
          pki,
          cert === undefined ? undefined : pki.rogueSrc,
        );
        peers.push(peer);
        // With TLS 1.3 the client may think it is connected until the server's alert arrives; try anyway.
        if (!peer.closed) peer.write(optionsRequest('tls-refused', 'TLS'));
        await peer.waitClosed();
        expect(peer.text).to.equal('');
        expect(harness.received).to.have.length(0);
        await waitUntil(() => harness.manager.counters.tls.handshakeFailures === 1);
        expect(harness.manager.connectionCount).to.equal(0);
      });
    }

    it('verifies the SRC’s server certificate against the CA on outbound connections and presents ours', async () => {
      const accepted: TLSSocket[] = [];
      const src: Server = createServer(
        {
          cert: readFileSync(pki.src.certFile),
          key: readFileSync(pki.src.keyFile),
          ca: readFileSync(pki.caFile),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (socket) => accepted.push(socket),
      );
      await new Promise<void>((resolve) => src.listen(0, '127.0.0.1', resolve));
      try {
        const port = (src.address() as { port: number }).port;
        await harness.manager.send(optionsRequest('tls-out-1', 'TLS'), {
          protocol: 'tls',
          address: '127.0.0.1',
          port,
        });
        await waitUntil(() => accepted.length === 1);
        const srcSide = new RawPeer(accepted[0]!);
        peers.push(srcSide);
        await srcSide.waitFor(/Call-ID: tls-out-1/);
        expect(accepted[0]!.authorized).to.equal(true);
        expect(accepted[0]!.getPeerCertificate().subject.CN).to.equal('srs.test');
        // The SRC's own request back on that connection reaches the core as a TLS message on it.
        srcSide.write(optionsRequest('tls-back-1', 'TLS'));
        await harness.waitForMessages(1);
        expect(harness.received[0]!.source.connectionId).to.match(/^tls-\d+$/);
        await srcSide.waitFor(/SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: tls-back-1/);
      } finally {
        src.close();
      }
    });

    it('refuses to send to a server whose certificate the CA did not sign', async () => {
      const rogue: Server = createServer({
        cert: readFileSync(pki.rogueSrc.certFile),
        key: readFileSync(pki.rogueSrc.keyFile),
      });
      rogue.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
      try {
        const port = (rogue.address() as { port: number }).port;
        const error = await harness.manager
          .send(optionsRequest('tls-rogue', 'TLS'), { protocol: 'tls', address: '127.0.0.1', port })
          .then(
            () => undefined,
            (err: unknown) => err as { code?: string; message: string },
          );
        expect(error?.code).to.equal('SIP_TRANSPORT_SEND_FAILED');
        expect(error?.message).to.match(/certificate/i);
        expect(harness.manager.connectionCount).to.equal(0);
      } finally {
        rogue.close();
      }
    });
  });

  describe('without TLS_CA_FILE', () => {
    it('accepts an SRC that presents no certificate', async () => {
      const harness = await startEchoHarness({ tls: { port: 0, ...pki.srs } });
      const { peer, error } = await tlsClient(harness.manager.addresses.tls!.port, pki);
      try {
        expect(error).to.equal(undefined);
        peer.write(optionsRequest('tls-nocert-ok', 'TLS'));
        await peer.waitFor(/^SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: tls-nocert-ok/);
      } finally {
        peer.destroy();
        await harness.stop();
      }
    });

    it('stops at once even with a client stuck before its handshake', async () => {
      const harness = await startEchoHarness({ tls: { port: 0, ...pki.srs } });
      const stuck = await RawPeer.connect(harness.manager.addresses.tls!.port);
      try {
        const started = performance.now();
        await harness.stop();
        expect(performance.now() - started).to.be.lessThan(1000);
        await stuck.waitClosed();
      } finally {
        stuck.destroy();
      }
    });

    it('refuses clients that offer only TLS 1.1 or older', async () => {
      const harness = await startEchoHarness({ tls: { port: 0, ...pki.srs } });
      const socket = connect({
        host: '127.0.0.1',
        port: harness.manager.addresses.tls!.port,
        ca: readFileSync(pki.caFile),
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      });
      try {
        const error = await new Promise<Error | undefined>((resolve) => {
          socket.once('secureConnect', () => resolve(undefined));
          socket.once('error', resolve);
        });
        expect(error).to.be.instanceOf(Error);
        // Refused by our server (minVersion TLSv1.2), not by the client's own library.
        await waitUntil(() => harness.manager.counters.tls.handshakeFailures === 1);
        expect(harness.received).to.have.length(0);
      } finally {
        socket.destroy();
        await harness.stop();
      }
    });
  });
});
