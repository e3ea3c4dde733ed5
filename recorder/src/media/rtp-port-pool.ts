/**
 * RTP port pairs for answered streams: an even RTP port and the odd RTCP port above it (RFC 3550 §11; Oracle SBCs
 * can enforce the parity, INTEROP §5). Sockets are bound *before* the 200 OK leaves, because SRCs start sending
 * media as soon as they have our answer (INTEROP §13).
 *
 * Ports are handed out round-robin so that a pair released a moment ago is not reused at once: late packets of a
 * finished call must not land in a new recording.
 */
import { createSocket, type Socket } from 'node:dgram';

/** A bound RTP/RTCP socket pair. */
export interface PortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

export class PortsExhaustedError extends Error {
  readonly code = 'RTP_PORTS_EXHAUSTED';
  readonly status = 503;
  constructor() {
    super('no free RTP port pair');
  }
}

export class RtpPortPool {
  readonly #host: string;
  readonly #firstPair: number;
  readonly #pairCount: number;
  readonly #inUse = new Set<number>();
  #next = 0;

  /** @param min lowest port (rounded up to even) @param max highest port */
  constructor(host: string, min: number, max: number) {
    this.#host = host;
    const first = min % 2 === 0 ? min : min + 1;
    this.#firstPair = first;
    this.#pairCount = Math.max(0, Math.floor((max - first + 1) / 2));
  }

  get capacity(): number {
    return this.#pairCount;
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  /**
   * Binds a free pair. Ports taken by other processes are skipped.
   * @throws PortsExhaustedError when every pair in the range is busy.
   */
  async allocate(): Promise<PortPair> {
    for (let tried = 0; tried < this.#pairCount; tried++) {
      const index = this.#next;
      this.#next = (this.#next + 1) % this.#pairCount;
      if (this.#inUse.has(index)) continue;
      const rtpPort = this.#firstPair + index * 2;
      this.#inUse.add(index);
      const pair = await this.#bindPair(rtpPort);
      if (pair) return pair;
      this.#inUse.delete(index);
    }
    throw new PortsExhaustedError();
  }

  /** Closes the pair's sockets and makes its ports available again. Idempotent. */
  release(pair: PortPair): void {
    const index = (pair.rtpPort - this.#firstPair) / 2;
    for (const socket of [pair.rtp, pair.rtcp]) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
    this.#inUse.delete(index);
  }

  async #bindPair(rtpPort: number): Promise<PortPair | undefined> {
    const type = this.#host.includes(':') ? 'udp6' : 'udp4';
    const rtp = createSocket({ type, reuseAddr: false });
    const rtcp = createSocket({ type, reuseAddr: false });
    const ok = (await bind(rtp, rtpPort, this.#host)) && (await bind(rtcp, rtpPort + 1, this.#host));
    if (ok) return { rtpPort, rtcpPort: rtpPort + 1, rtp, rtcp };
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
      // A socket error later (e.g. ICMP unreachable on send) must never crash the process.
      socket.on('error', () => undefined);
      resolve(true);
    });
  });
}
