/**
 * SIP over TLS (RFC 3261 §26.2.1, INTEROP.md §12): like TCP, over TLS 1.2 or newer. With a CA file, clients must
 * present a certificate signed by it (mutual TLS) and outbound connections verify the server against it.
 */
import { readFile } from 'node:fs/promises';
import { isIP, type Server, type Socket } from 'node:net';
import { connect, createServer, type SecureContextOptions } from 'node:tls';
import { SipTransportError } from './errors.js';
import { StreamTransport, whenReady, type StreamTransportOptions } from './stream-transport.js';

/** Where the TLS material is (DESIGN.md §9: TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set: client certificates are required and verified, and outbound servers are verified against it. */
  readonly caFile?: string;
}

/** Options of {@link TlsTransport}. */
export interface TlsTransportOptions extends StreamTransportOptions {
  readonly files: TlsFiles;
  /** How long an inbound handshake may take before the socket is dropped. */
  readonly handshakeTimeoutMs?: number;
}

/** The TLS listener and outbound TLS connections. */
export class TlsTransport extends StreamTransport {
  readonly #tlsOptions: TlsTransportOptions;
  #material: SecureContextOptions | undefined;

  constructor(options: TlsTransportOptions) {
    super(options);
    this.#tlsOptions = options;
  }

  override get protocol(): 'tls' {
    return 'tls';
  }

  protected override async createServer(accept: (socket: Socket) => void): Promise<Server> {
    const material = await this.#load();
    const requireClientCert = material.ca !== undefined;
    const server = createServer(
      {
        ...material,
        minVersion: 'TLSv1.2',
        requestCert: requireClientCert,
        rejectUnauthorized: requireClientCert,
        handshakeTimeout: this.#tlsOptions.handshakeTimeoutMs ?? 10_000,
      },
      accept,
    );
    // Refused handshakes (no or untrusted client certificate, TLS < 1.2, garbage) never reach `accept`.
    server.on('tlsClientError', () => this.options.counters.handshakeFailures++);
    return server;
  }

  /**
   * Outbound: we present our certificate (the peer may require mutual TLS too) and verify the server — against
   * the CA file when one is configured, else against Node's default roots; never unverified.
   */
  protected override async connect(address: string, port: number, timeoutMs: number): Promise<Socket> {
    const material = await this.#load();
    const socket = connect({
      ...material,
      host: address,
      port,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      servername: isIP(address) === 0 ? address : undefined,
    });
    socket.on('error', () => {
      // Reported through whenReady's rejection; this only keeps a late error from being unhandled.
    });
    return whenReady(socket, 'secureConnect', timeoutMs).catch((err: unknown) => {
      // System errors (ECONNREFUSED, EHOSTUNREACH…) are not handshake failures; certificate errors are.
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) this.options.counters.handshakeFailures++;
      throw err;
    });
  }

  async #load(): Promise<SecureContextOptions> {
    if (this.#material !== undefined) return this.#material;
    const { certFile, keyFile, caFile } = this.#tlsOptions.files;
    try {
      const [cert, key, ca] = await Promise.all([
        readFile(certFile),
        readFile(keyFile),
        caFile === undefined ? undefined : readFile(caFile),
      ]);
      this.#material = ca === undefined ? { cert, key } : { cert, key, ca };
      return this.#material;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new SipTransportError('SIP_TRANSPORT_START_FAILED', `cannot load TLS material: ${reason}`, {
        cause: err,
      });
    }
  }
}
