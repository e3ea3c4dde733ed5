/**
 * The recording metadata model (RFC 7865 §5), reduced to what the recorder needs and normalised across the
 * dialects real SRCs send (INTEROP.md §3.1). Plain JSON-serialisable data: it is stored in the session store and
 * written to the recording's sidecar as it is.
 */

/** Which XML dialect the SRC used (INTEROP.md §3.1). */
export type MetadataDialect = 'rfc7865' | 'draft' | 'hybrid' | 'prefixed' | 'broadsoft' | 'none';

/** A participant of the communication session (RFC 7865 §6.5). */
export interface MetadataParticipant {
  /** `participant_id` / `id`, opaque (base64, urn:uuid, phone numbers, Call-IDs); may be empty. */
  id: string;
  /** Address of record as sent: may lack a scheme, carry typos and URI parameters. */
  aor?: string;
  /** Display name, trimmed and unquoted; `undefined` when empty or blank. */
  name?: string;
  /** Stream ids this participant sends, in document order. */
  sends: string[];
  /** Stream ids this participant receives, in document order. */
  receives: string[];
  /** From a vendor hint only (Oracle, BroadWorks, NetSapiens, Ribbon, Metaswitch, Zaion); never guessed. */
  role?: 'caller' | 'callee';
  /** Raw timestamps as sent (advisory: SRC clocks are wrong, zones missing — INTEROP.md §3.1). */
  associateTime?: string;
  disassociateTime?: string;
  /** Participant-level vendor extension data, generic JSON (Oracle `apkt:*`, Zaion `x_part_info`…). */
  vendor?: Record<string, unknown>;
}

/** A media stream of the recording session (RFC 7865 §6.6); `label` links it to an SDP m-line. */
export interface MetadataStream {
  /** `stream_id` / `id`, opaque; Avaya SBCE sends `""` for a placeholder. */
  id: string;
  /** Opaque label matched against `a=label` (RFC 4574). */
  label?: string;
  sessionId?: string;
  /** `<mode>` of the draft dialects (`separate` / `mixed`), when sent. */
  mode?: string;
}

/** Well-known vendor identifiers, lifted out of the extension data for search and correlation. */
export interface MetadataVendor {
  /** Avaya UCID (Oracle `apkt:ucid` without `;encoding=hex`, AudioCodes `AvayaUCID`). */
  ucid?: string;
  /** The recorded call's Call-ID (Ribbon `callData/callid`, BroadWorks `callID`). */
  callId?: string;
  /** Original From / To header of the recorded call (Ribbon `callData`). */
  fromHeader?: string;
  toHeader?: string;
  /** Ribbon global call id. */
  gcid?: string;
  /** BroadWorks / Webex tracking id. */
  extTrackingId?: string;
  /** BroadWorks / NetSapiens recorded user. */
  userId?: string;
  /** `origCall` / `termCall` (BroadWorks), `originating` / `terminating` (Metaswitch). */
  callType?: string;
  /** AudioCodes `GenesysUUID`. */
  genesysUuid?: string;
  /** NetSapiens `groupSeq`: which session of a group this is (party change = new INVITE). */
  groupSeq?: string;
  [key: string]: string | undefined;
}

/** One extension subtree, kept generically: unknown elements and unknown versions survive (RFC 7865 §6.9). */
export interface MetadataExtension {
  /** The element that carried it. */
  scope: 'recording' | 'group' | 'session' | 'participant' | 'stream';
  /** Id of that element, when it has one. */
  ownerId?: string;
  /** Local name of the extension element. */
  name: string;
  /** Its namespace URI, when declared. */
  namespace?: string;
  /** Generic JSON: attributes as `@name`, children by local name (arrays when repeated), text as `#text`. */
  value: unknown;
}

/** A recording metadata snapshot (`complete`) or update (`partial`), RFC 7865 §5 / RFC 7866 §9. */
export interface RecordingMetadata {
  dataMode: 'complete' | 'partial';
  dialect: MetadataDialect;
  /** Recording session ids (`<session session_id>`), in document order. */
  recordingSessionIds: string[];
  /** BroadSoft `<recording id>` (changes with the session on Webex transfers). */
  recordingId?: string;
  groupId?: string;
  /** `<sipSessionID>` (RFC 7989 Session-ID with `;remote=`), whitespace removed. */
  sipSessionId?: string;
  participants: MetadataParticipant[];
  streams: MetadataStream[];
  vendor: MetadataVendor;
  extensions: MetadataExtension[];
}

/** Why a metadata document was refused (stable codes for logs and metrics). */
export type MetadataErrorCode =
  | 'METADATA_TOO_LARGE'
  | 'METADATA_DTD_FORBIDDEN'
  | 'METADATA_TOO_COMPLEX'
  | 'METADATA_MALFORMED'
  | 'METADATA_NOT_RECORDING'
  | 'METADATA_EMPTY';

/** Result of `parseMetadata`: never throws, the caller keeps the call and stores the raw document on failure. */
export type ParseMetadataResult =
  | { ok: true; metadata: RecordingMetadata; sanitised: boolean; warnings: string[] }
  | { ok: false; error: string; code: MetadataErrorCode };
