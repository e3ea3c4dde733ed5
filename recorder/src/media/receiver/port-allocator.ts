/**
 * The RTP/RTCP port pairs of one media worker's slice of RTP_PORT_MIN–MAX: an even RTP port and the odd RTCP port
 * above it (RFC 3550 §11; Oracle SBCs can enforce the parity, INTEROP §5). The worker binds the sockets itself so
 * their packets are delivered to its own event loop and never cross threads. Sockets are bound before the
 * 200 OK leaves, because SRCs send media as soon as they have our answer (INTEROP §13).
 *
 * Pairs are handed out round-robin so that a pair released a moment ago is not reused at once: late packets of a
 * finished call must not land in a new recording. Ports another process holds are skipped.
 */
import { createSocket, type Socket } from 'node:dgram';

/** A bound RTP/RTCP socket pair. */
export interface BoundPortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

/** Kernel receive buffer asked for each RTP socket: a few hundred ms of a stream even when the loop stalls. */
const RECV_BUFFER_BYTES = 256 * 1024;

/** Allocates and releases the pairs of one slice. */
export class PortAllocator {
  readonly #host: string;
  readonly #firstPort: number;
  readonly #pairCount: number;
  readonly #inUse = new Set<number>();
  #next = 0;

  /**
   * @param host bind address
   * @param firstPort first RTP port of the slice (must be even)
   * @param pairCount pairs in the slice
   */
  constructor(host: string, firstPort: number, pairCount: number) {
    this.#host = host;
    this.#firstPort = firstPort;
    this.#pairCount = pairCount;
  }

  get capacity(): number {
    return this.#pairCount;
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  /** Binds a free pair, or resolves undefined when every pair of the slice is busy. */
  async allocate(): Promise<BoundPortPair | undefined> {
    for (let tried = 0; tried < this.#pairCount; tried++) {
      const index = this.#next;
      this.#next = (this.#next + 1) % this.#pairCount;
      if (this.#inUse.has(index)) continue;
      this.#inUse.add(index);
      const pair = await this.#bindPair(this.#firstPort + index * 2);
      if (pair) return pair;
      this.#inUse.delete(index);
    }
    return undefined;
  }

  /** Closes the pair's sockets and makes its ports available again. Idempotent. */
  release(pair: BoundPortPair): void {
    for (const socket of [pair.rtp, pair.rtcp]) {
      socket.removeAllListeners('message');
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
    this.#inUse.delete((pair.rtpPort - this.#firstPort) / 2);
  }

  async #bindPair(rtpPort: number): Promise<BoundPortPair | undefined> {
    const type = this.#host.includes(':') ? 'udp6' : 'udp4';
    const rtp = createSocket({ type, reuseAddr: false });
    const rtcp = createSocket({ type, reuseAddr: false });
    const ok = (await bind(rtp, rtpPort, this.#host)) && (await bind(rtcp, rtpPort + 1, this.#host));
    if (ok) {
      try {
        rtp.setRecvBufferSize(RECV_BUFFER_BYTES);
      } catch {
        // The kernel's limit (net.core.rmem_max) applies; the default still works.
      }
      return { rtpPort, rtcpPort: rtpPort + 1, rtp, rtcp };
    }
    for (const s of [rtp, rtcp]) {
      try {
        s.close();
      } catch {
        // never bound
      }
    }
    return undefined;
  }
}

function bind(socket: Socket, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = (): void => resolve(false);
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      // A socket error later (e.g. ICMP port unreachable after sending a report) must never crash the worker.
      socket.on('error', () => undefined);
      resolve(true);
    });
  });
}
