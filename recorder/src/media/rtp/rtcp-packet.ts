/**
 * RTCP compound packets (RFC 3550 §6): parse what a source sends us, with every length checked.
 *
 * Every RTCP packet starts with the same 4-byte header; a compound packet is several of them back to back:
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|   RC    |   PT          |      length (words - 1)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  SSRC of sender (SR, RR)                      |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * | SR only: NTP timestamp (64) | RTP timestamp | packet count | octet count  (§6.4.1)
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * | RC report blocks of 24 bytes:                                  |
 * | SSRC | fraction lost (8) cumulative lost (24) | ext. highest seq | jitter | LSR | DLSR
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 * RTCP arrives a few times a minute per stream, so parsed reports are plain objects; only {@link RtcpCompound}
 * itself is meant to be reused.
 */

/** RTCP packet types (RFC 3550 §12.1). */
export const RtcpType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204 } as const;

/** One reception report block (§6.4.1). */
export interface RtcpReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the previous report, as a fixed-point number with the binary point at the left (0–255). */
  readonly fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  readonly highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none). */
  readonly lsr: number;
  /** Delay since that SR, in units of 1/65536 s. */
  readonly dlsr: number;
}

/** A sender report (§6.4.1). */
export interface RtcpSenderReport {
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: RtcpReportBlock[];
}

/** A receiver report (§6.4.2). */
export interface RtcpReceiverReport {
  readonly ssrc: number;
  readonly reports: RtcpReportBlock[];
}

/** The CNAME of one SDES chunk (§6.5.1); other SDES items are skipped. */
export interface RtcpSdesChunk {
  readonly ssrc: number;
  readonly cname: string | undefined;
}

/** A BYE (§6.6). */
export interface RtcpBye {
  readonly ssrcs: number[];
  readonly reason: string | undefined;
}

/** The content of one compound packet. Reuse it: {@link parseRtcpCompound} clears it first. */
export class RtcpCompound {
  readonly senderReports: RtcpSenderReport[] = [];
  readonly receiverReports: RtcpReceiverReport[] = [];
  readonly sdes: RtcpSdesChunk[] = [];
  readonly byes: RtcpBye[] = [];
  /** APP, feedback, XR and other packets that were length-checked and skipped. */
  skipped = 0;

  /** Empties the lists for the next packet. */
  reset(): void {
    this.senderReports.length = 0;
    this.receiverReports.length = 0;
    this.sdes.length = 0;
    this.byes.length = 0;
    this.skipped = 0;
  }
}

const SDES_CNAME = 1;

/**
 * Parses the compound RTCP packet in the first `length` bytes of `buf` into `out`. Returns false for anything
 * malformed (§6.4.1 / Appendix A.2 validity checks): a version other than 2, a packet length running past the
 * end or not adding up to the whole, padding anywhere but in the last packet, report counts that do not fit.
 * A compound need not start with SR/RR: reduced-size RTCP (RFC 5506) is accepted.
 */
export function parseRtcpCompound(buf: Uint8Array, out: RtcpCompound, length: number = buf.length): boolean {
  out.reset();
  if (length < 4 || length > buf.length) return false;
  let pos = 0;
  while (pos < length) {
    if (pos + 4 > length) return false;
    const b0 = buf[pos]!;
    if (b0 >> 6 !== 2) return false;
    const count = b0 & 0x1f;
    const type = buf[pos + 1]!;
    const size = (((buf[pos + 2]! << 8) | buf[pos + 3]!) + 1) * 4;
    const end = pos + size;
    if (end > length) return false;
    let bodyEnd = end;
    if ((b0 & 0x20) !== 0) {
      // §6.4.1: only the last packet of a compound may be padded.
      if (end !== length) return false;
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - 4) return false;
      bodyEnd = end - pad;
    }
    if (!parseOne(buf, pos, bodyEnd, type, count, out)) return false;
    pos = end;
  }
  return true;
}

function parseOne(
  buf: Uint8Array,
  pos: number,
  end: number,
  type: number,
  count: number,
  out: RtcpCompound,
): boolean {
  switch (type) {
    case RtcpType.SR: {
      if (pos + 28 + count * 24 > end) return false;
      out.senderReports.push({
        ssrc: u32(buf, pos + 4),
        ntpSeconds: u32(buf, pos + 8),
        ntpFraction: u32(buf, pos + 12),
        rtpTimestamp: u32(buf, pos + 16),
        packetCount: u32(buf, pos + 20),
        octetCount: u32(buf, pos + 24),
        reports: reportBlocks(buf, pos + 28, count),
      });
      return true;
    }
    case RtcpType.RR: {
      if (pos + 8 + count * 24 > end) return false;
      out.receiverReports.push({ ssrc: u32(buf, pos + 4), reports: reportBlocks(buf, pos + 8, count) });
      return true;
    }
    case RtcpType.SDES:
      return parseSdes(buf, pos + 4, end, count, out);
    case RtcpType.BYE: {
      let p = pos + 4;
      if (p + count * 4 > end) return false;
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++, p += 4) ssrcs.push(u32(buf, p));
      let reason: string | undefined;
      if (p < end) {
        const len = buf[p]!;
        if (p + 1 + len > end) return false;
        reason = Buffer.from(buf.buffer, buf.byteOffset + p + 1, len).toString('utf8');
      }
      out.byes.push({ ssrcs, reason });
      return true;
    }
    default:
      // APP (§6.7), RTPFB/PSFB (RFC 4585), XR (RFC 3611): their length was checked above; nothing to record.
      out.skipped++;
      return true;
  }
}

function parseSdes(buf: Uint8Array, start: number, end: number, count: number, out: RtcpCompound): boolean {
  let p = start;
  for (let chunk = 0; chunk < count; chunk++) {
    if (p + 4 > end) return false;
    const ssrc = u32(buf, p);
    p += 4;
    let cname: string | undefined;
    // §6.5: items until a null octet, then padding to the next 32-bit boundary.
    for (;;) {
      if (p >= end) return false;
      const itemType = buf[p]!;
      if (itemType === 0) break;
      if (p + 2 > end) return false;
      const len = buf[p + 1]!;
      if (p + 2 + len > end) return false;
      if (itemType === SDES_CNAME)
        cname = Buffer.from(buf.buffer, buf.byteOffset + p + 2, len).toString('utf8');
      p += 2 + len;
    }
    p = (p - start + 4) & ~3;
    p += start;
    if (p > end) return false;
    out.sdes.push({ ssrc, cname });
  }
  return true;
}

function reportBlocks(buf: Uint8Array, start: number, count: number): RtcpReportBlock[] {
  const blocks: RtcpReportBlock[] = [];
  for (let i = 0, p = start; i < count; i++, p += 24) {
    const lost = (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!;
    blocks.push({
      ssrc: u32(buf, p),
      fractionLost: buf[p + 4]!,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSeq: u32(buf, p + 8),
      jitter: u32(buf, p + 12),
      lsr: u32(buf, p + 16),
      dlsr: u32(buf, p + 20),
    });
  }
  return blocks;
}

function u32(buf: Uint8Array, p: number): number {
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}
