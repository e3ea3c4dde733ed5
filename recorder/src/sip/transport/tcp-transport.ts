/**
 * SIP over TCP (RFC 3261 §18): Content-Length framing, responses on the request's connection, connection reuse.
 * All of it lives in {@link StreamTransport}; this class only makes plain sockets.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { StreamTransport, whenReady, type StreamTransportOptions } from './stream-transport.js';

/** The TCP listener and outbound TCP connections. */
export class TcpTransport extends StreamTransport {
  constructor(options: StreamTransportOptions) {
    super(options);
  }

  override get protocol(): 'tcp' {
    return 'tcp';
  }

  protected override async createServer(accept: (socket: Socket) => void): Promise<Server> {
    return createServer({ noDelay: true }, accept);
  }

  protected override connect(address: string, port: number, timeoutMs: number): Promise<Socket> {
    return whenReady(connect({ host: address, port, noDelay: true }), 'connect', timeoutMs);
  }
}
