/**
 * The data model of an SDP offer as a SIPREC SRC sends it (RFC 4566, RFC 3264, RFC 7866 §8) and of the answer
 * streams the SIPREC layer decides on. Pure data: every function in this folder reads or produces these shapes.
 */

/** Media directions of RFC 4566 §6 / RFC 3264 §5.1; absent means `sendrecv`. */
export type MediaDirection = 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';

/** One payload type of an m-line, from its `a=rtpmap` or the RFC 3551 static table. */
export interface OfferedCodec {
  readonly pt: number;
  /** Encoding name in upper case (PCMU, PCMA, G722, OPUS, G729, TELEPHONE-EVENT, CN …). */
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
  /** The `a=fmtp` parameters of this payload type, as offered. */
  readonly fmtp?: string;
}

/** An `a=crypto` line split into its fields (RFC 4568 §9.1); validated later by `parseCryptoAttribute`. */
export interface OfferedCrypto {
  readonly tag: number;
  readonly suite: string;
  /** The key parameters exactly as offered, e.g. `inline:<base64>|2^31|1:4` (several joined by `;`). */
  readonly keyParams: string;
  readonly sessionParams: readonly string[];
}

/** One offered m-line and the attributes of its media block. */
export interface OfferedMedia {
  /** Position of the m-line in the offer, from 0. */
  readonly index: number;
  /** Media type in lower case: audio, video, text, application, message … */
  readonly kind: string;
  readonly port: number;
  /** Transport protocol as offered (RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVP, TCP/MSRP …). */
  readonly protocol: string;
  /** The format list of the m-line, as offered. */
  readonly formats: readonly string[];
  /** RTP payload types in format order; dynamic ones without `a=rtpmap` are left out (they cannot be named). */
  readonly codecs: readonly OfferedCodec[];
  /** `a=label` (RFC 4574), an opaque string. */
  readonly label?: string;
  readonly direction: MediaDirection;
  /** The media-level `c=` address, else the session-level one. */
  readonly connectionAddress?: string;
  /** `c=` 0.0.0.0 / `::` (RFC 3264 §8.4 legacy hold) or `a=inactive`. */
  readonly onHold: boolean;
  readonly rtcpMux: boolean;
  readonly rtcpPort?: number;
  readonly ptime?: number;
  readonly maxptime?: number;
  readonly crypto: readonly OfferedCrypto[];
}

/** The `o=` line (RFC 4566 §5.2). Fields are empty strings when the offer had no usable `o=`. */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly address: string;
}

/** A parsed SDP offer. */
export interface SdpOffer {
  readonly origin: SdpOrigin;
  /** The session-level `c=` address, when there is one. */
  readonly sessionConnection?: string;
  readonly media: readonly OfferedMedia[];
}

/** Codecs we can decode, plus G.729 which is stored raw when it is all an SRC offers (INTEROP §6). */
export type ChosenCodecName = 'PCMU' | 'PCMA' | 'G722' | 'OPUS' | 'G729';

/** The one codec we take from an m-line, with the DTMF and comfort-noise payload types that go with it. */
export interface ChosenCodec {
  readonly pt: number;
  readonly name: ChosenCodecName;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
  /** RFC 4733 events, kept so DTMF is preserved. */
  readonly telephoneEvent?: { readonly pt: number; readonly clockRate: number; readonly fmtp?: string };
  /** RFC 3389 comfort noise. */
  readonly comfortNoise?: { readonly pt: number };
}

/** What we answer for one offered m-line; one per offered m-line, in order. */
export interface AnswerStream {
  /** False: rejected with port 0 (RFC 3264 §6). */
  readonly accepted: boolean;
  /** Our RTP port; RTCP is on port + 1 unless rtcp-mux is used. */
  readonly port: number;
  /** Required when accepted. */
  readonly codec?: ChosenCodec;
  /** `recvonly` to record; `inactive` to defer. Never sendrecv/sendonly: an SRS does not send media. */
  readonly direction: 'recvonly' | 'inactive';
  /**
   * Our SDES key for an SRTP stream (RFC 4568): the tag of the offered line we accepted, its suite, and our own
   * key‖salt in base64 (`inline` may also be given with its `inline:` prefix). `sessionParams` are the declarative
   * session parameters we accepted and must echo (UNENCRYPTED_SRTCP …, RFC 4568 §6.3).
   */
  readonly crypto?: {
    readonly tag: number;
    readonly suite: string;
    readonly inline: string;
    readonly sessionParams?: readonly string[];
  };
  /** Accept RTCP multiplexing (RFC 5761) when the offer asked for it. */
  readonly rtcpMux?: boolean;
}

/** Our side of the `o=` and `c=` lines. */
export interface LocalSdpIdentity {
  /** The address SRCs send media to (IPv4 or IPv6). */
  readonly address: string;
  /** Numeric session id, kept for the life of the recording session. */
  readonly sessionId: string;
  /** Incremented for every answer that differs from the previous one (RFC 3264 §8). */
  readonly version: number;
  readonly username?: string;
}
