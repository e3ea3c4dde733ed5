/**
 * What the media engine needs to know about a session's streams after each offer/answer: for every accepted
 * stream with ports, its codec and payload types, SRTP keys (the SRC's to decrypt, ours to protect the receiver
 * reports), channel, rtcp-mux and whether it is on hold. Rejected streams are left out (their ports are released).
 */
import type { MediaStreamConfig } from '../../media/engine/engine-protocol.js';
import type { StreamState } from './stream-state.js';

/** The media configuration of the accepted streams, in offer order. */
export function mediaStreamsOf(streams: readonly StreamState[]): MediaStreamConfig[] {
  const out: MediaStreamConfig[] = [];
  for (const s of streams) {
    if (!s.accepted || !s.ports || !s.codec || s.channel === undefined) continue;
    out.push({
      rtpPort: s.ports.rtpPort,
      label: s.label ?? null,
      channel: s.channel,
      codec: { name: s.codec.name, pt: s.codec.pt, clockRate: s.codec.clockRate },
      telephoneEvent: s.codec.telephoneEvent
        ? { pt: s.codec.telephoneEvent.pt, clockRate: s.codec.telephoneEvent.clockRate }
        : null,
      comfortNoisePt: s.codec.comfortNoise?.pt ?? null,
      srtp: s.srtp
        ? { suite: s.srtp.suite, remoteKeySalt: s.srtp.remoteKeySalt, localKeySalt: s.srtp.local.keySalt }
        : null,
      rtcpMux: s.rtcpMux,
      active: s.direction === 'recvonly',
      remoteAddress: s.remoteAddress ?? null,
      remotePort: s.remotePort,
    });
  }
  return out;
}
