/**
 * A tiny SIP endpoint over the real transports, standing in for the SIP core in transport tests: it records every
 * inbound message and answers requests (OPTIONS, MESSAGE, INFO…) with 200 OK on the way they came
 * (RFC 3261 §18.2.2: same connection for streams, source address for UDP).
 */
import { Socket } from 'node:net';
import { buildStatelessResponse } from '../../../recorder/src/sip/transport/stateless-response.js';
import {
  TransportManager,
  type TransportManagerOptions,
} from '../../../recorder/src/sip/transport/transport-manager.js';
import type { MessageSource } from '../../../recorder/src/sip/transport/types.js';

/** A message the harness received. */
export interface Received {
  readonly data: Buffer;
  readonly source: MessageSource;
}

/** The harness: the manager under test plus what it received. */
export interface EchoHarness {
  readonly manager: TransportManager;
  readonly received: Received[];
  /** Resolves once `count` messages have been received in total. */
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a TransportManager on 127.0.0.1 (port 0 unless given) that answers every request with 200 OK. */
export async function startEchoHarness(options: Partial<TransportManagerOptions> = {}): Promise<EchoHarness> {
  const received: Received[] = [];
  let tags = 0;
  const manager: TransportManager = new TransportManager({
    host: '127.0.0.1',
    port: 0,
    ...options,
    sink: (data, source) => {
      received.push({ data, source });
      const end = data.indexOf('\r\n\r\n');
      const header = end < 0 ? data : data.subarray(0, end + 4);
      const response = buildStatelessResponse(header, 200, 'OK', `echo${++tags}`);
      if (response === undefined) return;
      manager
        .send(response, {
          protocol: source.protocol,
          address: source.remoteAddress,
          port: source.remotePort,
          connectionId: source.connectionId,
        })
        .catch(() => undefined);
    },
  });
  await manager.start();
  return {
    manager,
    received,
    waitForMessages: (count, timeoutMs = 5000) => waitUntil(() => received.length >= count, timeoutMs),
    stop: () => manager.stop(),
  };
}

/** Polls `condition` every 5 ms until it holds; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A raw TCP (or already-connected TLS) peer that accumulates what it receives. */
export class RawPeer {
  readonly socket: Socket;
  #data = Buffer.alloc(0);
  #closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
    });
  }

  /** Connects over plain TCP. */
  static async connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RawPeer(socket);
  }

  /** Everything received so far, as text. */
  get text(): string {
    return this.#data.toString('latin1');
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Waits until the received text matches `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<RegExpExecArray> {
    await waitUntil(() => pattern.test(this.text), timeoutMs);
    return pattern.exec(this.text)!;
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    await waitUntil(() => this.#closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** An OPTIONS request as an SRC sends it (Content-Length 0). */
export function optionsRequest(callId: string, transport = 'TCP', viaPort = 5999): Buffer {
  return Buffer.from(
    `OPTIONS sip:srs@127.0.0.1 SIP/2.0\r\n` +
      `Via: SIP/2.0/${transport} 127.0.0.1:${viaPort};branch=z9hG4bK-${callId}\r\n` +
      `Max-Forwards: 70\r\n` +
      `From: <sip:src@127.0.0.1>;tag=src-${callId}\r\n` +
      `To: <sip:srs@127.0.0.1>\r\n` +
      `Call-ID: ${callId}\r\n` +
      `CSeq: 1 OPTIONS\r\n` +
      `Content-Length: 0\r\n\r\n`,
  );
}
