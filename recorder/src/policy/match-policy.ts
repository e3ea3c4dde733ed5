/**
 * Whether a call matches a policy (CRD `match`): every listed criterion must hold, a list matches when any of its
 * entries does, and an empty match applies to every call.
 *
 * The values tested come from the SRC (SIP headers, RFC 7865 metadata): each is cut to {@link MAX_VALUE_LENGTH}
 * characters and at most {@link MAX_VALUES} of a kind are tested, so a hostile INVITE cannot make evaluation slow
 * with the patterns loading lets through: those that backtrack exponentially or worse than cubically are refused,
 * and cubic ones test fewer characters still (regex-safety/index.ts).
 */
import type { MetadataParticipant, RecordingMetadata } from '../siprec/metadata/index.js';
import type { MetadataField, ParticipantRole, PolicyInput, RecordingPolicy } from './policy.js';

/** Longest value a pattern is tested against; longer values are tested on their first characters. */
export const MAX_VALUE_LENGTH = 1024;
/** Most values of one kind (participants, header rows, extension texts) tested per criterion. */
export const MAX_VALUES = 64;

/** Participants of an input, worked out once per evaluation rather than once per policy. */
const peopleOf = new WeakMap<PolicyInput, ReturnType<typeof participantsWithRoles>>();

/** Whether `policy` applies to the call `input` describes. */
export function matchesPolicy(policy: RecordingPolicy, input: PolicyInput): boolean {
  const m = policy.match;
  if (!m.sourceCidrs.isEmpty && !m.sourceCidrs.contains(input.sourceAddress)) return false;
  if (m.headers.length > 0) {
    const hit = m.headers.some((h) =>
      input
        .header(h.name)
        .slice(0, MAX_VALUES)
        .some((v) => test(h.regex, v)),
    );
    if (!hit) return false;
  }
  if (m.participants.length > 0) {
    let people = peopleOf.get(input);
    if (!people) peopleOf.set(input, (people = participantsWithRoles(input.metadata)));
    const hit = m.participants.some((p) =>
      people.some((person) => roleMatches(p.role, person.role) && person.aors.some((a) => test(p.regex, a))),
    );
    if (!hit) return false;
  }
  if (m.metadata.length > 0) {
    const hit = m.metadata.some((f) => metadataValues(input.metadata, f.field).some((v) => test(f.regex, v)));
    if (!hit) return false;
  }
  return true;
}

function test(regex: RegExp, value: string): boolean {
  return regex.test(value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value);
}

function roleMatches(wanted: ParticipantRole, actual: 'caller' | 'callee' | undefined): boolean {
  return wanted === 'any' || wanted === actual;
}

/**
 * Participants with the role a `role`-qualified pattern sees: the metadata's own (vendor hints, see
 * siprec/metadata/roles.ts) when any participant has one, else participant order (INTEROP §4: the first is the
 * caller, the others callees). AoRs are tested as sent and normalised (`<…>` and URI parameters dropped, `sip:`
 * added when the scheme is missing), since SRCs send all three forms.
 */
export function participantsWithRoles(
  metadata: RecordingMetadata | undefined,
): { role: 'caller' | 'callee' | undefined; aors: string[] }[] {
  const list = (metadata?.participants ?? []).slice(0, MAX_VALUES);
  const hinted = list.some((p) => p.role !== undefined);
  return list.map((p, i) => ({
    role: hinted ? p.role : i === 0 ? 'caller' : 'callee',
    aors: aorForms(p),
  }));
}

function aorForms(p: MetadataParticipant): string[] {
  if (p.aor === undefined || p.aor === '') return [];
  const raw = p.aor.slice(0, MAX_VALUE_LENGTH);
  let norm = raw.trim();
  const angle = /<([^>]*)>/.exec(norm);
  if (angle) norm = angle[1] ?? '';
  norm = norm.split(';')[0]?.trim() ?? '';
  if (norm !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(norm)) norm = `sip:${norm}`;
  return norm === raw || norm === '' ? [raw] : [raw, norm];
}

/** The values of one metadata field (CRD `match.metadata[].field`). */
export function metadataValues(metadata: RecordingMetadata | undefined, field: MetadataField): string[] {
  if (!metadata) return [];
  switch (field) {
    case 'sessionId':
      return [
        ...metadata.recordingSessionIds,
        ...(metadata.recordingId !== undefined ? [metadata.recordingId] : []),
      ].slice(0, MAX_VALUES);
    case 'groupId':
      return metadata.groupId !== undefined ? [metadata.groupId] : [];
    case 'participantName':
      return metadata.participants
        .flatMap((p) => (p.name !== undefined ? [p.name] : []))
        .slice(0, MAX_VALUES);
    case 'streamLabel':
      return metadata.streams.flatMap((s) => (s.label !== undefined ? [s.label] : [])).slice(0, MAX_VALUES);
    case 'extension': {
      const out: string[] = [];
      for (const v of Object.values(metadata.vendor)) if (v !== undefined) out.push(v);
      for (const e of metadata.extensions) collectText(e.value, out, 0);
      return out.slice(0, MAX_VALUES);
    }
  }
}

/** Text leaves of an extension's generic JSON (attributes, `#text`, children), depth- and count-bounded. */
function collectText(value: unknown, out: string[], depth: number): void {
  if (out.length >= MAX_VALUES || depth > 8) return;
  if (typeof value === 'string') {
    if (value.trim() !== '') out.push(value.trim());
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    out.push(String(value));
  } else if (Array.isArray(value)) {
    for (const v of value) collectText(v, out, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) collectText(v, out, depth + 1);
  }
}
