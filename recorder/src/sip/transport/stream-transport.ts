/**
 * What TCP and TLS share: a listening server, accepted and outbound connections in the shared registry, and the
 * send rule of RFC 3261 §18.2.2 / RFC 5923 — the given connection if alive, else any connection to the same
 * address:port, else a new outbound connection that is registered so the peer's requests on it are received.
 */
import type { Server, Socket } from 'node:net';
import type { ConnectionRegistry } from './connection-registry.js';
import { SipTransportError, sendFailed } from './errors.js';
import { StreamConnection, type StreamConnectionLimits } from './stream-connection.js';
import { DEFAULT_FRAMER_LIMITS } from './stream-framer.js';
import type { ProtocolCounters } from './transport-counters.js';
import type { MessageSink, SendTarget } from './types.js';

/** Options shared by {@link TcpTransport} and {@link TlsTransport}. */
export interface StreamTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly sink: MessageSink;
  readonly counters: ProtocolCounters;
  readonly registry: ConnectionRegistry;
  readonly limits?: Partial<StreamConnectionLimits>;
  /** Largest number of connections this listener accepts (the registry caps all of them together too). */
  readonly maxConnections?: number;
  /** How long an outbound connect (and TLS handshake) may take. */
  readonly connectTimeoutMs?: number;
  /** To-tag generator for the 400 answered on framing errors. */
  readonly newTag: () => string;
  readonly onError?: (error: unknown) => void;
}

/** Defaults: 10 minutes idle (DESIGN.md: SIPREC dialogs are long), 4 MiB buffered per connection. */
export const DEFAULT_CONNECTION_LIMITS: StreamConnectionLimits = Object.freeze({
  ...DEFAULT_FRAMER_LIMITS,
  idleTimeoutMs: 10 * 60 * 1000,
  maxBufferedBytes: 4 * 1024 * 1024,
});
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Base of the TCP and TLS transports; subclasses supply the server and the outbound connect. */
export abstract class StreamTransport {
  protected readonly options: StreamTransportOptions;
  readonly #limits: StreamConnectionLimits;
  readonly #connecting = new Map<string, Promise<StreamConnection>>();
  #server: Server | undefined;
  /** Every accepted socket, including TLS ones still in their handshake, so stop() can close them all. */
  readonly #sockets = new Set<Socket>();
  #local = { address: '', port: 0 };

  protected constructor(options: StreamTransportOptions) {
    this.options = options;
    this.#limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  }

  /** 'tcp' or 'tls'. */
  abstract get protocol(): 'tcp' | 'tls';

  /** Creates the listening server; it must call `accept` for every connection ready to carry SIP. */
  protected abstract createServer(accept: (socket: Socket) => void): Promise<Server>;

  /** Opens an outbound connection; resolves once it can carry SIP (connected, handshake done). */
  protected abstract connect(address: string, port: number, timeoutMs: number): Promise<Socket>;

  /** The listening address and port (valid after `start()`). */
  get address(): { readonly address: string; readonly port: number } {
    return this.#local;
  }

  /** Listens on host:port (`port` overrides the option, used to pair TCP with UDP's port). */
  async start(port = this.options.port): Promise<void> {
    if (this.#server !== undefined) return;
    const server = await this.createServer((socket) => this.#accept(socket));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(
          new SipTransportError(
            'SIP_TRANSPORT_START_FAILED',
            `${this.protocol.toUpperCase()} listen ${this.options.host}:${port} failed: ${err.message}`,
            { cause: err },
          ),
        );
      };
      server.once('error', onError);
      server.listen({ host: this.options.host, port, backlog: 1024 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.options.onError?.(err));
    // Node closes sockets over `maxConnections` before 'connection' fires; count them too.
    server.on('drop', () => this.options.counters.connectionsRejected++);
    const bound = server.address();
    if (bound !== null && typeof bound === 'object')
      this.#local = { address: bound.address, port: bound.port };
    this.#server = server;
  }

  /** Closes the listener and every connection of this protocol (idempotent). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.options.registry.all()) {
      if (connection.protocol === this.protocol) connection.close();
    }
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  /** Sends one message by the connection rule above. Rejects with `SIP_TRANSPORT_SEND_FAILED`. */
  async send(data: Buffer, target: SendTarget): Promise<void> {
    const registry = this.options.registry;
    const byId = target.connectionId === undefined ? undefined : registry.get(target.connectionId);
    const existing =
      byId?.protocol === this.protocol ? byId : registry.find(this.protocol, target.address, target.port);
    const connection = existing ?? (await this.#open(target.address, target.port));
    await connection.write(data);
  }

  #accept(socket: Socket): void {
    const registry = this.options.registry;
    if (!registry.hasRoom || this.#server === undefined) {
      this.options.counters.connectionsRejected++;
      socket.destroy();
      return;
    }
    registry.add(this.#wrap(socket));
  }

  #wrap(socket: Socket): StreamConnection {
    return new StreamConnection(this.options.registry.nextId(this.protocol), this.protocol, socket, {
      sink: this.options.sink,
      counters: this.options.counters,
      limits: this.#limits,
      newTag: this.options.newTag,
      onError: this.options.onError,
    });
  }

  /** One connect per address:port at a time: concurrent sends to a new peer share it. */
  #open(address: string, port: number): Promise<StreamConnection> {
    const k = `${address}|${port}`;
    const pending = this.#connecting.get(k);
    if (pending !== undefined) return pending;
    const attempt = this.#connectAndRegister(address, port).finally(() => this.#connecting.delete(k));
    this.#connecting.set(k, attempt);
    return attempt;
  }

  async #connectAndRegister(address: string, port: number): Promise<StreamConnection> {
    const counters = this.options.counters;
    if (this.#server === undefined) {
      counters.sendFailures++;
      throw sendFailed(`${this.protocol} transport is not running`);
    }
    if (!this.options.registry.hasRoom) {
      counters.sendFailures++;
      counters.connectionsRejected++;
      throw sendFailed(`${this.protocol} connection cap reached; not connecting to ${address}:${port}`);
    }
    let socket: Socket;
    try {
      socket = await this.connect(address, port, this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } catch (err) {
      counters.sendFailures++;
      const reason = err instanceof Error ? err.message : String(err);
      throw sendFailed(`${this.protocol} connect to ${address}:${port} failed: ${reason}`, err);
    }
    const connection = this.#wrap(socket);
    this.options.registry.add(connection, { address, port });
    return connection;
  }
}

/**
 * Resolves with the socket once `readyEvent` fires; destroys it and rejects on error or after `timeoutMs`.
 * Shared by the TCP ('connect') and TLS ('secureConnect') outbound paths.
 */
export function whenReady(socket: Socket, readyEvent: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
    };
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
  });
}
