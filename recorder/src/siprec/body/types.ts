/** Shapes shared by the SIPREC body functions. Plain data, no behaviour. */

/** One part of a multipart body (RFC 2046 §5.1). */
export interface BodyPart {
  /** Part headers by lower-case name, values trimmed; the first of a repeated header wins. */
  headers: Map<string, string>;
  /** Lower-case media type without parameters; `''` when the part has no Content-Type. */
  contentType: string;
  /** Parsed Content-Disposition (RFC 3261 §20.11), when the part has one. */
  disposition?: { type: string; params: Map<string, string> };
  /** The part's content, exactly as received (bytes between header section and next delimiter). */
  body: Buffer;
}

/** Result of {@link parseMultipart}. */
export interface MultipartResult {
  parts: BodyPart[];
  /** Tolerated deviations (missing closing delimiter, inconsistent part Content-Length…), for logging. */
  warnings: string[];
}

/** What a SIPREC request body holds, once taken apart (result of `extractSiprecBody`). */
export interface SiprecBody {
  /** The SDP offer/answer, decoded as UTF-8. */
  sdp?: string;
  /** The recording metadata document, raw (kept verbatim for storage), and the content type it came with. */
  metadata?: { raw: string; contentType: string };
  /** Parts that are neither the SDP nor the metadata (ISUP `application/gtd`, vendor parts…). */
  otherParts: BodyPart[];
  warnings: string[];
}
