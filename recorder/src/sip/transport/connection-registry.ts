/**
 * Every live TCP and TLS connection, by id and by peer address, shared by the stream transports so the connection
 * cap is global and a request to a peer finds the connection that peer opened (RFC 3261 §18.2.2 responses on the
 * request's connection; RFC 5923 connection reuse, Via `alias`).
 */
import type { StreamConnection } from './stream-connection.js';

/** Connections by id and by `protocol + address + port`. */
export class ConnectionRegistry {
  readonly #maxConnections: number;
  readonly #byId = new Map<string, StreamConnection>();
  readonly #byAddress = new Map<string, StreamConnection>();
  readonly #keysOf = new Map<string, string[]>();
  #sequence = 0;

  /** @param maxConnections the cap over all stream connections, inbound and outbound. */
  constructor(maxConnections: number) {
    this.#maxConnections = maxConnections;
  }

  /** Live connections. */
  get size(): number {
    return this.#byId.size;
  }

  /** Whether one more connection fits under the cap. */
  get hasRoom(): boolean {
    return this.#byId.size < this.#maxConnections;
  }

  /** A new connection id, unique for this process (`tcp-17`, `tls-18`). */
  nextId(protocol: 'tcp' | 'tls'): string {
    this.#sequence++;
    return `${protocol}-${this.#sequence}`;
  }

  /**
   * Registers a connection under its id and its remote address:port (and, for outbound connections, the
   * address:port it was opened to); it leaves the registry by itself when it closes.
   */
  add(connection: StreamConnection, extraAddress?: { address: string; port: number }): void {
    this.#byId.set(connection.id, connection);
    this.#keysOf.set(connection.id, []);
    const { remoteAddress, remotePort } = connection.source;
    this.#index(connection, remoteAddress, remotePort);
    if (extraAddress !== undefined) this.#index(connection, extraAddress.address, extraAddress.port);
    connection.onClosed(() => this.#remove(connection));
  }

  /** The live connection with this id. */
  get(id: string): StreamConnection | undefined {
    const connection = this.#byId.get(id);
    return connection?.alive === true ? connection : undefined;
  }

  /** The most recently registered live connection to `address:port` over `protocol`. */
  find(protocol: 'tcp' | 'tls', address: string, port: number): StreamConnection | undefined {
    const connection = this.#byAddress.get(key(protocol, address, port));
    return connection?.alive === true ? connection : undefined;
  }

  /**
   * RFC 5923 §5: a Via with `alias` lets requests to its sent-by reuse the connection the message came on. The
   * SIP core calls this with the Via's host and port; returns false when the connection is gone.
   */
  alias(connectionId: string, address: string, port: number): boolean {
    const connection = this.get(connectionId);
    if (connection === undefined) return false;
    this.#index(connection, address, port);
    return true;
  }

  /** Every live connection (for shutdown). */
  all(): StreamConnection[] {
    return [...this.#byId.values()];
  }

  #index(connection: StreamConnection, address: string, port: number): void {
    const k = key(connection.protocol, address, port);
    this.#byAddress.set(k, connection);
    this.#keysOf.get(connection.id)?.push(k);
  }

  #remove(connection: StreamConnection): void {
    this.#byId.delete(connection.id);
    for (const k of this.#keysOf.get(connection.id) ?? []) {
      if (this.#byAddress.get(k) === connection) this.#byAddress.delete(k);
    }
    this.#keysOf.delete(connection.id);
  }
}

/**
 * Address keys drop IPv6 brackets, treat an IPv4-mapped IPv6 address (dual-stack sockets) as the IPv4 address,
 * and ignore case.
 */
function key(protocol: string, address: string, port: number): string {
  // Via hosts carry IPv6 references in brackets (RFC 3261 §25.1); sockets report them bare.
  const lower = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const plain = lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
  return `${protocol}|${plain}|${port}`;
}
