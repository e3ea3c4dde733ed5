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
 * Per packet the receive path does no promise work, looks up no map for the SSRC it saw last, and reuses its
 * HMAC state (hmac-sha1.ts: the key's pad blocks hashed once) and GCM IV scratch. Node allocations that remain,
 * as Node offers no reusable alternative: the keystream Buffer the ECB cipher returns for every 8 AES-CM packets
 * (see aes-cm-keystream.ts), and one `createDecipheriv` per AES-GCM packet (a GCM context cannot be re-IV'd).
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { inspect } from 'node:util';
import { AesCmKeystream } from './aes-cm-keystream.js';
import { HmacSha1 } from './hmac-sha1.js';
import { ReplayWindow } from './replay-window.js';
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

/** The keys of one protocol (RTP or RTCP) in a form ready for per-packet use. */
interface DirectionCrypto {
  /** AES-GCM's IV salt (AES-CM's keystream keeps its own). */
  readonly salt: Buffer;
  readonly tagLength: number;
  /** AES-CM only. */
  readonly keystream: AesCmKeystream | undefined;
  /** AES-CM only. */
  readonly hmac: HmacSha1 | undefined;
  /** AES-GCM only. */
  readonly gcmKey: Buffer;
}

const DEFAULT_REPLAY_WINDOW = 128;
const DEFAULT_MAX_STREAMS = 16;
const SRTCP_INDEX_MASK = 0x7fffffff;
const RTCP_HEADER = 8;
const SRTCP_TRAILER = 4;
const GCM_TAG = 16;
/** Packets of an SSRC whose AES-CM keystream is made in one cipher call (see aes-cm-keystream.ts). */
const RTP_KEYSTREAM_BATCH = 8;

/** One SDES-keyed SRTP/SRTCP session. Keys never leave it: not in errors, not in `inspect`, not in JSON. */
export class SrtpSession {
  readonly suite: SrtpSuite;
  readonly stats: SrtpSessionStats = { decrypted: 0, authFailures: 0, replays: 0, tooOld: 0, malformed: 0 };

  readonly #params: SrtpSuiteParams;
  readonly #gcmAlgorithm: 'aes-128-gcm' | 'aes-256-gcm';
  readonly #rtp: DirectionCrypto;
  readonly #rtcp: DirectionCrypto;
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
  readonly #iv = Buffer.alloc(16);

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
    this.#gcmAlgorithm = params.keyLength === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
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
    this.#rtp = this.#direction(keys.rtp, params.rtpTagLength, RTP_KEYSTREAM_BATCH);
    this.#rtcp = this.#direction(keys.rtcp, params.rtcpTagLength, 1);
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
      this.#gcmRtpIv(ssrc, roc, seq);
      if (!this.#gcmOpen(this.#rtp, packet, headerLength, end, headerLength, -1, end)) {
        return this.#fail(SrtpResult.AUTH_FAILED);
      }
    } else {
      // §4.2: the tag covers the authenticated portion (the whole packet here) ‖ ROC.
      if (!this.#hmacVerify(this.#rtp, packet, end, roc, end)) return this.#fail(SrtpResult.AUTH_FAILED);
      this.#rtp.keystream!.xor(ssrc, index, packet, headerLength, end);
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
      this.#gcmRtcpIv(ssrc, index);
      const ok = encrypted
        ? this.#gcmOpen(this.#rtcp, packet, RTCP_HEADER, plainEnd, RTCP_HEADER, trailerAt, plainEnd)
        : this.#gcmOpen(this.#rtcp, packet, plainEnd, plainEnd, plainEnd, trailerAt, plainEnd);
      if (!ok) return SrtpResult.AUTH_FAILED;
    } else {
      // §3.4: the tag covers everything before it, the E‖index word included; no ROC for SRTCP. Verified before
      // the replay check here because the index word's position depends on the tag length being tried.
      if (
        !this.#hmacVerify(
          this.#rtcp,
          packet,
          trailerAt + SRTCP_TRAILER,
          -1,
          trailerAt + SRTCP_TRAILER,
          tagLength,
        )
      ) {
        return SrtpResult.AUTH_FAILED;
      }
      const replay = window === undefined ? 0 : window.check(index);
      if (replay !== 0) return replay;
      if (encrypted) {
        this.#rtcp.keystream!.xor(ssrc, index, packet, RTCP_HEADER, plainEnd);
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
      this.#gcmRtpIv(ssrc, roc, seq);
      const cipher = createCipheriv(this.#gcmAlgorithm, this.#rtp.gcmKey, this.#iv.subarray(0, 12));
      cipher.setAAD(packet.subarray(0, headerLength));
      const body = cipher.update(packet.subarray(headerLength));
      cipher.final();
      return Buffer.concat([packet.subarray(0, headerLength), body, cipher.getAuthTag()]);
    }
    const out = Buffer.alloc(packet.length + this.#rtp.tagLength);
    packet.copy(out);
    this.#rtp.keystream!.xor(ssrc, Math.max(index, 0), out, headerLength, packet.length);
    this.#hmacWrite(this.#rtp, out, packet.length, roc);
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
      this.#gcmRtcpIv(ssrc, index);
      const trailer = Buffer.alloc(SRTCP_TRAILER);
      trailer.writeUInt32BE(word);
      const cipher = createCipheriv(this.#gcmAlgorithm, this.#rtcp.gcmKey, this.#iv.subarray(0, 12));
      cipher.setAAD(Buffer.concat([packet.subarray(0, RTCP_HEADER), trailer]));
      const body = cipher.update(packet.subarray(RTCP_HEADER));
      cipher.final();
      return Buffer.concat([packet.subarray(0, RTCP_HEADER), body, cipher.getAuthTag(), trailer]);
    }
    const out = Buffer.alloc(packet.length + SRTCP_TRAILER + this.#rtcp.tagLength);
    packet.copy(out);
    this.#rtcp.keystream!.xor(ssrc, index, out, RTCP_HEADER, packet.length);
    out.writeUInt32BE(word, packet.length);
    this.#hmacWrite(this.#rtcp, out, packet.length + SRTCP_TRAILER, -1);
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

  #direction(keys: SrtpSessionKeys, tagLength: number, batch: number): DirectionCrypto {
    const aead = this.#params.aead;
    return {
      salt: Buffer.from(keys.salt),
      tagLength,
      keystream: aead ? undefined : new AesCmKeystream(keys.encryptionKey, keys.salt, batch),
      hmac: aead ? undefined : new HmacSha1(keys.authKey),
      gcmKey: aead ? Buffer.from(keys.encryptionKey) : Buffer.alloc(0),
    };
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

  #gcmRtpIv(ssrc: number, roc: number, seq: number): void {
    const iv = this.#iv;
    this.#rtp.salt.copy(iv, 0, 0, 12);
    xor32(iv, 2, ssrc);
    xor32(iv, 6, roc);
    iv[10]! ^= seq >>> 8;
    iv[11]! ^= seq & 0xff;
  }

  #gcmRtcpIv(ssrc: number, index: number): void {
    const iv = this.#iv;
    this.#rtcp.salt.copy(iv, 0, 0, 12);
    xor32(iv, 2, ssrc);
    xor32(iv, 8, index);
  }

  /**
   * AES-GCM open with the IV in #iv: AAD = packet[0, aadEnd) (+ the 4 bytes at `trailerAt` when ≥ 0), ciphertext
   * packet[ctStart, ctEnd), tag the 16 bytes at `tagAt`. Writes the plaintext back only once the tag verified.
   */
  #gcmOpen(
    dir: DirectionCrypto,
    packet: Buffer,
    ctStart: number,
    ctEnd: number,
    aadEnd: number,
    trailerAt: number,
    tagAt: number,
  ): boolean {
    const decipher = createDecipheriv(this.#gcmAlgorithm, dir.gcmKey, this.#iv.subarray(0, 12), {
      authTagLength: GCM_TAG,
    });
    decipher.setAAD(packet.subarray(0, aadEnd));
    if (trailerAt >= 0) decipher.setAAD(packet.subarray(trailerAt, trailerAt + SRTCP_TRAILER));
    const plain = decipher.update(packet.subarray(ctStart, ctEnd));
    decipher.setAuthTag(packet.subarray(tagAt, tagAt + GCM_TAG));
    try {
      decipher.final();
    } catch {
      return false;
    }
    plain.copy(packet, ctStart);
    return true;
  }

  #hmacVerify(
    dir: DirectionCrypto,
    packet: Buffer,
    authEnd: number,
    roc: number,
    tagAt: number,
    tagLength: number = dir.tagLength,
  ): boolean {
    const digest = dir.hmac!.compute(packet, authEnd, roc >= 0 ? roc >>> 0 : -1);
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= digest[i]! ^ packet[tagAt + i]!;
    return diff === 0;
  }

  #hmacWrite(dir: DirectionCrypto, out: Buffer, authEnd: number, roc: number): void {
    const digest = dir.hmac!.compute(out, authEnd, roc >= 0 ? roc >>> 0 : -1);
    for (let i = 0; i < dir.tagLength; i++) out[authEnd + i] = digest[i]!;
  }
}

function xor32(buf: Buffer, offset: number, value: number): void {
  buf[offset]! ^= value >>> 24;
  buf[offset + 1]! ^= (value >>> 16) & 0xff;
  buf[offset + 2]! ^= (value >>> 8) & 0xff;
  buf[offset + 3]! ^= value & 0xff;
}
