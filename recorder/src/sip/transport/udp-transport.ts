/**
 * SIP over UDP (RFC 3261 §18.1.1 / §18.2.1): one datagram is one message; no framing, no connections.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { SipTransportError, sendFailed } from './errors.js';
import type { ProtocolCounters } from './transport-counters.js';
import type { MessageSink, MessageSource, SendTarget } from './types.js';

/** Options of {@link UdpTransport}. */
export interface UdpTransportOptions {
  /** Bind address (IPv4 or IPv6; `::` is dual-stack). */
  readonly host: string;
  /** Bind port; 0 picks a free one (see `address`). */
  readonly port: number;
  readonly sink: MessageSink;
  readonly counters: ProtocolCounters;
  /**
   * Socket buffer sizes. SIPREC INVITEs are 2–6 KB and SRCs send them in bursts at call peaks, so the kernel
   * default (~200 KiB) overflows quickly. The kernel may cap these (net.core.rmem_max); the cap is accepted.
   */
  readonly receiveBufferBytes?: number;
  readonly sendBufferBytes?: number;
  /** Called when the sink throws; the socket loop goes on. */
  readonly onError?: (error: unknown) => void;
}

/** Largest UDP payload (65535 − 8 UDP − 20 IPv4 header). */
const MAX_DATAGRAM = 65_507;
const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;

/** A bound UDP socket that hands each datagram to the sink and sends datagrams to targets. */
export class UdpTransport {
  readonly #options: UdpTransportOptions;
  #socket: Socket | undefined;
  #local = { address: '', port: 0 };
  #ipv6 = false;

  constructor(options: UdpTransportOptions) {
    this.#options = options;
  }

  /** The bound address and port (valid after `start()`). */
  get address(): { readonly address: string; readonly port: number } {
    return this.#local;
  }

  /** Binds the socket; resolves once it listens. Rejects with `SIP_TRANSPORT_START_FAILED`. */
  async start(port = this.#options.port): Promise<void> {
    if (this.#socket !== undefined) return;
    this.#ipv6 = isIPv6(this.#options.host);
    const socket = createSocket({ type: this.#ipv6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(
          new SipTransportError(
            'SIP_TRANSPORT_START_FAILED',
            `UDP bind ${this.#options.host}:${port} failed: ${err.message}`,
            { cause: err },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind({ address: this.#options.host, port, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    this.#raiseBuffers(socket);
    socket.on('error', (err) => this.#options.onError?.(err));
    socket.on('message', (msg, rinfo) => this.#receive(msg, rinfo.address, rinfo.port));
    const bound = socket.address();
    this.#local = { address: bound.address, port: bound.port };
    this.#socket = socket;
  }

  /** Actual kernel buffer sizes (Linux reports twice the requested value, bookkeeping included). */
  get bufferSizes(): { readonly receive: number; readonly send: number } {
    const s = this.#socket;
    return s === undefined
      ? { receive: 0, send: 0 }
      : { receive: s.getRecvBufferSize(), send: s.getSendBufferSize() };
  }

  /** Sends one datagram. Rejects with `SIP_TRANSPORT_SEND_FAILED`; never throws. */
  send(data: Buffer, target: SendTarget): Promise<void> {
    const socket = this.#socket;
    const counters = this.#options.counters;
    let address = target.address;
    let problem: string | undefined;
    if (socket === undefined) problem = 'UDP transport is not running';
    else if (data.length > MAX_DATAGRAM)
      problem = `message of ${data.length} bytes does not fit a UDP datagram`;
    else if (this.#ipv6 && isIPv4(address)) address = `::ffff:${address}`;
    else if (!this.#ipv6 && isIPv6(address)) problem = `cannot reach IPv6 ${address} from an IPv4 socket`;
    if (socket === undefined || problem !== undefined) {
      counters.sendFailures++;
      return Promise.reject(sendFailed(problem ?? 'UDP transport is not running'));
    }
    return new Promise((resolve, reject) => {
      socket.send(data, target.port, address, (err) => {
        if (err) {
          counters.sendFailures++;
          reject(sendFailed(`UDP send to ${target.address}:${target.port} failed: ${err.message}`, err));
          return;
        }
        counters.messagesOut++;
        counters.bytesOut += data.length;
        resolve();
      });
    });
  }

  /** Closes the socket (idempotent). */
  async stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #raiseBuffers(socket: Socket): void {
    const set = (apply: (n: number) => void, size: number): void => {
      try {
        apply(size);
      } catch {
        // The kernel refused the size (above rmem_max/wmem_max for an unprivileged process): keep its default.
      }
    };
    set((n) => socket.setRecvBufferSize(n), this.#options.receiveBufferBytes ?? DEFAULT_BUFFER_BYTES);
    set((n) => socket.setSendBufferSize(n), this.#options.sendBufferBytes ?? DEFAULT_BUFFER_BYTES);
  }

  #receive(msg: Buffer, remoteAddress: string, remotePort: number): void {
    const counters = this.#options.counters;
    // CRLF-only datagrams are keep-alives (RFC 5626 §3.5.1 style, sent by many phones and SBCs): nothing to parse.
    if (isOnlyCrlf(msg)) {
      counters.keepAlivesIn++;
      return;
    }
    counters.messagesIn++;
    counters.bytesIn += msg.length;
    const source: MessageSource = {
      protocol: 'udp',
      remoteAddress,
      remotePort,
      localAddress: this.#local.address,
      localPort: this.#local.port,
    };
    try {
      this.#options.sink(msg, source);
    } catch (err) {
      this.#options.onError?.(err);
    }
  }
}

function isOnlyCrlf(msg: Buffer): boolean {
  for (let i = 0; i < msg.length; i++) {
    const b = msg[i];
    if (b !== 0x0d && b !== 0x0a) return false;
  }
  return true;
}
