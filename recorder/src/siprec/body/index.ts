/** SIPREC request bodies: multipart splitting, SDP/metadata location, recording-session recognition. */
export { classifyInvite, type ClassifyInput, type ClassifyResult } from './classify.js';
export { mediaTypeOf, parseContentType, type ParsedContentType } from './content-type.js';
export { BODY_ERROR_STATUS, SiprecBodyError, type BodyErrorCode } from './errors.js';
export { extractSiprecBody } from './extract.js';
export { MAX_BODY_BYTES, MAX_PARTS, parseMultipart } from './multipart.js';
export type { BodyPart, MultipartResult, SiprecBody } from './types.js';
