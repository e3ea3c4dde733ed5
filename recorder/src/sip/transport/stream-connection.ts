/**
 * One TCP or TLS connection carrying SIP: frames inbound bytes into messages (StreamFramer), answers keep-alive
 * pings, enforces the idle timeout and the buffered-bytes cap, and writes outbound messages.
 */
import type { Socket } from 'node:net';
import { sendFailed, type SipFramingError } from './errors.js';
import { buildStatelessResponse } from './stateless-response.js';
import { StreamFramer, type StreamFramerLimits } from './stream-framer.js';
import type { ProtocolCounters } from './transport-counters.js';
import type { MessageSink, MessageSource } from './types.js';

/** Per-connection limits. */
export interface StreamConnectionLimits extends StreamFramerLimits {
  /** Close a connection after this long without traffic. SIPREC dialogs are long, but SRCs refresh/OPTIONS. */
  readonly idleTimeoutMs: number;
  /** Most bytes held for one connection (incomplete inbound message + unsent outbound data). */
  readonly maxBufferedBytes: number;
}

/** What a connection needs from its transport. */
export interface StreamConnectionContext {
  readonly sink: MessageSink;
  readonly counters: ProtocolCounters;
  readonly limits: StreamConnectionLimits;
  /** A fresh To-tag for the 400 sent on a framing error (randomness injectable). */
  readonly newTag: () => string;
  readonly onError?: (error: unknown) => void;
}

const CRLF = Buffer.from('\r\n');
/** How long a connection we are closing after a framing error may take to flush and see the peer's FIN. */
const LINGER_MS = 2000;

/** A live stream connection. `close()` is idempotent; `onClosed` runs once when the socket is gone. */
export class StreamConnection {
  readonly id: string;
  readonly protocol: 'tcp' | 'tls';
  /** Fixed for the connection's life, so one object serves every inbound message. */
  readonly source: MessageSource;
  readonly #socket: Socket;
  readonly #ctx: StreamConnectionContext;
  readonly #framer: StreamFramer;
  #closed = false;
  readonly #closedCallbacks: (() => void)[] = [];

  constructor(id: string, protocol: 'tcp' | 'tls', socket: Socket, ctx: StreamConnectionContext) {
    this.id = id;
    this.protocol = protocol;
    this.#socket = socket;
    this.#ctx = ctx;
    this.#framer = new StreamFramer(ctx.limits);
    this.source = {
      protocol,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      connectionId: id,
    };
    ctx.counters.connectionsOpened++;
    ctx.counters.connectionsActive++;
    socket.setNoDelay(true);
    socket.setTimeout(ctx.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      ctx.counters.connectionsIdleClosed++;
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => {
      // ECONNRESET and friends: 'close' follows and does the bookkeeping.
    });
    socket.once('close', () => this.#onClose());
    if (socket.destroyed) queueMicrotask(() => this.#onClose());
  }

  /** False once the socket is closing or closed. */
  get alive(): boolean {
    return !this.#closed && !this.#socket.destroyed && this.#socket.writable;
  }

  /** Bytes held for this connection: an incomplete inbound message plus unsent outbound data. */
  get bufferedBytes(): number {
    return this.#framer.bufferedBytes + this.#socket.writableLength;
  }

  /** Registers a callback for when the connection is gone (runs at most once). */
  onClosed(callback: () => void): void {
    if (this.#closed) callback();
    else this.#closedCallbacks.push(callback);
  }

  /** Writes one message. Rejects with `SIP_TRANSPORT_SEND_FAILED` when the connection is gone or overflows. */
  write(data: Buffer): Promise<void> {
    const counters = this.#ctx.counters;
    if (!this.alive) {
      counters.sendFailures++;
      return Promise.reject(sendFailed(`${this.protocol} connection ${this.id} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (err) => {
        if (err) {
          counters.sendFailures++;
          reject(sendFailed(`${this.protocol} write on ${this.id} failed: ${err.message}`, err));
          return;
        }
        counters.messagesOut++;
        counters.bytesOut += data.length;
        resolve();
      });
      this.#checkBuffered();
    });
  }

  /** Closes the connection at once (idempotent). */
  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    const counters = this.#ctx.counters;
    counters.bytesIn += chunk.length;
    for (const frame of this.#framer.push(chunk)) {
      switch (frame.kind) {
        case 'message':
          counters.messagesIn++;
          try {
            this.#ctx.sink(frame.data, this.source);
          } catch (err) {
            this.#ctx.onError?.(err);
          }
          break;
        case 'ping':
          // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single CRLF pong.
          counters.keepAlivesIn++;
          if (this.alive) this.#socket.write(CRLF);
          break;
        case 'error':
          this.#framingError(frame.error);
          return;
      }
    }
    this.#checkBuffered();
  }

  /**
   * The stream cannot be resynchronised after a framing error (RFC 3261 §18.3), so the connection closes. A 400 is
   * sent first only when the whole header section of a request arrived (we can copy Via/From/To/Call-ID/CSeq);
   * endless headers, responses and garbage are just closed.
   */
  #framingError(error: SipFramingError): void {
    const counters = this.#ctx.counters;
    counters.framingErrors++;
    const response =
      error.headerSection === undefined
        ? undefined
        : buildStatelessResponse(error.headerSection, 400, 'Bad Request', this.#ctx.newTag());
    if (response === undefined || !this.alive) {
      this.#socket.destroy();
      return;
    }
    counters.framingErrorResponses++;
    counters.messagesOut++;
    counters.bytesOut += response.length;
    // A graceful end (FIN) rather than destroy: closing with unread input would send RST and could discard the 400.
    this.#socket.end(response);
    setTimeout(() => this.#socket.destroy(), LINGER_MS).unref();
  }

  #checkBuffered(): void {
    if (this.bufferedBytes > this.#ctx.limits.maxBufferedBytes && !this.#socket.destroyed) {
      this.#ctx.counters.connectionsOverflowClosed++;
      this.#socket.destroy();
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.counters.connectionsClosed++;
    this.#ctx.counters.connectionsActive--;
    for (const callback of this.#closedCallbacks.splice(0)) callback();
  }
}
