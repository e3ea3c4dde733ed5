/**
 * An SRTP/SRTCP session for one SDES key (RFC 3711, RFC 7714): unprotects what a source sends, in place, with a
 * crypto context per SSRC (rollover counter, replay list) and session keys shared by all SSRCs (kdr 0).
 *
 * SRTP (§3.1; GCM: RFC 7714 §7)                 SRTCP (§3.4; GCM: RFC 7714 §9 — tag before the index word)
 * ```
 * +-------------------------------+             +-------------------------------+
 * | RTP header (clear; GCM: AAD)  |             | V P RC PT length | SSRC        |  first 8 bytes clear
 * +-------------------------------+             +-------------------------------+
 * | payload (+ padding) encrypted |             | rest of compound, encrypted   |
 * +-------------------------------+             +-------------------------------+
 * | auth tag: 10/4 (HMAC) or 16   |             | E | SRTCP index (31)          |  CM: then 10-byte tag
 * +-------------------------------+             | GCM: 16-byte tag, then E|index |
 *                                               +-------------------------------+
 * ```
 * The per-protocol keys and their per-packet crypto are srtp-direction.ts's; this class keeps the per-SSRC state.
 * Per packet the receive path does no promise work, looks up no map for the SSRC it saw last, and reuses its
 * HMAC state (hmac-sha1.ts: the key's pad blocks hashed once) and GCM IV scratch. Node allocations that remain,
 * as Node offers no reusable alternative: the keystream Buffer the ECB cipher returns for every 8 AES-CM packets
 * (see aes-cm-keystream.ts), and one `createDecipheriv` per AES-GCM packet (a GCM context cannot be re-IV'd).
 */

import { inspect } from 'node:util';
import { ReplayWindow } from './replay-window.js';
import { GCM_TAG, SRTCP_TRAILER, SrtpDirection } from './srtp-direction.js';
import { SrtpError, SrtpResult } from './srtp-error.js';
import { deriveSrtpSessionKeys, type SrtpSessionKeys } from './srtp-kdf.js';
import { srtpSuiteParams, type SrtpSuite, type SrtpSuiteParams } from './srtp-suite.js';
import { rtpHeaderLength } from '../rtp/rtp-header.js';
import { estimateIndex } from './srtp-index.js';

/** Options common to both ways of keying a session. */
interface SrtpSessionCommonOptions {
  readonly suite: SrtpSuite;
  /** Replay window in packets (RFC 3711 §3.3.2: at least 64); default 128. */
  readonly replayWindow?: number;
  /** Most SSRCs tracked per direction and protocol; the oldest is forgotten beyond it. Default 16. */
  readonly maxStreams?: number;
}

/** Options of {@link SrtpSession}. */
export type SrtpSessionOptions = SrtpSessionCommonOptions &
  (
    | {
        /** Master key ‖ master salt, as decoded from the SDES `inline:` parameter (RFC 4568 §6.1). */
        readonly keySalt: Buffer;
      }
    | {
        /** Session keys given directly instead of derived (the RFC 7714 test vectors are stated this way). */
        readonly sessionKeys: { readonly rtp: SrtpSessionKeys; readonly rtcp: SrtpSessionKeys };
      }
  );

/** Counters of a session; read them for metrics and the sidecar. */
export interface SrtpSessionStats {
  /** Packets that authenticated and were decrypted. */
  decrypted: number;
  authFailures: number;
  replays: number;
  tooOld: number;
  malformed: number;
}

const DEFAULT_REPLAY_WINDOW = 128;
const DEFAULT_MAX_STREAMS = 16;
const SRTCP_INDEX_MASK = 0x7fffffff;
const RTCP_HEADER = 8;
/** Packets of an SSRC whose AES-CM keystream is made in one cipher call (see aes-cm-keystream.ts). */
const RTP_KEYSTREAM_BATCH = 8;

/** One SDES-keyed SRTP/SRTCP session. Keys never leave it: not in errors, not in `inspect`, not in JSON. */
export class SrtpSession {
  readonly suite: SrtpSuite;
  readonly stats: SrtpSessionStats = { decrypted: 0, authFailures: 0, replays: 0, tooOld: 0, malformed: 0 };

  readonly #params: SrtpSuiteParams;
  readonly #rtp: SrtpDirection;
  readonly #rtcp: SrtpDirection;
  readonly #replaySize: number;
  readonly #maxStreams: number;
  /** Inbound per-SSRC contexts; the window's highest index carries ROC and s_l (RFC 3711 §3.3.1). */
  readonly #rtpIn = new Map<number, ReplayWindow>();
  readonly #rtcpIn = new Map<number, ReplayWindow>();
  /** The inbound RTP context used last: almost every packet is of the same SSRC, so no map look-up for it. */
  #lastSsrc = -1;
  #lastWindow: ReplayWindow | undefined;
  /** Outbound per-SSRC state: highest SRTP index sent, next SRTCP index. */
  readonly #rtpOut = new Map<number, number>();
  readonly #rtcpOut = new Map<number, number>();

  constructor(options: SrtpSessionOptions) {
    const params = srtpSuiteParams(options.suite);
    if (params === undefined) {
      throw new SrtpError('SRTP_UNSUPPORTED_SUITE', `unsupported SRTP crypto suite ${String(options.suite)}`);
    }
    const replay = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    if (!Number.isInteger(replay) || replay < 64 || replay > 32768) {
      throw new SrtpError('SRTP_BAD_OPTION', 'replayWindow must be an integer from 64 to 32768');
    }
    const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    if (!Number.isInteger(maxStreams) || maxStreams < 1) {
      throw new SrtpError('SRTP_BAD_OPTION', 'maxStreams must be a positive integer');
    }
    this.suite = params.suite;
    this.#params = params;
    this.#replaySize = replay;
    this.#maxStreams = maxStreams;
    let keys: { readonly rtp: SrtpSessionKeys; readonly rtcp: SrtpSessionKeys };
    if ('keySalt' in options) {
      const expected = params.keyLength + params.saltLength;
      if (!Buffer.isBuffer(options.keySalt) || options.keySalt.length !== expected) {
        throw new SrtpError(
          'SRTP_BAD_KEY_LENGTH',
          `${params.suite} needs ${expected} bytes of master key and salt, got ${Buffer.isBuffer(options.keySalt) ? options.keySalt.length : 'none'}`,
        );
      }
      const masterKey = Buffer.from(options.keySalt.subarray(0, params.keyLength));
      const masterSalt = Buffer.from(options.keySalt.subarray(params.keyLength));
      keys = deriveSrtpSessionKeys(params, masterKey, masterSalt);
      masterKey.fill(0);
      masterSalt.fill(0);
    } else {
      keys = options.sessionKeys;
      for (const k of [keys.rtp, keys.rtcp]) {
        if (
          k.encryptionKey.length !== params.keyLength ||
          k.salt.length !== params.saltLength ||
          k.authKey.length !== params.authKeyLength
        ) {
          throw new SrtpError('SRTP_BAD_KEY_LENGTH', `session keys do not match ${params.suite}`);
        }
      }
    }
    // SRTP indices follow each other: keystream is made for the next packets at once; SRTCP's come seconds apart.
    this.#rtp = new SrtpDirection(params, keys.rtp, params.rtpTagLength, RTP_KEYSTREAM_BATCH);
    this.#rtcp = new SrtpDirection(params, keys.rtcp, params.rtcpTagLength, 1);
  }

  /**
   * Verifies and decrypts one SRTP packet in place. Returns the length of the plain RTP packet now at the start
   * of `packet` (the tag is dropped), or a negative {@link SrtpResult}. On any failure the bytes of `packet` are
   * left as they were.
   */
  unprotectRtp(packet: Buffer): number {
    const len = packet.length;
    const tagLength = this.#rtp.tagLength;
    const end = len - tagLength;
    const headerLength = end > 0 ? rtpHeaderLength(packet, end) : -1;
    if (headerLength < 0) return this.#fail(SrtpResult.MALFORMED);
    const seq = (packet[2]! << 8) | packet[3]!;
    const ssrc = ((packet[8]! << 24) | (packet[9]! << 16) | (packet[10]! << 8) | packet[11]!) >>> 0;
    const window = ssrc === this.#lastSsrc ? this.#lastWindow : this.#rtpIn.get(ssrc);
    const index = estimateIndex(window === undefined ? -1 : window.highest, seq);
    if (index < 0) return this.#fail(SrtpResult.TOO_OLD);
    if (window !== undefined) {
      const replay = window.check(index);
      if (replay !== 0) return this.#fail(replay);
    }
    const roc = Math.floor(index / 0x10000);
    if (this.#params.aead) {
      // RFC 7714 §8.1: IV = salt XOR (00 00 ‖ SSRC ‖ ROC ‖ SEQ); AAD = the RTP header (§8.2).
      this.#rtp.rtpIv(ssrc, roc, seq);
      if (!this.#rtp.open(packet, headerLength, end, headerLength, -1, end)) {
        return this.#fail(SrtpResult.AUTH_FAILED);
      }
    } else {
      // §4.2: the tag covers the authenticated portion (the whole packet here) ‖ ROC.
      if (!this.#rtp.verifyTag(packet, end, roc, end)) return this.#fail(SrtpResult.AUTH_FAILED);
      this.#rtp.xor(ssrc, index, packet, headerLength, end);
    }
    const accepted = this.#remember(this.#rtpIn, ssrc, window);
    accepted.accept(index);
    // Set after #remember, which may have evicted the SSRC cached before.
    this.#lastSsrc = ssrc;
    this.#lastWindow = accepted;
    this.stats.decrypted++;
    return end;
  }

  /**
   * Verifies and decrypts one SRTCP compound packet in place. Returns the length of the plain RTCP now at the
   * start of `packet` (index word and tag dropped), or a negative {@link SrtpResult}; on failure `packet` is
   * unchanged. Packets sent with the E bit clear (authenticated only) are accepted as they are.
   */
  unprotectRtcp(packet: Buffer): number {
    let result = this.#openRtcp(packet, this.#rtcp.tagLength);
    if (result === SrtpResult.AUTH_FAILED && this.#params.rtcpTagLength !== this.#params.rtpTagLength) {
      // ffmpeg (libavformat/srtp.c) also tags SRTCP with 32 bits under AES_CM_128_HMAC_SHA1_32, where RFC 4568
      // §6.2.2 and libsrtp keep 80: accept either, so both kinds of sender are heard.
      const retry = this.#openRtcp(packet, this.#params.rtpTagLength);
      if (retry !== SrtpResult.MALFORMED) result = retry;
    }
    if (result < 0) return this.#fail(result as SrtpResult);
    this.stats.decrypted++;
    return result;
  }

  /** unprotectRtcp with one tag length; returns the plain length or a result code, and counts nothing. */
  #openRtcp(packet: Buffer, tagLength: number): number {
    const len = packet.length;
    const aead = this.#params.aead;
    if (len < RTCP_HEADER + SRTCP_TRAILER + tagLength || packet[0]! >> 6 !== 2) return SrtpResult.MALFORMED;
    // CM: ... | E‖index | tag.   GCM: ... | tag | E‖index.
    const trailerAt = aead ? len - SRTCP_TRAILER : len - tagLength - SRTCP_TRAILER;
    const word = packet.readUInt32BE(trailerAt);
    const encrypted = word >>> 31 === 1;
    const index = word & SRTCP_INDEX_MASK;
    const ssrc = packet.readUInt32BE(4);
    const window = this.#rtcpIn.get(ssrc);
    const plainEnd = aead ? len - GCM_TAG - SRTCP_TRAILER : trailerAt;
    if (aead) {
      const replay = window === undefined ? 0 : window.check(index);
      if (replay !== 0) return replay;
      // RFC 7714 §9.1: IV = salt XOR (00 00 ‖ SSRC ‖ 00 00 ‖ 0‖index); AAD = header ‖ E‖index (§9.2), or the
      // whole packet ‖ E‖index when only authenticated.
      this.#rtcp.rtcpIv(ssrc, index);
      const ok = encrypted
        ? this.#rtcp.open(packet, RTCP_HEADER, plainEnd, RTCP_HEADER, trailerAt, plainEnd)
        : this.#rtcp.open(packet, plainEnd, plainEnd, plainEnd, trailerAt, plainEnd);
      if (!ok) return SrtpResult.AUTH_FAILED;
    } else {
      // §3.4: the tag covers everything before it, the E‖index word included; no ROC for SRTCP. Verified before
      // the replay check here because the index word's position depends on the tag length being tried.
      const authEnd = trailerAt + SRTCP_TRAILER;
      if (!this.#rtcp.verifyTag(packet, authEnd, -1, authEnd, tagLength)) return SrtpResult.AUTH_FAILED;
      const replay = window === undefined ? 0 : window.check(index);
      if (replay !== 0) return replay;
      if (encrypted) {
        this.#rtcp.xor(ssrc, index, packet, RTCP_HEADER, plainEnd);
      }
    }
    this.#remember(this.#rtcpIn, ssrc, window).accept(index);
    return plainEnd;
  }

  /**
   * Protects a plain RTP packet and returns a new Buffer (header, encrypted payload, tag). For tests and the
   * benchmark's sender; the recorder itself never sends RTP. The sender-side ROC follows the sequence numbers.
   */
  protectRtp(packet: Buffer): Buffer {
    const headerLength = rtpHeaderLength(packet, packet.length);
    if (headerLength < 0) throw new SrtpError('SRTP_BAD_PACKET', 'not an RTP packet');
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const previous = this.#rtpOut.get(ssrc);
    const index = estimateIndex(previous ?? -1, seq);
    if (previous === undefined) this.#bound(this.#rtpOut);
    this.#rtpOut.set(ssrc, Math.max(previous ?? -1, index));
    const roc = Math.floor(Math.max(index, 0) / 0x10000);
    if (this.#params.aead) {
      this.#rtp.rtpIv(ssrc, roc, seq);
      const { body, tag } = this.#rtp.seal(packet.subarray(0, headerLength), packet.subarray(headerLength));
      return Buffer.concat([packet.subarray(0, headerLength), body, tag]);
    }
    const out = Buffer.alloc(packet.length + this.#rtp.tagLength);
    packet.copy(out);
    this.#rtp.xor(ssrc, Math.max(index, 0), out, headerLength, packet.length);
    this.#rtp.writeTag(out, packet.length, roc);
    return out;
  }

  /** Protects a plain RTCP compound packet (E bit set: encrypted) and returns a new Buffer. For tests. */
  protectRtcp(packet: Buffer): Buffer {
    if (packet.length < RTCP_HEADER || packet[0]! >> 6 !== 2)
      throw new SrtpError('SRTP_BAD_PACKET', 'not RTCP');
    const ssrc = packet.readUInt32BE(4);
    const previous = this.#rtcpOut.get(ssrc);
    if (previous === undefined) this.#bound(this.#rtcpOut);
    // §3.4: the SRTCP index starts at zero and counts packets sent, modulo 2^31.
    const index = previous ?? 0;
    this.#rtcpOut.set(ssrc, (index + 1) & SRTCP_INDEX_MASK);
    const word = (0x80000000 | index) >>> 0;
    if (this.#params.aead) {
      this.#rtcp.rtcpIv(ssrc, index);
      const trailer = Buffer.alloc(SRTCP_TRAILER);
      trailer.writeUInt32BE(word);
      const aad = Buffer.concat([packet.subarray(0, RTCP_HEADER), trailer]);
      const { body, tag } = this.#rtcp.seal(aad, packet.subarray(RTCP_HEADER));
      return Buffer.concat([packet.subarray(0, RTCP_HEADER), body, tag, trailer]);
    }
    const out = Buffer.alloc(packet.length + SRTCP_TRAILER + this.#rtcp.tagLength);
    packet.copy(out);
    this.#rtcp.xor(ssrc, index, out, RTCP_HEADER, packet.length);
    out.writeUInt32BE(word, packet.length);
    this.#rtcp.writeTag(out, packet.length + SRTCP_TRAILER, -1);
    return out;
  }

  /** The rollover counter currently estimated for an inbound SSRC, or undefined if none was received. */
  rolloverCounter(ssrc: number): number | undefined {
    const window = this.#rtpIn.get(ssrc >>> 0);
    return window === undefined ? undefined : Math.floor(window.highest / 0x10000);
  }

  /** Never shows keys: only the suite and the counters. */
  [inspect.custom](): string {
    return `SrtpSession { suite: '${this.suite}', stats: ${JSON.stringify(this.stats)} }`;
  }

  toString(): string {
    return `SrtpSession(${this.suite})`;
  }

  toJSON(): { suite: SrtpSuite; stats: SrtpSessionStats } {
    return { suite: this.suite, stats: { ...this.stats } };
  }

  #fail(result: SrtpResult): number {
    switch (result) {
      case SrtpResult.AUTH_FAILED:
        this.stats.authFailures++;
        break;
      case SrtpResult.REPLAYED:
        this.stats.replays++;
        break;
      case SrtpResult.TOO_OLD:
        this.stats.tooOld++;
        break;
      case SrtpResult.MALFORMED:
        this.stats.malformed++;
        break;
    }
    return result;
  }

  /** The replay window of `ssrc`, created (evicting the oldest stream beyond maxStreams) after a packet verified. */
  #remember(map: Map<number, ReplayWindow>, ssrc: number, existing: ReplayWindow | undefined): ReplayWindow {
    if (existing !== undefined) return existing;
    this.#bound(map);
    const window = new ReplayWindow(this.#replaySize);
    map.set(ssrc, window);
    return window;
  }

  #bound(map: Map<number, unknown>): void {
    if (map.size < this.#maxStreams) return;
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}
