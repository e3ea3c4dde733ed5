/**
 * Finds the SDP and the recording metadata in the body of a SIPREC INVITE, re-INVITE, UPDATE or BYE
 * (RFC 7866 §8: multipart/mixed with `application/sdp` and `application/rs-metadata+xml`; RFC 9806 for the
 * media type). Real SRCs also send metadata-only bodies (Avaya SBCE and Webex UPDATEs, Ribbon BYEs), plain SDP
 * (hold re-INVITEs, Cisco NBR), legacy `application/rs-metadata`, and garbled part types (INTEROP.md §2).
 */
import { mediaTypeOf, parseContentType } from './content-type.js';
import { SiprecBodyError } from './errors.js';
import { MAX_BODY_BYTES, parseMultipart } from './multipart.js';
import type { BodyPart, SiprecBody } from './types.js';

const SDP = 'application/sdp';
/** RFC 7866 §6.2: the disposition that marks the metadata part. */
const RECORDING_SESSION = 'recording-session';

/** `application/rs-metadata`, `application/rs-metadata+xml` and vendor variants — not the SRS's `-request`. */
function isMetadataType(type: string): boolean {
  return type.startsWith('application/rs-metadata') && !type.startsWith('application/rs-metadata-request');
}

function dispositionOf(part: BodyPart): string {
  return part.disposition?.type ?? '';
}

/**
 * Takes apart a SIPREC request body.
 *
 * @param contentType the request's Content-Type header value (`undefined` when absent)
 * @param body the request body
 * @param contentDisposition the request's Content-Disposition, which marks a whole-body metadata document
 *   (`recording-session`) when the Content-Type is garbled
 * @throws {SiprecBodyError} 415 for a body type we cannot use (answer with `Accept`), 400 for a multipart body
 *   without boundary or whose boundary is absent, 413 for a body over 1 MiB.
 */
export function extractSiprecBody(
  contentType: string | undefined,
  body: Buffer,
  contentDisposition?: string,
): SiprecBody {
  for (const known of recentlyTakenApart) {
    if (known.body === body && known.contentType === contentType && known.disposition === contentDisposition)
      return known.result;
  }
  const result = takeApart(contentType, body, contentDisposition);
  if (body.length > 0) {
    recentlyTakenApart[nextSlot] = { body, contentType, disposition: contentDisposition, result };
    nextSlot = (nextSlot + 1) % RECENT_BODIES;
  }
  return result;
}

/**
 * Bodies taken apart lately, matched by buffer identity: an initial INVITE's body is read by the session handler
 * and again, a few awaits later, for the session store; a request's buffer never changes once parsed. A small
 * ring compared by identity (a WeakMap keyed by each new buffer cost more than the second reading it saves).
 * Results are shared, so callers treat them as read-only; refusals are not kept (rare, thrown anew).
 */
const RECENT_BODIES = 16;
const recentlyTakenApart: {
  body: Buffer;
  contentType: string | undefined;
  disposition: string | undefined;
  result: SiprecBody;
}[] = [];
let nextSlot = 0;

function takeApart(contentType: string | undefined, body: Buffer, contentDisposition?: string): SiprecBody {
  const warnings: string[] = [];
  if (body.length > MAX_BODY_BYTES) {
    throw new SiprecBodyError('BODY_TOO_LARGE', `body of ${body.length} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  if (body.toString('latin1').trim() === '') return { otherParts: [], warnings };

  const parsed = contentType === undefined ? undefined : parseContentType(contentType);
  const type = parsed?.type ?? sniff(body, warnings);
  const disposition = contentDisposition === undefined ? '' : mediaTypeOf(contentDisposition);

  if (type === SDP) return { sdp: body.toString('utf8'), otherParts: [], warnings };
  if (isMetadataType(type)) {
    return { metadata: { raw: body.toString('utf8'), contentType: type }, otherParts: [], warnings };
  }
  if (type.startsWith('multipart/')) {
    const boundary = parsed?.params.get('boundary');
    if (boundary === undefined) {
      throw new SiprecBodyError('MULTIPART_NO_BOUNDARY', `${type} without a boundary parameter`);
    }
    const result = parseMultipart(body, boundary);
    return pickParts(result.parts, [...warnings, ...result.warnings]);
  }
  if (disposition === RECORDING_SESSION) {
    warnings.push(
      `Content-Type "${type}" taken as metadata because of Content-Disposition: recording-session`,
    );
    return { metadata: { raw: body.toString('utf8'), contentType: type }, otherParts: [], warnings };
  }
  throw new SiprecBodyError('UNSUPPORTED_BODY_TYPE', `unsupported body type "${type}"`);
}

/** A body without Content-Type (RFC 3261 §20.15 makes it mandatory): recognise SDP or XML, else refuse. */
function sniff(body: Buffer, warnings: string[]): string {
  const head = body.subarray(0, 64).toString('latin1').trimStart();
  if (head.startsWith('v=')) {
    warnings.push('body without Content-Type taken as SDP');
    return SDP;
  }
  if (head.startsWith('<')) {
    warnings.push('body without Content-Type taken as recording metadata');
    return 'application/rs-metadata+xml';
  }
  return '';
}

/**
 * INTEROP.md §2: locate parts by Content-Type first, Content-Disposition second; exactly one `application/sdp`
 * part is the SDP whatever its disposition; parts may come in any order; unknown parts are kept aside.
 */
function pickParts(parts: BodyPart[], warnings: string[]): SiprecBody {
  let sdpPart = pickOne(parts, (p) => p.contentType === SDP, 'application/sdp', warnings);
  if (sdpPart === undefined) {
    sdpPart = pickOne(
      parts,
      (p) => dispositionOf(p) === 'session' && p.body.toString('latin1').trimStart().startsWith('v='),
      'SDP by Content-Disposition: session',
      warnings,
    );
    if (sdpPart !== undefined) warnings.push(`SDP found in a part of type "${sdpPart.contentType}"`);
  }
  let metadataPart = pickOne(parts, (p) => isMetadataType(p.contentType), 'metadata', warnings);
  if (metadataPart === undefined) {
    metadataPart = pickOne(
      parts,
      (p) => p !== sdpPart && dispositionOf(p) === RECORDING_SESSION,
      'metadata by Content-Disposition: recording-session',
      warnings,
    );
    if (metadataPart !== undefined) {
      warnings.push(`metadata found by disposition in a part of type "${metadataPart.contentType}"`);
    }
  }
  const result: SiprecBody = {
    otherParts: parts.filter((p) => p !== sdpPart && p !== metadataPart),
    warnings,
  };
  if (sdpPart !== undefined) result.sdp = sdpPart.body.toString('utf8');
  if (metadataPart !== undefined) {
    result.metadata = { raw: metadataPart.body.toString('utf8'), contentType: metadataPart.contentType };
  }
  return result;
}

function pickOne(
  parts: BodyPart[],
  test: (p: BodyPart) => boolean,
  what: string,
  warnings: string[],
): BodyPart | undefined {
  const matching = parts.filter(test);
  if (matching.length > 1) warnings.push(`${matching.length} ${what} parts; the first is used`);
  return matching[0];
}
