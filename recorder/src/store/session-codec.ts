/**
 * The stored form of a `StoredSession`: four JSON parts that change at different moments of a call, so a write
 * sends only the parts that changed (a metadata UPDATE rewrites `meta`, a re-INVITE `sdp` and `streams`, a BYE
 * `core`). With STORE_ENCRYPTION_KEY, the two parts that hold SRTP keys — `streams` (both keys of every stream)
 * and `sdp` (the same keys in the `a=crypto` lines, RFC 4568 §9.1 `inline:`) — are sealed whole, with the
 * recording id and part name as context (see `SecretBox`): one cipher call per part, not per key.
 * Reading validates everything: the store is shared, so its content is untrusted input.
 */
import { parseDialogSnapshot } from '../sip/dialog/dialog-snapshot.js';
import type { RecordingMetadata } from '../siprec/metadata/index.js';
import type { ChosenCodec } from '../siprec/sdp/types.js';
import type { SecretBox } from './secret-box.js';
import { StoreError } from './store-error.js';
import {
  STORED_SESSION_SCHEMA,
  STORE_LIMITS,
  type StoredMetadata,
  type StoredPause,
  type StoredSdp,
  type StoredSession,
  type StoredSrtp,
  type StoredStream,
} from './stored-session.js';
import { Reader } from './document-reader.js';

/** AES-256 master key‖salt is 46 bytes (RFC 6188); GCM suites use less. */
const MAX_KEY_SALT_BYTES = 46;

/** The parts, in the order they are written. */
export const PART_NAMES = ['core', 'sdp', 'streams', 'meta'] as const;
export type PartName = (typeof PART_NAMES)[number];
export type Parts = Record<PartName, string>;

/**
 * Plain JSON of each part, compared between writes to find what changed (sealing uses a fresh IV each time, so
 * sealed values cannot be compared).
 * @throws StoreError `STORE_DOCUMENT_TOO_LARGE` when the session breaks a bound of `STORE_LIMITS`
 */
export function plainParts(s: StoredSession): Parts {
  if (s.streams.length > STORE_LIMITS.maxStreams || s.metadata.raw.length > STORE_LIMITS.maxRawMetadata) {
    throw new StoreError(
      'STORE_DOCUMENT_TOO_LARGE',
      `recording ${s.recordingId} has too many streams or metadata documents`,
    );
  }
  const { sdp, streams, metadata, ...core } = s;
  const parts: Parts = {
    core: JSON.stringify(core),
    sdp: JSON.stringify(sdp),
    streams: JSON.stringify(streams),
    meta: JSON.stringify(metadata),
  };
  for (const name of PART_NAMES) {
    if (parts[name].length > STORE_LIMITS.maxPartBytes) {
      throw new StoreError(
        'STORE_DOCUMENT_TOO_LARGE',
        `${name} of recording ${s.recordingId} exceeds ${STORE_LIMITS.maxPartBytes} bytes`,
      );
    }
  }
  return parts;
}

/** The stored value of one part: `sdp` and `streams` sealed when a key is configured, the rest as it is. */
export function wirePart(name: PartName, recordingId: string, plain: Parts, box: SecretBox): string {
  if (!box.encrypting || !SEALED_PARTS.has(name)) return plain[name];
  return box.seal(Buffer.from(plain[name], 'utf8'), partContext(recordingId, name));
}

/** Parts that carry SRTP keys. */
const SEALED_PARTS: ReadonlySet<PartName> = new Set(['sdp', 'streams']);

function partContext(recordingId: string, name: PartName): string {
  return `recording ${recordingId} ${name}`;
}

/**
 * Rebuilds and validates a session from its stored parts.
 * @throws StoreError `STORE_BAD_DOCUMENT`, `STORE_DECRYPT_FAILED`, `STORE_KEY_MISSING`
 */
export function decodeSession(
  recordingId: string,
  parts: Partial<Record<PartName, string>>,
  box: SecretBox,
): StoredSession {
  const json = (name: PartName): unknown => {
    let text = parts[name];
    // A sealed part (`enc1:`) is opened first; a plain one is JSON (`{` or `[`).
    if (text !== undefined && SEALED_PARTS.has(name) && !/^[[{]/.test(text))
      text = box.open(text, partContext(recordingId, name), 2 * STORE_LIMITS.maxPartBytes).toString('utf8');
    if (text === undefined)
      throw new StoreError('STORE_BAD_DOCUMENT', `recording ${recordingId}: part ${name} is missing`);
    if (text.length > STORE_LIMITS.maxPartBytes)
      throw new StoreError('STORE_BAD_DOCUMENT', `recording ${recordingId}: part ${name} is too large`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new StoreError('STORE_BAD_DOCUMENT', `recording ${recordingId}: part ${name} is not JSON`);
    }
  };
  const core = new Reader(json('core'), `recording ${recordingId}`);
  if (core.raw('schema') !== STORED_SESSION_SCHEMA)
    core.fail(`unsupported schema ${String(core.raw('schema'))}`);
  if (core.str('recordingId') !== recordingId) core.fail('recordingId does not match its key');
  let dialog;
  try {
    dialog = parseDialogSnapshot(core.raw('dialog'));
  } catch (err) {
    throw new StoreError('STORE_BAD_DOCUMENT', `recording ${recordingId}: ${(err as Error).message}`);
  }
  const src = core.obj('source');
  const protocol = src.oneOf('protocol', ['udp', 'tcp', 'tls'] as const);
  const headers = core.obj('correlationHeaders');
  const correlationHeaders: Record<string, string> = {};
  const headerNames = headers.keys();
  if (headerNames.length > STORE_LIMITS.maxCorrelationHeaders) headers.fail('too many correlation headers');
  for (const k of headerNames) correlationHeaders[k] = headers.str(k);
  const counters = core.obj('counters');
  return {
    schema: STORED_SESSION_SCHEMA,
    recordingId,
    callId: core.str('callId'),
    dialog,
    state: core.oneOf('state', ['early', 'confirmed', 'ended'] as const),
    siprec: core.bool('siprec'),
    classifiedBy: core.str('classifiedBy'),
    startedAt: core.int('startedAt'),
    lastSignalAt: core.int('lastSignalAt'),
    endedAt: core.nullable('endedAt', () => core.int('endedAt')),
    endReason: core.nullable('endReason', () => core.str('endReason')),
    paused: core.bool('paused'),
    sessionExpiresMs: core.nullable('sessionExpiresMs', () => core.int('sessionExpiresMs')),
    source: { address: src.str('address'), port: src.int('port'), protocol },
    correlationHeaders,
    sdp: readSdp(new Reader(json('sdp'), `recording ${recordingId} sdp`)),
    streams: core.list(json('streams'), 'streams', STORE_LIMITS.maxStreams).map(readStream),
    metadata: readMetadata(new Reader(json('meta'), `recording ${recordingId} metadata`)),
    segments: core.list(core.raw('segments'), 'segments', STORE_LIMITS.maxSegments).map((seg) => ({
      recorderId: seg.str('recorderId'),
      start: seg.int('start'),
      end: seg.nullable('end', () => seg.int('end')),
      files: seg.strings('files', STORE_LIMITS.maxFilesPerSegment),
    })),
    ...readPauses(core),
    counters: {
      reinvites: counters.int('reinvites'),
      updates: counters.int('updates'),
      metadataUpdates: counters.int('metadataUpdates'),
      failovers: counters.int('failovers'),
      handovers: counters.int('handovers'),
    },
  };
}

function readSdp(r: Reader): StoredSdp {
  return {
    offer: r.str('offer', STORE_LIMITS.maxSdpBytes),
    offerVersion: r.str('offerVersion'),
    answer: r.str('answer', STORE_LIMITS.maxSdpBytes),
    answerVersion: r.int('answerVersion'),
    localSessionId: r.str('localSessionId'),
  };
}

function readStream(r: Reader): StoredStream {
  const mediaIndex = r.int('mediaIndex');
  const codec = r.nullable('codec', () => readCodec(r.obj('codec')));
  const srtp = r.nullable('srtp', (): StoredSrtp => {
    const s = r.obj('srtp');
    return {
      suite: s.str('suite'),
      tag: s.int('tag'),
      remoteKeySalt: s.base64('remoteKeySalt', MAX_KEY_SALT_BYTES),
      localKeySalt: s.base64('localKeySalt', MAX_KEY_SALT_BYTES),
      sessionParams: s.strings('sessionParams', 16),
    };
  });
  return {
    mediaIndex,
    label: r.nullable('label', () => r.str('label')),
    kind: r.str('kind'),
    accepted: r.bool('accepted'),
    direction: r.oneOf('direction', ['recvonly', 'inactive'] as const),
    codec,
    srtp,
    rtcpMux: r.bool('rtcpMux'),
    channel: r.nullable('channel', () => r.int('channel')),
    remoteAddress: r.nullable('remoteAddress', () => r.str('remoteAddress')),
    remotePort: r.int('remotePort'),
    rejectReason: r.nullable('rejectReason', () => r.str('rejectReason')),
    packetsReceived: r.int('packetsReceived'),
    bytesReceived: r.int('bytesReceived'),
    firstPacketAt: r.nullable('firstPacketAt', () => r.int('firstPacketAt')),
    lastPacketAt: r.nullable('lastPacketAt', () => r.int('lastPacketAt')),
  };
}

function readCodec(r: Reader): ChosenCodec {
  const fmtp = r.optional('fmtp', () => r.str('fmtp'));
  const te = r.optional('telephoneEvent', () => r.obj('telephoneEvent'));
  const teFmtp = te?.optional('fmtp', () => te.str('fmtp'));
  const cn = r.optional('comfortNoise', () => r.obj('comfortNoise'));
  return {
    pt: r.int('pt'),
    name: r.oneOf('name', ['PCMU', 'PCMA', 'G722', 'OPUS', 'G729'] as const),
    clockRate: r.int('clockRate'),
    channels: r.int('channels'),
    ...(fmtp !== undefined ? { fmtp } : {}),
    ...(te !== undefined
      ? {
          telephoneEvent: {
            pt: te.int('pt'),
            clockRate: te.int('clockRate'),
            ...(teFmtp !== undefined ? { fmtp: teFmtp } : {}),
          },
        }
      : {}),
    ...(cn !== undefined ? { comfortNoise: { pt: cn.int('pt') } } : {}),
  };
}

function readMetadata(r: Reader): StoredMetadata {
  const merged = r.raw('merged');
  if (merged !== null && (typeof merged !== 'object' || Array.isArray(merged)))
    r.fail('merged is not an object');
  return {
    status: r.oneOf('status', ['none', 'parsed', 'sanitised', 'unparsed'] as const),
    // The merged model came from our own parser before it was stored; its shape is checked as an object only.
    merged: merged as RecordingMetadata | null,
    raw: r.list(r.raw('raw'), 'raw', STORE_LIMITS.maxRawMetadata).map((d) => ({
      receivedAt: d.str('receivedAt'),
      method: d.str('method'),
      document: d.str('document', STORE_LIMITS.maxMetadataDocumentBytes),
    })),
  };
}

/** The hold/pause spans, when the document has them (older documents do not). */
function readPauses(core: Reader): { pauses?: StoredPause[] } {
  const pauses = core.optional('pauses', () =>
    core.list(core.raw('pauses'), 'pauses', STORE_LIMITS.maxPauses).map((p) => ({
      reason: p.oneOf('reason', ['hold', 'pause'] as const),
      start: p.int('start'),
      end: p.nullable('end', () => p.int('end')),
    })),
  );
  return pauses === undefined ? {} : { pauses };
}
