/**
 * The SRC's media end as plain UDP sockets, for tests that must see what the recorder sends back (RTCP receiver
 * reports, and the absence of any RTP): an RTP socket and an RTCP socket on the port above it, or one socket for
 * both with rtcp-mux (RFC 5761). Also builds the packets such an SRC sends: RTP, and an RTCP SR + SDES CNAME.
 */
import { createSocket, type Socket } from 'node:dgram';

/** One datagram the recorder sent us. */
export interface Received {
  readonly data: Buffer;
  readonly at: number;
}

/** The SRC's RTP (and RTCP) sockets on 127.0.0.1. */
export class RtpPeer {
  readonly rtpPort: number;
  /** Equal to {@link rtpPort} with rtcp-mux. */
  readonly rtcpPort: number;
  /** Everything received on the RTP socket (with rtcp-mux, also the RTCP). */
  readonly onRtpSocket: Received[] = [];
  /** Everything received on the separate RTCP socket (always empty with rtcp-mux). */
  readonly onRtcpSocket: Received[] = [];
  readonly #rtp: Socket;
  readonly #rtcp: Socket | undefined;

  private constructor(rtp: Socket, rtcp: Socket | undefined) {
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.rtpPort = rtp.address().port;
    this.rtcpPort = rtcp ? rtcp.address().port : this.rtpPort;
    rtp.on('message', (data) => this.onRtpSocket.push({ data, at: Date.now() }));
    rtcp?.on('message', (data) => this.onRtcpSocket.push({ data, at: Date.now() }));
  }

  /** Binds a free port P (and P + 1 unless muxed), retrying until both are free. */
  static async open(opts: { rtcpMux: boolean }): Promise<RtpPeer> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const rtp = createSocket('udp4');
      await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve));
      if (opts.rtcpMux) return new RtpPeer(rtp, undefined);
      const port = rtp.address().port;
      const rtcp = createSocket('udp4');
      const bound =
        port < 65535 &&
        (await new Promise<boolean>((resolve) => {
          rtcp.once('error', () => resolve(false));
          rtcp.bind(port + 1, '127.0.0.1', () => resolve(true));
        }));
      if (bound) return new RtpPeer(rtp, rtcp);
      rtp.close();
      rtcp.close();
    }
    throw new Error('no free RTP/RTCP port pair');
  }

  /** Sends an RTP packet to the recorder's port. */
  sendRtp(packet: Buffer, port: number): void {
    this.#rtp.send(packet, port, '127.0.0.1');
  }

  /** Sends an RTCP packet from the RTCP socket (the RTP socket with rtcp-mux). */
  sendRtcp(packet: Buffer, port: number): void {
    (this.#rtcp ?? this.#rtp).send(packet, port, '127.0.0.1');
  }

  close(): void {
    this.#rtp.close();
    this.#rtcp?.close();
  }
}

/** Fields of one RTP packet (RFC 3550 §5.1, no CSRC, no extension). */
export interface RtpInit {
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker?: boolean;
  readonly payload: Buffer;
}

export function buildRtp(p: RtpInit): Buffer {
  const packet = Buffer.alloc(12 + p.payload.length);
  packet[0] = 0x80;
  packet[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  packet.writeUInt16BE(p.sequence & 0xffff, 2);
  packet.writeUInt32BE(p.timestamp >>> 0, 4);
  packet.writeUInt32BE(p.ssrc >>> 0, 8);
  p.payload.copy(packet, 12);
  return packet;
}

/** An NTP timestamp (RFC 3550 §4): seconds since 1900 and a 32-bit fraction. */
export interface NtpTime {
  readonly seconds: number;
  readonly fraction: number;
}

/** Wall-clock time `ms` (Unix epoch) as an NTP timestamp. */
export function ntpTime(ms: number): NtpTime {
  const NTP_UNIX_OFFSET = 2_208_988_800;
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_OFFSET;
  return { seconds: seconds >>> 0, fraction: Math.floor(((ms % 1000) / 1000) * 0x1_0000_0000) >>> 0 };
}

/** The middle 32 bits of an NTP timestamp: what an RR's LSR field must echo (RFC 3550 §6.4.1). */
export function ntpMiddle32(t: NtpTime): number {
  return (((t.seconds & 0xffff) << 16) | (t.fraction >>> 16)) >>> 0;
}

/** A compound SR (no report blocks: the SRC receives nothing) + SDES CNAME, as every sending SRC emits. */
export function buildSenderReport(init: {
  readonly ssrc: number;
  readonly ntp: NtpTime;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(28 / 4 - 1, 2);
  sr.writeUInt32BE(init.ssrc >>> 0, 4);
  sr.writeUInt32BE(init.ntp.seconds, 8);
  sr.writeUInt32BE(init.ntp.fraction, 12);
  sr.writeUInt32BE(init.rtpTimestamp >>> 0, 16);
  sr.writeUInt32BE(init.packetCount >>> 0, 20);
  sr.writeUInt32BE(init.octetCount >>> 0, 24);
  const cname = Buffer.from('src@127.0.0.1', 'latin1');
  const sdesLength = (8 + 2 + cname.length + 1 + 3) & ~3;
  const sdes = Buffer.alloc(sdesLength);
  sdes[0] = 0x81;
  sdes[1] = 202;
  sdes.writeUInt16BE(sdesLength / 4 - 1, 2);
  sdes.writeUInt32BE(init.ssrc >>> 0, 4);
  sdes[8] = 1;
  sdes[9] = cname.length;
  cname.copy(sdes, 10);
  return Buffer.concat([sr, sdes]);
}

/** Calls `send(i)` for `count` packets, one every `intervalMs`, like a real-time sender. */
export async function sendPaced(
  count: number,
  intervalMs: number,
  send: (index: number) => void,
): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    send(i);
  }
}
