/**
 * RTP fixed header (RFC 3550 §5.1), parsed into a caller-owned object so the receive path allocates nothing.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   defined by profile (0xBEDE / 0x100x)  |       length        |  ← only when X=1 (§5.3.1, RFC 8285)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  header extension (length × 4 bytes)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            payload ...            | padding ... | pad count   |  ← padding only when P=1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */

/** Size of the fixed part of the header. */
export const RTP_FIXED_HEADER_LENGTH = 12;

/** A parsed RTP header. Create one per receive loop and pass it to {@link parseRtpHeader} for every packet. */
export class RtpHeader {
  padding = false;
  extension = false;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  /** Only the first `csrcCount` entries are meaningful; the array is reused between packets. */
  readonly csrcs = new Uint32Array(15);
  /** The 16-bit "defined by profile" field: 0xBEDE for one-byte, 0x1000–0x100F for two-byte (RFC 8285). */
  extensionProfile = 0;
  /** Offset of the extension data (after its 4-byte header) and its length in bytes. */
  extensionOffset = 0;
  extensionLength = 0;
  /** Fixed header + CSRCs + extension. */
  headerLength = 0;
  payloadOffset = 0;
  payloadLength = 0;
  paddingLength = 0;
}

/** Fields for {@link serializeRtpHeader}; the test senders and tests build packets with it. */
export interface RtpHeaderInit {
  readonly padding?: boolean;
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  /** Header extension: profile word and data (its length must be a multiple of 4). */
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
}

/**
 * Length of the RTP header (fixed part, CSRCs, extension) within the first `length` bytes of `buf`, or -1 if
 * the version is not 2 or the header does not fit. Padding is not looked at: under SRTP it is encrypted.
 */
export function rtpHeaderLength(buf: Uint8Array, length: number): number {
  if (length < RTP_FIXED_HEADER_LENGTH || length > buf.length) return -1;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return -1;
  let offset = RTP_FIXED_HEADER_LENGTH + (b0 & 0x0f) * 4;
  if (offset > length) return -1;
  if ((b0 & 0x10) !== 0) {
    // §5.3.1: a 4-byte extension header, then `length` 32-bit words.
    if (offset + 4 > length) return -1;
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
    if (offset > length) return -1;
  }
  return offset;
}

/**
 * Parses the RTP header of `buf` (the first `length` bytes, default all of it) into `out`.
 * Returns false, leaving `out` in an unspecified state, for anything malformed: shorter than a header,
 * version other than 2, CSRCs or extension running past the end, or padding that is zero or longer than
 * the payload (§5.1: the last octet counts the padding octets including itself).
 */
export function parseRtpHeader(buf: Uint8Array, out: RtpHeader, length: number = buf.length): boolean {
  const headerLength = rtpHeaderLength(buf, length);
  if (headerLength < 0) return false;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.csrcCount = b0 & 0x0f;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  out.timestamp = readU32(buf, 4);
  out.ssrc = readU32(buf, 8);
  let offset = RTP_FIXED_HEADER_LENGTH;
  for (let i = 0; i < out.csrcCount; i++, offset += 4) out.csrcs[i] = readU32(buf, offset);
  if (out.extension) {
    out.extensionProfile = (buf[offset]! << 8) | buf[offset + 1]!;
    out.extensionOffset = offset + 4;
    out.extensionLength = headerLength - out.extensionOffset;
  } else {
    out.extensionProfile = 0;
    out.extensionOffset = 0;
    out.extensionLength = 0;
  }
  let paddingLength = 0;
  if (out.padding) {
    if (length === headerLength) return false;
    paddingLength = buf[length - 1]!;
    if (paddingLength === 0 || paddingLength > length - headerLength) return false;
  }
  out.headerLength = headerLength;
  out.payloadOffset = headerLength;
  out.paddingLength = paddingLength;
  out.payloadLength = length - headerLength - paddingLength;
  return true;
}

/**
 * Writes the header described by `init` into `target` at `offset`; returns the number of bytes written.
 * Throws a RangeError (code `RTP_HEADER_INVALID`) for fields out of range or a target too small.
 */
export function serializeRtpHeader(init: RtpHeaderInit, target: Uint8Array, offset = 0): number {
  const csrcs = init.csrcs ?? [];
  const ext = init.extension;
  const length = rtpHeaderSize(init);
  if (
    csrcs.length > 15 ||
    !inRange(init.payloadType, 0x7f) ||
    !inRange(init.sequenceNumber, 0xffff) ||
    !inRange(init.timestamp, 0xffffffff) ||
    !inRange(init.ssrc, 0xffffffff) ||
    (ext !== undefined &&
      (ext.data.length % 4 !== 0 || ext.data.length > 0x3fffc || !inRange(ext.profile, 0xffff))) ||
    offset + length > target.length
  ) {
    throw Object.assign(new RangeError('RTP header fields out of range'), { code: 'RTP_HEADER_INVALID' });
  }
  target[offset] = 0x80 | (init.padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  target[offset + 1] = (init.marker ? 0x80 : 0) | init.payloadType;
  writeU16(target, offset + 2, init.sequenceNumber);
  writeU32(target, offset + 4, init.timestamp);
  writeU32(target, offset + 8, init.ssrc);
  let pos = offset + RTP_FIXED_HEADER_LENGTH;
  for (const csrc of csrcs) {
    writeU32(target, pos, csrc);
    pos += 4;
  }
  if (ext) {
    writeU16(target, pos, ext.profile);
    writeU16(target, pos + 2, ext.data.length / 4);
    target.set(ext.data, pos + 4);
    pos += 4 + ext.data.length;
  }
  return pos - offset;
}

/** Size in bytes of the header {@link serializeRtpHeader} writes for `init`. */
export function rtpHeaderSize(init: RtpHeaderInit): number {
  const ext = init.extension;
  return RTP_FIXED_HEADER_LENGTH + (init.csrcs?.length ?? 0) * 4 + (ext ? 4 + ext.data.length : 0);
}

/**
 * A whole RTP packet: header, payload and, when `paddingLength` > 0, §5.1 padding (the P bit is set for it).
 * For tests and test senders; the receive path never builds packets.
 */
export function buildRtpPacket(init: RtpHeaderInit, payload: Uint8Array, paddingLength = 0): Buffer {
  if (!inRange(paddingLength, 255)) {
    throw Object.assign(new RangeError('RTP padding out of range'), { code: 'RTP_HEADER_INVALID' });
  }
  const header = paddingLength > 0 ? { ...init, padding: true } : init;
  const headerLength = rtpHeaderSize(header);
  const packet = Buffer.alloc(headerLength + payload.length + paddingLength);
  serializeRtpHeader(header, packet);
  packet.set(payload, headerLength);
  if (paddingLength > 0) packet[packet.length - 1] = paddingLength;
  return packet;
}

function inRange(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

function writeU16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 8;
  buf[offset + 1] = value & 0xff;
}

function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}
