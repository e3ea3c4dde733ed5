/**
 * Applies a metadata update to the session's current metadata (RFC 7866 §9 / RFC 7865 §5.2): a `complete`
 * snapshot replaces everything; a `partial` update is merged into the last complete one. Participants and streams
 * are matched by id, appended when new, updated in place when known, and never re-indexed or dropped — a
 * participant leaving gets a `disassociateTime` (Ribbon BYE, INTEROP.md §3.4), it does not disappear.
 */
import type { MetadataParticipant, MetadataStream, RecordingMetadata } from './types.js';

/**
 * Returns the metadata after `update`; the inputs are not modified. A `complete` update (or the first one) is
 * returned as it is, not copied: it is a freshly parsed document that replaces everything, and since no merge ever
 * writes into its inputs, sharing it is safe — a copy of every INVITE's metadata was a measurable part of call setup.
 */
export function mergeMetadata(
  current: RecordingMetadata | undefined,
  update: RecordingMetadata,
): RecordingMetadata {
  if (current === undefined || update.dataMode === 'complete') return update;

  const merged = structuredClone(current);
  for (const id of update.recordingSessionIds) {
    if (!merged.recordingSessionIds.includes(id)) merged.recordingSessionIds.push(id);
  }
  if (update.recordingId !== undefined) merged.recordingId = update.recordingId;
  if (update.groupId !== undefined) merged.groupId = update.groupId;
  if (update.sipSessionId !== undefined) merged.sipSessionId = update.sipSessionId;

  for (const incoming of update.participants) {
    const known = merged.participants.find((p) => p.id === incoming.id);
    if (known === undefined) merged.participants.push(structuredClone(incoming));
    else mergeParticipant(known, incoming);
  }
  for (const incoming of update.streams) {
    const known = merged.streams.find((s) => s.id === incoming.id);
    if (known === undefined) merged.streams.push(structuredClone(incoming));
    else mergeStream(known, incoming);
  }
  for (const [key, value] of Object.entries(update.vendor)) {
    if (value !== undefined) merged.vendor[key] = value;
  }
  merged.extensions.push(...structuredClone(update.extensions));
  return merged;
}

function mergeParticipant(known: MetadataParticipant, incoming: MetadataParticipant): void {
  if (incoming.aor !== undefined) known.aor = incoming.aor;
  if (incoming.name !== undefined) known.name = incoming.name;
  if (incoming.role !== undefined) known.role = incoming.role;
  if (incoming.associateTime !== undefined) known.associateTime = incoming.associateTime;
  if (incoming.disassociateTime !== undefined) known.disassociateTime = incoming.disassociateTime;
  // A partial <participantstreamassoc> states the participant's current send/recv sets (RFC 7866 §9.2 hold and
  // resume examples): it replaces both. An update that names no stream at all leaves them alone.
  if (incoming.sends.length > 0 || incoming.receives.length > 0) {
    known.sends = [...incoming.sends];
    known.receives = [...incoming.receives];
  }
  if (incoming.vendor !== undefined) known.vendor = { ...known.vendor, ...structuredClone(incoming.vendor) };
}

function mergeStream(known: MetadataStream, incoming: MetadataStream): void {
  if (incoming.label !== undefined) known.label = incoming.label;
  if (incoming.sessionId !== undefined) known.sessionId = incoming.sessionId;
  if (incoming.mode !== undefined) known.mode = incoming.mode;
}
