/**
 * Builds the {@link RecordingMetadata} model from a parsed document, whatever its dialect (INTEROP.md §3.1):
 * elements by local name, `session_id` / `participant_id` / `stream_id` / `group_id` and `id` / `session=`
 * interchangeably, `<send>`/`<recv>` inside `<participant>` (draft, BroadSoft `<send><id>`) or in
 * `<participantstreamassoc>` (RFC 7865 §6.7), `<nameID aor>` or `<aor>`.
 */
import { collectExtensions } from './extensions.js';
import { resolveRoles } from './roles.js';
import type {
  MetadataDialect,
  MetadataErrorCode,
  MetadataExtension,
  MetadataParticipant,
  MetadataStream,
  RecordingMetadata,
} from './types.js';
import { liftVendor } from './vendor.js';
import { attrOf, childNamed, childText, childrenNamed, localOf } from './xml-query.js';
import type { XmlElement } from './xml-tree.js';

const NS_RFC7865 = 'urn:ietf:params:xml:ns:recording:1';
const NS_DRAFT = 'urn:ietf:params:xml:ns:recording';
const NS_BROADSOFT = 'urn:ietf:params:xml:ns:siprec';

const KNOWN_GROUP = ['associate-time', 'disassociate-time'];
const KNOWN_SESSION = [
  'sipsessionid',
  'start-time',
  'end-time',
  'group-ref',
  'associate-time',
  'disassociate-time',
];
const KNOWN_PARTICIPANT = ['nameid', 'aor', 'name', 'send', 'recv', 'associate-time', 'disassociate-time'];
const KNOWN_STREAM = ['label', 'mode', 'associate-time', 'disassociate-time'];

/** Result of {@link buildMetadata}. */
export type BuildResult =
  { ok: true; metadata: RecordingMetadata } | { ok: false; code: MetadataErrorCode; error: string };

/** Reads a document rooted at `<recording>` (RFC 7865 and drafts) or `<recording_metadata>` (BroadSoft). */
export function buildMetadata(root: XmlElement, warnings: string[]): BuildResult {
  const rootName = localOf(root);
  if (rootName !== 'recording' && rootName !== 'recording_metadata') {
    return {
      ok: false,
      code: 'METADATA_NOT_RECORDING',
      error: `root element <${root.name}> is not <recording>`,
    };
  }
  if (root.children.length === 0) {
    return { ok: false, code: 'METADATA_EMPTY', error: `<${root.name}> holds no elements` };
  }
  const metadata: RecordingMetadata = {
    dataMode: dataModeOf(root, warnings),
    dialect: dialectOf(root, warnings),
    recordingSessionIds: [],
    participants: [],
    streams: [],
    vendor: {},
    extensions: [],
  };
  const vendorItems: XmlElement[] = [];
  const addExtensions = (
    scope: MetadataExtension['scope'],
    owner: string | undefined,
    items: XmlElement[],
  ): void => {
    const entries = collectExtensions(scope, owner, items);
    metadata.extensions.push(...entries);
    for (const item of items) {
      vendorItems.push(...(localOf(item) === 'extensiondata' ? item.children : [item]));
    }
  };
  const participantById = new Map<string, MetadataParticipant>();
  const participant = (id: string): MetadataParticipant => {
    let p = participantById.get(id);
    if (p === undefined) {
      p = { id, sends: [], receives: [] };
      participantById.set(id, p);
      metadata.participants.push(p);
    }
    return p;
  };

  for (const el of root.children) {
    switch (localOf(el)) {
      case 'datamode':
      case 'sessionrecordingassoc':
        break;
      case 'recording': // BroadSoft <recording id><requestor/><type/></recording>
        setOnce(metadata, 'recordingId', attrOf(el, 'id'));
        addExtensions('recording', undefined, [el]);
        break;
      case 'group': {
        const id = attrOf(el, 'group_id', 'id');
        setOnce(metadata, 'groupId', id);
        addExtensions(
          'group',
          id,
          el.children.filter((c) => !KNOWN_GROUP.includes(localOf(c))),
        );
        break;
      }
      case 'session': {
        const id = attrOf(el, 'session_id', 'id');
        if (id !== undefined && id !== '' && !metadata.recordingSessionIds.includes(id)) {
          metadata.recordingSessionIds.push(id);
        }
        const sipSessionId = childText(el, 'sipsessionid')?.replace(/\s+/g, '');
        setOnce(metadata, 'sipSessionId', sipSessionId);
        setOnce(metadata, 'groupId', childText(el, 'group-ref') || attrOf(el, 'group_id', 'group'));
        addExtensions(
          'session',
          id,
          el.children.filter((c) => !KNOWN_SESSION.includes(localOf(c))),
        );
        break;
      }
      case 'participant': {
        const id = attrOf(el, 'participant_id', 'id');
        if (id === undefined) warnings.push('participant without an id');
        const p = participant(id ?? '');
        readParticipant(el, p);
        const unknown = el.children.filter((c) => !KNOWN_PARTICIPANT.includes(localOf(c)));
        const entries = collectExtensions('participant', p.id, unknown);
        metadata.extensions.push(...entries);
        if (entries.length > 0) p.vendor = vendorRecord(p.vendor, entries);
        break;
      }
      case 'stream':
        metadata.streams.push(readStream(el, warnings));
        addExtensions(
          'stream',
          attrOf(el, 'stream_id', 'id'),
          el.children.filter((c) => !KNOWN_STREAM.includes(localOf(c))),
        );
        break;
      case 'participantstreamassoc':
      case 'participantsessionassoc':
        // Read after the loop: they may precede the participant they refer to (RFC 7865 imposes no order).
        break;
      default: {
        // Vendor data directly under the root (NetSapiens) or in <extensiondata parent=…> (BroadSoft).
        const owner = localOf(el) === 'extensiondata' ? attrOf(el, 'parent') : undefined;
        addExtensions('recording', owner, [el]);
        break;
      }
    }
  }

  for (const el of childrenNamed(root, 'participantstreamassoc', 'participantsessionassoc')) {
    const id = attrOf(el, 'participant_id', 'id');
    if (id === undefined) {
      warnings.push(`<${el.local}> without participant_id ignored`);
      continue;
    }
    if (!participantById.has(id) && metadata.dataMode === 'complete') {
      warnings.push(`<${el.local}> refers to undeclared participant "${id}"`);
    }
    const p = participant(id);
    if (localOf(el) === 'participantstreamassoc') {
      pushUnique(p.sends, childrenNamed(el, 'send').map(streamRef));
      pushUnique(p.receives, childrenNamed(el, 'recv').map(streamRef));
    } else {
      const associate = childText(el, 'associate-time');
      if (associate) p.associateTime ??= associate;
      const disassociate = childText(el, 'disassociate-time');
      if (disassociate) p.disassociateTime ??= disassociate;
    }
  }

  metadata.vendor = liftVendor(vendorItems);
  resolveRoles(metadata.participants, vendorItems);
  return { ok: true, metadata };
}

/** Sets an optional id field the first time a non-empty value is seen (keeps the model free of `undefined` keys). */
function setOnce(
  metadata: RecordingMetadata,
  key: 'recordingId' | 'groupId' | 'sipSessionId',
  value: string | undefined,
): void {
  if (value !== undefined && value !== '' && metadata[key] === undefined) metadata[key] = value;
}

function readParticipant(el: XmlElement, p: MetadataParticipant): void {
  const nameId = childNamed(el, 'nameid');
  const aor = (nameId === undefined ? undefined : attrOf(nameId, 'aor'))?.trim() || childText(el, 'aor');
  if (aor) p.aor ??= aor;
  const name = cleanName(nameId === undefined ? childText(el, 'name') : childText(nameId, 'name'));
  if (name !== undefined) p.name ??= name;
  pushUnique(p.sends, childrenNamed(el, 'send').map(streamRef));
  pushUnique(p.receives, childrenNamed(el, 'recv').map(streamRef));
  const associate = childText(el, 'associate-time');
  if (associate) p.associateTime ??= associate;
  const disassociate = childText(el, 'disassociate-time');
  if (disassociate) p.disassociateTime ??= disassociate;
}

function readStream(el: XmlElement, warnings: string[]): MetadataStream {
  const id = attrOf(el, 'stream_id', 'id');
  if (id === undefined) warnings.push('stream without an id');
  const stream: MetadataStream = { id: id ?? '' };
  const label = childText(el, 'label');
  if (label) stream.label = label;
  const sessionId = attrOf(el, 'session_id', 'session');
  if (sessionId !== undefined) stream.sessionId = sessionId;
  const mode = childText(el, 'mode');
  if (mode) stream.mode = mode;
  return stream;
}

/** `<send>id</send>` (RFC 7865, draft) or `<send><id>id</id></send>` (BroadSoft). */
function streamRef(el: XmlElement): string {
  const id = childNamed(el, 'id');
  return (id === undefined ? el.text : id.text).trim();
}

function pushUnique(target: string[], values: string[]): void {
  for (const v of values) if (v !== '' && !target.includes(v)) target.push(v);
}

/** Participant vendor data: extension entries by local name (arrays when repeated). */
function vendorRecord(
  existing: Record<string, unknown> | undefined,
  entries: MetadataExtension[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  for (const entry of entries) {
    const key = entry.name;
    const prior = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    const value =
      prior === undefined
        ? entry.value
        : Array.isArray(prior)
          ? [...(prior as unknown[]), entry.value]
          : [prior, entry.value];
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Display names as SRCs send them (INTEROP.md §3.1): blank (Ribbon `" "`), quoted (Oracle `&quot;ECG Tester&quot;`),
 * with SIP header parameters leaking in (OpenSIPS `test_user;lang=en-US;id=22`).
 */
export function cleanName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let name = raw.replace(/\s+/g, ' ').trim();
  const semi = name.indexOf(';');
  if (semi > 0 && /^(?:;[A-Za-z0-9_.!%*+`'~-]+=[^;\s]*)+$/.test(name.slice(semi))) {
    name = name.slice(0, semi).trim();
  }
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).trim();
  return name === '' ? undefined : name;
}

function dataModeOf(root: XmlElement, warnings: string[]): 'complete' | 'partial' {
  const value = childText(root, 'datamode')?.toLowerCase();
  if (value === 'partial') return 'partial';
  if (value !== 'complete') {
    warnings.push(
      value === undefined ? 'no <datamode>; complete assumed' : `datamode "${value}"; complete assumed`,
    );
  }
  return 'complete';
}

/** RFC 7865 attribute names (`session_id`…) or association elements mark the RFC-era structure. */
function usesRfcNames(root: XmlElement): boolean {
  return root.children.some(
    (c) =>
      localOf(c) === 'participantstreamassoc' ||
      attrOf(c, 'session_id', 'participant_id', 'stream_id', 'group_id') !== undefined,
  );
}

function dialectOf(root: XmlElement, warnings: string[]): MetadataDialect {
  if (localOf(root) === 'recording_metadata' || root.ns === NS_BROADSOFT) return 'broadsoft';
  if (root.prefix !== '') return 'prefixed';
  if (root.ns === NS_RFC7865) return 'rfc7865';
  if (root.ns === NS_DRAFT) return usesRfcNames(root) ? 'hybrid' : 'draft';
  if (root.ns === '') return 'none';
  warnings.push(`unknown metadata namespace "${root.ns}"`);
  return usesRfcNames(root) ? 'rfc7865' : 'draft';
}
