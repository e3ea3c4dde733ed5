/** The SIP message layer: types, parser, serializer and header helpers. */
export type { SipMessage, SipRequest, SipResponse } from './types.js';
export { SipHeaders, canonicalHeaderName, headerKey } from './headers.js';
export { parseSipMessage, type ParseOptions } from './parser.js';
export { serializeSipMessage } from './serializer.js';
export {
  SipParseError,
  SIP_PARSE_ERRORS,
  type SipParseErrorCode,
  type SipParsePartial,
} from './parse-error.js';
export { SipHeaderError, type SipHeaderErrorCode } from './header-error.js';
export { parseUri, formatUri, type SipUri } from './uri.js';
export { parseNameAddr, formatNameAddr, getTag, type NameAddr } from './name-addr.js';
export { parseVia, formatVia, BRANCH_MAGIC_COOKIE, type Via } from './via.js';
export { parseCSeq, type CSeq } from './cseq.js';
export { hasOptionTag } from './option-tags.js';
export { createResponse, type CreateResponseOptions } from './response.js';
export { reasonPhrase } from './reason-phrases.js';
export { newTag, newBranch, newCallId, cryptoRandom, type RandomSource } from './random.js';
