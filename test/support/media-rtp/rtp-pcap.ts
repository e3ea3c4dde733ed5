/**
 * Writes RTP packets as a classic libpcap capture (Ethernet / IPv4 / UDP), the input of sipp's
 * `play_pcap_audio`, which replays the UDP payloads to the answered media port with the capture's timing. Lets a
 * test send a codec no tool here can encode (G.729: ffmpeg only decodes it) from a real sender.
 */
import { writeFileSync } from 'node:fs';

/** One RTP packet and when it leaves, relative to the start of the capture. */
export interface PcapPacket {
  readonly atMs: number;
  readonly rtp: Buffer;
}

const LINKTYPE_ETHERNET = 1;

/** Writes `packets` to `path` as UDP 127.0.0.1:`srcPort` → 127.0.0.1:`dstPort` (sipp rewrites the destination). */
export function writeRtpPcap(
  path: string,
  packets: readonly PcapPacket[],
  srcPort = 16000,
  dstPort = 16002,
): void {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const records = packets.map((p) => {
    const frame = ethernetIpv4Udp(p.rtp, srcPort, dstPort);
    const header = Buffer.alloc(16);
    const epochMs = 1_700_000_000_000 + p.atMs;
    header.writeUInt32LE(Math.floor(epochMs / 1000), 0);
    header.writeUInt32LE(Math.round((epochMs % 1000) * 1000), 4);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    return Buffer.concat([header, frame]);
  });
  writeFileSync(path, Buffer.concat([global, ...records]));
}

function ethernetIpv4Udp(payload: Buffer, srcPort: number, dstPort: number): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12); // IPv4; zero MAC addresses are fine for a replay
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17; // UDP
  Buffer.from([127, 0, 0, 1]).copy(ip, 12);
  Buffer.from([127, 0, 0, 1]).copy(ip, 16);
  ip.writeUInt16BE(ipChecksum(ip), 10);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(srcPort, 0);
  udp.writeUInt16BE(dstPort, 2);
  udp.writeUInt16BE(8 + payload.length, 4); // checksum 0: none (RFC 768)
  return Buffer.concat([eth, ip, udp, payload]);
}

function ipChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
