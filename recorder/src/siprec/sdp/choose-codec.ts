/**
 * One codec per recorded m-line (INTEROP §6, RFC 3264 §6.1). We prefer what we decode — PCMU, PCMA, G.722, Opus —
 * in the offer's own order among those; G.729 only when nothing else is offered (its frames are stored raw). Whole
 * sessions are never refused because the first payload type is G.729 (Metaswitch, Oracle list it first).
 */
import type { ChosenCodec, ChosenCodecName, OfferedCodec, OfferedMedia } from './types.js';

/** The clock rate each codec must be offered with to be usable (RFC 3551 §4.5, RFC 7587 §4.1). */
const CLOCK_RATES: Readonly<Record<ChosenCodecName, number>> = {
  PCMU: 8000,
  PCMA: 8000,
  // RFC 3551 §4.5.2: the RTP clock of G.722 is 8000 although it samples at 16 kHz.
  G722: 8000,
  OPUS: 48000,
  G729: 8000,
};

/** Default ranks: everything we decode ties (offer order wins), G.729 last. */
const DEFAULT_RANK: Readonly<Record<ChosenCodecName, number>> = {
  PCMU: 0,
  PCMA: 0,
  G722: 0,
  OPUS: 0,
  G729: 1,
};

function isChoosable(codec: OfferedCodec): codec is OfferedCodec & { name: ChosenCodecName } {
  if (!Object.hasOwn(CLOCK_RATES, codec.name)) return false;
  const name = codec.name as ChosenCodecName;
  if (codec.clockRate !== CLOCK_RATES[name]) return false;
  // RFC 7587 §7: opus is always /48000/2 in SDP; a bare /48000 is tolerated. G.711 & co. are mono.
  return name === 'OPUS' ? codec.channels <= 2 : codec.channels === 1;
}

/**
 * Chooses the codec to record an m-line with.
 * @param prefs optional codec names (PCMU, PCMA, G722, OPUS, G729) in order of preference; codecs not listed are
 *   not chosen, and ties between payload types of one codec go to the offer's order
 * @returns the codec with the telephone-event and CN payload types to keep, or null if nothing usable is offered
 */
export function chooseCodec(media: OfferedMedia, prefs?: readonly string[]): ChosenCodec | null {
  const rankOf = (name: ChosenCodecName): number => {
    if (prefs === undefined) return DEFAULT_RANK[name];
    const index = prefs.findIndex((p) => p.toUpperCase() === name);
    return index < 0 ? Infinity : index;
  };

  let best: (OfferedCodec & { name: ChosenCodecName }) | undefined;
  let bestRank = Infinity;
  for (const codec of media.codecs) {
    if (!isChoosable(codec)) continue;
    const rank = rankOf(codec.name);
    if (rank < bestRank) {
      best = codec;
      bestRank = rank;
    }
  }
  if (best === undefined) return null;

  // RFC 4733 §7.1.1: the event clock rate should match the audio's; Webex offers /8000 and /48000 with opus.
  const events = media.codecs.filter((c) => c.name === 'TELEPHONE-EVENT');
  const event = events.find((c) => c.clockRate === best.clockRate) ?? events[0];
  const noises = media.codecs.filter((c) => c.name === 'CN');
  const noise = noises.find((c) => c.clockRate === best.clockRate) ?? noises[0];

  return {
    pt: best.pt,
    name: best.name,
    clockRate: best.clockRate,
    // RFC 7587 §7: opus is described as 2 channels whatever the stream carries, and answered so.
    channels: best.name === 'OPUS' ? 2 : best.channels,
    ...(best.fmtp === undefined ? {} : { fmtp: best.fmtp }),
    ...(event === undefined
      ? {}
      : {
          telephoneEvent: {
            pt: event.pt,
            clockRate: event.clockRate,
            ...(event.fmtp === undefined ? {} : { fmtp: event.fmtp }),
          },
        }),
    ...(noise === undefined ? {} : { comfortNoise: { pt: noise.pt } }),
  };
}
