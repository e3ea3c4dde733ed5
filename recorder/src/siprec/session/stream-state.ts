/**
 * What the recorder holds for each offered m-line of a recording session. One entry per m-line, in offer order,
 * for the whole life of the session: a re-INVITE updates entries (matched by label, else by position) rather than
 * replacing them, so a stream keeps its ports and its channel across hold, resume, transfer and codec changes.
 */
import type { MediaPortPair } from '../../media/engine/engine-protocol.js';
import type { LocalCrypto } from '../sdp/index.js';
import type { ChosenCodec } from '../sdp/index.js';

export interface StreamSrtp {
  readonly suite: string;
  readonly tag: number;
  /** The SRC's master key‖salt (decrypts what it sends). Secret. */
  readonly remoteKeySalt: Buffer;
  /** Ours, sent in the answer (protects our RTCP). Secret. */
  readonly local: LocalCrypto;
  readonly sessionParams: readonly string[];
}

export interface StreamState {
  readonly mediaIndex: number;
  label: string | undefined;
  kind: string;
  /** False when answered with port 0. */
  accepted: boolean;
  direction: 'recvonly' | 'inactive';
  codec: ChosenCodec | undefined;
  srtp: StreamSrtp | undefined;
  rtcpMux: boolean;
  /** The RTP/RTCP ports bound on the recording's media worker while the stream is accepted. */
  ports: MediaPortPair | undefined;
  /** Channel in the recording (offer order among recorded audio streams), fixed once given. */
  channel: number | undefined;
  /** Where the SRC said it sends from (the real source is latched from the first packet). */
  remoteAddress: string | undefined;
  remotePort: number;
  /** Why the stream was not accepted, for the sidecar and logs. */
  rejectReason: string | undefined;
  /** Liveness as the media worker last reported it (about once a second). */
  packetsReceived: number;
  bytesReceived: number;
  firstPacketAt: number | undefined;
  lastPacketAt: number | undefined;
}

/** A stream entry with nothing negotiated yet. */
export function emptyStream(mediaIndex: number): StreamState {
  return {
    mediaIndex,
    label: undefined,
    kind: 'audio',
    accepted: false,
    direction: 'inactive',
    codec: undefined,
    srtp: undefined,
    rtcpMux: false,
    ports: undefined,
    channel: undefined,
    remoteAddress: undefined,
    remotePort: 0,
    rejectReason: undefined,
    packetsReceived: 0,
    bytesReceived: 0,
    firstPacketAt: undefined,
    lastPacketAt: undefined,
  };
}
