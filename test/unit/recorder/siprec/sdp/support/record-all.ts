/**
 * The answer policy a SIPREC session applies, for tests: record every audio stream whose codec we can take (SRTP
 * where offered and a crypto line is usable), reject the rest with port 0. Keys come from a fake random source so
 * answers are reproducible.
 */
import { chooseCodec } from '../../../../../../recorder/src/siprec/sdp/choose-codec.js';
import { chooseCrypto } from '../../../../../../recorder/src/siprec/sdp/choose-crypto.js';
import { generateLocalCrypto } from '../../../../../../recorder/src/siprec/sdp/local-crypto.js';
import type { AnswerStream, SdpOffer } from '../../../../../../recorder/src/siprec/sdp/types.js';

/** Deterministic bytes standing in for crypto.randomBytes. */
export const fakeRandom = (n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));

/** Our side of o=/c= in test answers. */
export const LOCAL = { address: '192.0.2.99', sessionId: '4242', version: 1 };

/** One answer stream per offered m-line, RTP ports from `firstPort` in steps of 2. */
export function recordAll(offer: SdpOffer, firstPort = 30000): AnswerStream[] {
  return offer.media.map((m, i): AnswerStream => {
    const port = firstPort + 2 * i;
    const codec = m.kind === 'audio' ? chooseCodec(m) : null;
    const rejected: AnswerStream = { accepted: false, port: 0, direction: 'inactive' };
    if (codec === null || m.protocol.toUpperCase().startsWith('UDP/TLS')) return rejected;
    if (!/SAVP/i.test(m.protocol))
      return { accepted: true, port, codec, direction: 'recvonly', rtcpMux: true };
    const chosen = chooseCrypto(m);
    if (chosen === null) return rejected;
    const local = generateLocalCrypto(chosen.suite, fakeRandom);
    return {
      accepted: true,
      port,
      codec,
      direction: 'recvonly',
      crypto: {
        tag: chosen.tag,
        suite: chosen.suite,
        inline: local.inline,
        sessionParams: chosen.answerSessionParams,
      },
    };
  });
}
