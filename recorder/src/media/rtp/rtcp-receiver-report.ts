/**
 * The RTCP the recorder sends: a compound RR + SDES CNAME (RFC 3550 §6.1 — every compound starts with a report
 * and carries a CNAME). INTEROP §13: some SBCs expect RTCP from a recvonly peer; we never send RTP.
 *
 * ```
 * RR (§6.4.2)                                   SDES (§6.5) with one CNAME chunk
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  RC  | PT=201 |    length      |     |V=2|P| SC=1 | PT=202 |    length      |
 * | SSRC of packet sender (ours)          |     | SSRC (ours)                           |
 * | RC × 24-byte report blocks            |     | CNAME=1 | len | text… | 0 | pad to 4 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */

import { RtcpType, type RtcpReportBlock } from './rtcp-packet.js';

/** What goes into a receiver report. */
export interface ReceiverReportInit {
  /** Our SSRC (the recorder's, as sender of the report). */
  readonly ssrc: number;
  /** At most 31 blocks (the RC field is 5 bits). */
  readonly reports: readonly RtcpReportBlock[];
  /** When set, an SDES packet with this CNAME follows the RR (§6.5.1). At most 255 bytes in UTF-8. */
  readonly cname?: string;
}

/**
 * Builds an RR (+ SDES CNAME) compound packet. Field values are clamped to their wire widths
 * (cumulative lost to signed 24 bits as §6.4.1 requires); a bad count or CNAME throws a RangeError with code
 * `RTCP_REPORT_INVALID`.
 */
export function buildReceiverReport(init: ReceiverReportInit): Buffer {
  const count = init.reports.length;
  const cname = init.cname === undefined ? undefined : Buffer.from(init.cname, 'utf8');
  if (count > 31 || (cname !== undefined && cname.length > 255)) {
    throw Object.assign(new RangeError('RTCP receiver report does not fit its fields'), {
      code: 'RTCP_REPORT_INVALID',
    });
  }
  const rrLength = 8 + 24 * count;
  // SDES: header 4, SSRC 4, CNAME item 2 + len, at least one null octet, padded to 32 bits.
  const sdesLength = cname === undefined ? 0 : (8 + 2 + cname.length + 1 + 3) & ~3;
  const packet = Buffer.alloc(rrLength + sdesLength);
  packet[0] = 0x80 | count;
  packet[1] = RtcpType.RR;
  packet.writeUInt16BE(rrLength / 4 - 1, 2);
  packet.writeUInt32BE(init.ssrc >>> 0, 4);
  let p = 8;
  for (const r of init.reports) {
    packet.writeUInt32BE(r.ssrc >>> 0, p);
    packet[p + 4] = clamp(r.fractionLost, 0, 255);
    const lost = clamp(r.cumulativeLost, -0x800000, 0x7fffff);
    packet.writeUIntBE(lost < 0 ? lost + 0x1000000 : lost, p + 5, 3);
    packet.writeUInt32BE(r.highestSeq >>> 0, p + 8);
    packet.writeUInt32BE(clamp(r.jitter, 0, 0xffffffff), p + 12);
    packet.writeUInt32BE(r.lsr >>> 0, p + 16);
    packet.writeUInt32BE(clamp(r.dlsr, 0, 0xffffffff), p + 20);
    p += 24;
  }
  if (cname !== undefined) {
    packet[p] = 0x81;
    packet[p + 1] = RtcpType.SDES;
    packet.writeUInt16BE(sdesLength / 4 - 1, p + 2);
    packet.writeUInt32BE(init.ssrc >>> 0, p + 4);
    packet[p + 8] = 1;
    packet[p + 9] = cname.length;
    cname.copy(packet, p + 10);
    // The remaining bytes are already zero: the null item and the padding.
  }
  return packet;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
