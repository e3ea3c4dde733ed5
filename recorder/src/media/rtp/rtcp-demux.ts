/**
 * RTP/RTCP demultiplexing on one port (rtcp-mux, RFC 5761 §4).
 *
 * The second byte of an RTCP packet is its packet type (SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB 205,
 * PSFB 206, XR 207…). RFC 5761 §4 reserves RTP payload types so that the full second byte of RTCP falls in
 * 192–223 (RTP PT 64–95 with the marker bit set), which no dynamic or static audio payload type uses.
 */

/** True when `buf` looks like RTCP rather than RTP on a muxed port: version 2 and second byte in 192–223. */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  const pt = buf[1]!;
  return buf[0]! >> 6 === 2 && pt >= 192 && pt <= 223;
}
