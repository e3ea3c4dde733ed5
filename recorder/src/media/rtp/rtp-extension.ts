/**
 * RTP header extension elements (RFC 8285). The recorder does not need any extension to record audio, so
 * {@link parseRtpHeader} only skips the extension block; this walks it, bounded by the block, when a caller
 * wants one element (for example the client-to-mixer audio level of RFC 6464).
 *
 * One-byte form (profile 0xBEDE, §4.2):          Two-byte form (profile 0x100x, §4.3):
 * ```
 *  0 1 2 3 4 5 6 7                                 0                   1
 * +-+-+-+-+-+-+-+-+-+-+-+-                        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * |  ID   |  len  | data (len+1 bytes)            |      ID       |    length     | data
 * +-+-+-+-+-+-+-+-+-+-+-+-                        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * ```
 * A zero byte between elements is padding in both forms; ID 15 in the one-byte form ends the walk (§4.2).
 */

import type { RtpHeader } from './rtp-header.js';

/** Profile value of the one-byte header form. */
export const RTP_EXTENSION_ONE_BYTE = 0xbede;

/** Where an element's data lies in the packet. Reused between calls. */
export class RtpExtensionElement {
  offset = 0;
  length = 0;
}

/**
 * Finds extension element `id` in the packet whose header `header` describes. Returns false when the packet
 * has no RFC 8285 extension, the element is absent, or the element list is malformed (an element running past
 * the extension block), so a hostile length never reads outside the block.
 */
export function findRtpExtensionElement(
  buf: Uint8Array,
  header: RtpHeader,
  id: number,
  out: RtpExtensionElement,
): boolean {
  if (!header.extension) return false;
  const oneByte = header.extensionProfile === RTP_EXTENSION_ONE_BYTE;
  if (!oneByte && (header.extensionProfile & 0xfff0) !== 0x1000) return false;
  let pos = header.extensionOffset;
  const end = header.extensionOffset + header.extensionLength;
  while (pos < end) {
    const b = buf[pos]!;
    if (b === 0) {
      pos++;
      continue;
    }
    let elementId: number;
    let length: number;
    if (oneByte) {
      elementId = b >> 4;
      if (elementId === 15) return false;
      length = (b & 0x0f) + 1;
      pos += 1;
    } else {
      if (pos + 2 > end) return false;
      elementId = b;
      length = buf[pos + 1]!;
      pos += 2;
    }
    if (pos + length > end) return false;
    if (elementId === id) {
      out.offset = pos;
      out.length = length;
      return true;
    }
    pos += length;
  }
  return false;
}
