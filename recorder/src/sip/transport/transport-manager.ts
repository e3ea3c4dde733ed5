/**
 * The transport layer the SIP core talks to: UDP and TCP on SIP_PORT, TLS on SIP_TLS_PORT when TLS material is
 * configured (DESIGN.md §9), started and stopped together, with one send() that dispatches by protocol.
 */
import { randomBytes } from 'node:crypto';
import { ConnectionRegistry } from './connection-registry.js';
import { SipTransportError, sendFailed } from './errors.js';
import type { StreamConnectionLimits } from './stream-connection.js';
import { DEFAULT_MAX_CONNECTIONS } from './stream-transport.js';
import { TcpTransport } from './tcp-transport.js';
import { TlsTransport, type TlsFiles } from './tls-transport.js';
import { createTransportCounters, type TransportCounters } from './transport-counters.js';
import type { MessageSink, SendTarget, SipTransportLayer } from './types.js';
import { UdpTransport } from './udp-transport.js';

/** Options of {@link TransportManager}; the config loader maps the SIP_* and TLS_* variables onto them. */
export interface TransportManagerOptions {
  /** SIP_HOST: bind address of every socket (IPv4 or IPv6). */
  readonly host: string;
  /** SIP_PORT: UDP and TCP. 0 picks one free port number that both protocols then share. */
  readonly port: number;
  /** TLS is on when this is given: SIP_TLS_PORT (0 = free port) and the TLS_* files. */
  readonly tls?: TlsFiles & { readonly port: number };
  /** Receives every inbound message. Called synchronously from the socket loop; must not block. */
  readonly sink: MessageSink;
  /** Per-connection limits (framing sizes, idle timeout, buffered bytes). */
  readonly limits?: Partial<StreamConnectionLimits>;
  /** Cap on TCP + TLS connections together (default 10 000). */
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
  /** UDP socket receive/send buffer size request. */
  readonly udpBufferBytes?: number;
  /** Randomness (To-tags of framing-error answers); injectable for tests. */
  readonly randomBytes?: (size: number) => Buffer;
  /** Sink exceptions and late socket errors; the socket loops go on. */
  readonly onError?: (error: unknown) => void;
}

/** A bound address. */
export interface BoundAddress {
  readonly address: string;
  readonly port: number;
}

/** The local addresses for Via and Contact. */
export interface TransportAddresses {
  readonly udp: BoundAddress;
  readonly tcp: BoundAddress;
  readonly tls: BoundAddress | undefined;
}

/** How many times a free port for UDP+TCP is looked for before giving up (port 0 only). */
const PORT_PAIR_ATTEMPTS = 20;

/** UDP + TCP + TLS behind the {@link SipTransportLayer} contract. */
export class TransportManager implements SipTransportLayer {
  /** Per-protocol counters; read them into the metrics registry. */
  readonly counters: TransportCounters = createTransportCounters();
  readonly #options: TransportManagerOptions;
  readonly #registry: ConnectionRegistry;
  readonly #udp: UdpTransport;
  readonly #tcp: TcpTransport;
  readonly #tls: TlsTransport | undefined;
  #running = false;
  #starting: Promise<void> | undefined;

  constructor(options: TransportManagerOptions) {
    this.#options = options;
    this.#registry = new ConnectionRegistry(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    const random = options.randomBytes ?? randomBytes;
    const newTag = (): string => random(8).toString('hex');
    const stream = {
      host: options.host,
      sink: options.sink,
      registry: this.#registry,
      limits: options.limits,
      maxConnections: options.maxConnections,
      connectTimeoutMs: options.connectTimeoutMs,
      newTag,
      onError: options.onError,
    };
    this.#udp = new UdpTransport({
      host: options.host,
      port: options.port,
      sink: options.sink,
      counters: this.counters.udp,
      receiveBufferBytes: options.udpBufferBytes,
      sendBufferBytes: options.udpBufferBytes,
      onError: options.onError,
    });
    this.#tcp = new TcpTransport({ ...stream, port: options.port, counters: this.counters.tcp });
    this.#tls =
      options.tls === undefined
        ? undefined
        : new TlsTransport({
            ...stream,
            port: options.tls.port,
            counters: this.counters.tls,
            files: options.tls,
          });
  }

  /** Binds every socket; resolves when all listen. On failure nothing stays bound. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Real local addresses (after `start()`; ports are the bound ones even when 0 was asked). */
  get addresses(): TransportAddresses {
    return { udp: this.#udp.address, tcp: this.#tcp.address, tls: this.#tls?.address };
  }

  /** The UDP socket's kernel buffer sizes (Linux reports twice the size set, bookkeeping included). */
  get udpBufferSizes(): { readonly receive: number; readonly send: number } {
    return this.#udp.bufferSizes;
  }

  /** Live TCP + TLS connections. */
  get connectionCount(): number {
    return this.#registry.size;
  }

  /** Bytes held by all stream connections (incomplete inbound messages, unsent outbound data). */
  get bufferedBytes(): number {
    let total = 0;
    for (const connection of this.#registry.all()) total += connection.bufferedBytes;
    return total;
  }

  /** Whether a stream connection with this id is still open. */
  isConnected(connectionId: string): boolean {
    return this.#registry.get(connectionId) !== undefined;
  }

  /**
   * RFC 5923: after a request whose top Via has `alias`, requests to that Via's host:port reuse the connection
   * it came on. Returns false when the connection is gone.
   */
  aliasConnection(connectionId: string, address: string, port: number): boolean {
    return this.#registry.alias(connectionId, address, port);
  }

  /** Sends over the target's protocol; see {@link SipTransportLayer.send}. */
  send(data: Buffer, target: SendTarget): Promise<void> {
    if (!this.#running) return Promise.reject(sendFailed('transports are not running'));
    switch (target.protocol) {
      case 'udp':
        return this.#udp.send(data, target);
      case 'tcp':
        return this.#tcp.send(data, target);
      case 'tls':
        if (this.#tls === undefined) {
          this.counters.tls.sendFailures++;
          return Promise.reject(sendFailed('TLS is not configured (TLS_CERT_FILE / TLS_KEY_FILE)'));
        }
        return this.#tls.send(data, target);
    }
  }

  /** Closes every socket and connection (idempotent). */
  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    this.#running = false;
    this.#starting = undefined;
    await Promise.all([this.#udp.stop(), this.#tcp.stop(), this.#tls?.stop()]);
  }

  async #start(): Promise<void> {
    try {
      await this.#startUdpAndTcp();
      await this.#tls?.start();
      this.#running = true;
    } catch (err) {
      await Promise.all([this.#udp.stop(), this.#tcp.stop(), this.#tls?.stop()]);
      this.#starting = undefined;
      throw err;
    }
  }

  /** Via carries one port for both, so with port 0 TCP picks it and UDP must get the same number. */
  async #startUdpAndTcp(): Promise<void> {
    if (this.#options.port !== 0) {
      await this.#udp.start();
      await this.#tcp.start();
      return;
    }
    for (let attempt = 1; ; attempt++) {
      await this.#tcp.start(0);
      try {
        await this.#udp.start(this.#tcp.address.port);
        return;
      } catch (err) {
        await this.#tcp.stop();
        const cause =
          err instanceof SipTransportError ? (err.cause as { code?: unknown } | undefined) : undefined;
        if (cause?.code !== 'EADDRINUSE' || attempt >= PORT_PAIR_ATTEMPTS) throw err;
      }
    }
  }
}
