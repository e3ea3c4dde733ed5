/**
 * SIPREC SDP: tolerant offer parsing, codec and SDES-SRTP choice, our own SRTP keys, and the strict answer.
 * Pure functions — the caller allocates RTP ports and passes them in.
 */
export { parseOffer, SDP_LIMITS, type ParseOfferResult } from './parse-offer.js';
export { chooseCodec } from './choose-codec.js';
export {
  parseCryptoAttribute,
  SUPPORTED_SRTP_SUITES,
  srtpSuite,
  type ParseCryptoResult,
  type ParsedCrypto,
  type SrtpMasterKey,
  type SrtpSessionParams,
  type SrtpSuiteInfo,
} from './crypto-attribute.js';
export { chooseCrypto, type ChosenCrypto } from './choose-crypto.js';
export { generateLocalCrypto, type LocalCrypto } from './local-crypto.js';
export { buildAnswer } from './build-answer.js';
export { sameOfferVersion } from './same-offer-version.js';
export { SDP_ERROR_CODES, SDP_OFFER_REJECT_STATUS, SdpError, type SdpErrorCode } from './errors.js';
export type * from './types.js';
