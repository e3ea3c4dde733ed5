/**
 * Turns an SDP offer into per-stream decisions and bound ports (INTEROP §5–§7): which m-lines we record, with which
 * codec and SRTP key, on which ports — and, for a re-offer, which existing streams they continue.
 *
 * The rules:
 * - Audio with a codec we can take is recorded (`recvonly`), or answered `inactive` when offered inactive or on
 *   hold; other media (video, text, MSRP) and unusable audio are answered with port 0, never by failing the INVITE.
 * - SRTP_POLICY: `required` refuses an RTP/AVP audio stream with 488; `disabled` answers RTP/SAVP streams with port
 *   0; SAVP with no suite we support gets port 0 (never RTP/AVP to a SAVP offer).
 * - No stream left to take → 488.
 */
import { SessionError } from './session-error.js';
import { emptyStream, type StreamState } from './stream-state.js';
import type { MediaPortPair as PortPair } from '../../media/engine/engine-protocol.js';
import type { SrtpPolicy } from '../../config/config.js';
import {
  chooseCodec,
  chooseCrypto,
  generateLocalCrypto,
  type AnswerStream,
  type OfferedMedia,
  type SdpOffer,
} from '../sdp/index.js';

/** Where ports come from: in production the recording's handle in the media engine, which binds them on its worker. */
export interface PortSource {
  allocate(): Promise<PortPair>;
  release(pair: PortPair): void;
}

export interface NegotiationContext {
  readonly srtpPolicy: SrtpPolicy;
  readonly ports: PortSource;
  readonly random: (n: number) => Buffer;
}

export interface NegotiationResult {
  /** The session's streams after this offer (existing entries updated in place). */
  readonly streams: StreamState[];
  /** Answer lines, one per offered m-line. */
  readonly answer: AnswerStream[];
  /** Ports to release once the answer is committed (streams that were dropped). */
  readonly released: PortPair[];
}

const isSecure = (m: OfferedMedia): boolean => /SAVP/i.test(m.protocol);

/**
 * Negotiates an offer. For a re-offer pass the session's current streams: each m-line continues the stream with
 * the same label (labels are opaque, INTEROP §4), else the one at the same position.
 * On error nothing changes: ports bound for new streams are released before throwing.
 * @throws SessionError with status 488 (unacceptable offer) or 503 (no RTP ports)
 */
export async function negotiateOffer(
  offer: SdpOffer,
  current: readonly StreamState[],
  ctx: NegotiationContext,
): Promise<NegotiationResult> {
  const plans = offer.media.map((media) => planStream(media, ctx.srtpPolicy));
  const refused = plans.find((p) => p.fatal !== undefined);
  if (refused?.fatal !== undefined) throw new SessionError('SESSION_SRTP_REQUIRED', 488, refused.fatal);
  if (!plans.some((p) => p.accept)) {
    const why = plans.map((p) => p.rejectReason).filter(Boolean)[0] ?? 'no audio stream';
    throw new SessionError('SESSION_NO_ACCEPTABLE_STREAM', 488, `no acceptable stream: ${why}`);
  }

  const previous = matchPrevious(offer, current);
  const newlyBound: PortPair[] = [];
  const streams: StreamState[] = [];
  try {
    for (const [i, media] of offer.media.entries()) {
      const plan = plans[i]!;
      const before = previous[i];
      const stream: StreamState = before ? { ...before, mediaIndex: i } : emptyStream(i);
      stream.label = media.label;
      stream.kind = media.kind;
      stream.remoteAddress = media.connectionAddress;
      stream.remotePort = media.port;
      stream.rtcpMux = media.rtcpMux;
      if (plan.accept) {
        if (!stream.ports) {
          stream.ports = await ctx.ports.allocate();
          newlyBound.push(stream.ports);
        }
        stream.accepted = true;
        stream.rejectReason = undefined;
        stream.codec = plan.codec;
        stream.direction = media.direction === 'inactive' || media.onHold ? 'inactive' : 'recvonly';
        stream.srtp = plan.crypto ? keepOrCreateKey(stream, plan.crypto, ctx.random) : undefined;
      } else {
        stream.accepted = false;
        stream.direction = 'inactive';
        stream.rejectReason = plan.rejectReason;
      }
      streams.push(stream);
    }
  } catch (err) {
    for (const pair of newlyBound) ctx.ports.release(pair);
    throw err instanceof SessionError
      ? err
      : new SessionError('SESSION_NO_PORTS', 503, `cannot bind RTP ports: ${(err as Error).message}`);
  }

  assignChannels(streams, current);
  const kept = new Set(streams.filter((s) => s.accepted && s.ports).map((s) => s.ports));
  const released: PortPair[] = [];
  for (const old of current) {
    if (old.ports && !kept.has(old.ports)) released.push(old.ports);
  }
  for (const s of streams) if (!s.accepted) s.ports = undefined;

  const answer: AnswerStream[] = streams.map((s) =>
    s.accepted && s.ports && s.codec
      ? {
          accepted: true,
          port: s.ports.rtpPort,
          codec: s.codec,
          direction: s.direction,
          ...(s.rtcpMux ? { rtcpMux: true } : {}),
          ...(s.srtp
            ? {
                crypto: {
                  tag: s.srtp.tag,
                  suite: s.srtp.suite,
                  inline: s.srtp.local.inline,
                  sessionParams: s.srtp.sessionParams,
                },
              }
            : {}),
        }
      : { accepted: false, port: 0, direction: 'inactive' },
  );
  return { streams, answer, released };
}

interface StreamPlan {
  accept: boolean;
  codec?: ReturnType<typeof chooseCodec> & object;
  crypto?: { suite: string; tag: number; remoteKeySalt: Buffer; sessionParams: readonly string[] };
  rejectReason?: string;
  /** Set when the whole offer must be refused. */
  fatal?: string;
}

function planStream(media: OfferedMedia, policy: SrtpPolicy): StreamPlan {
  if (media.port === 0) return { accept: false, rejectReason: 'disabled by the SRC (port 0)' };
  if (media.kind !== 'audio') return { accept: false, rejectReason: `${media.kind} is not recorded` };
  // Plain RTP and SDES-SRTP only; DTLS-SRTP (UDP/TLS/RTP/SAVP) and MSRP are answered with port 0.
  if (!/^RTP\/S?AVPF?$/i.test(media.protocol))
    return { accept: false, rejectReason: `transport ${media.protocol}` };
  const codec = chooseCodec(media);
  if (!codec) return { accept: false, rejectReason: 'no codec we can record' };
  if (!isSecure(media)) {
    if (policy === 'required') {
      return { accept: false, fatal: `SRTP required: m-line ${media.index} is ${media.protocol}` };
    }
    return { accept: true, codec };
  }
  if (policy === 'disabled') return { accept: false, rejectReason: 'SRTP disabled by policy' };
  const chosen = chooseCrypto(media);
  const key = chosen?.keys[0];
  if (!chosen || !key) {
    return { accept: false, rejectReason: 'no supported SRTP crypto suite offered' };
  }
  return {
    accept: true,
    codec,
    crypto: {
      suite: chosen.suite,
      tag: chosen.tag,
      remoteKeySalt: key.keySalt,
      sessionParams: chosen.answerSessionParams,
    },
  };
}

/** RFC 4568 §7.1.4: a re-offer may keep the keys; we keep ours while the suite is unchanged. */
function keepOrCreateKey(
  stream: StreamState,
  crypto: NonNullable<StreamPlan['crypto']>,
  random: (n: number) => Buffer,
): NonNullable<StreamState['srtp']> {
  const local =
    stream.srtp && stream.srtp.suite === crypto.suite
      ? stream.srtp.local
      : generateLocalCrypto(crypto.suite, random);
  return { ...crypto, local };
}

/** For each offered m-line, the current stream it continues (by unique label, else by position). */
function matchPrevious(offer: SdpOffer, current: readonly StreamState[]): (StreamState | undefined)[] {
  const byLabel = new Map<string, StreamState>();
  for (const s of current) if (s.label !== undefined) byLabel.set(s.label, s);
  const used = new Set<StreamState>();
  return offer.media.map((m, i) => {
    const candidate = (m.label !== undefined ? byLabel.get(m.label) : undefined) ?? current[i];
    if (!candidate || used.has(candidate)) return undefined;
    used.add(candidate);
    return candidate;
  });
}

/** Channels follow offer order among recorded audio streams and never change once given. */
function assignChannels(streams: StreamState[], current: readonly StreamState[]): void {
  let next = 0;
  for (const s of current) if (s.channel !== undefined) next = Math.max(next, s.channel + 1);
  for (const s of streams) {
    if (s.channel === undefined && s.accepted) s.channel = next++;
  }
}
