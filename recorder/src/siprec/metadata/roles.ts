/**
 * Caller / callee from vendor hints only (INTEROP.md §4: "vendor hint → participantstreamassoc+label → participant
 * order → m-line order"; the later steps are the consumer's, with a warning). Hints, per participant first:
 * Oracle `apkt:callingParty`, Zaion `x_part_info/x_part_leg`; then per document: NetSapiens `callingParty` /
 * `calledParty` (v1.1) or `user/callType` (v1.0), BroadWorks `origCall` / `termCall`, Ribbon `callData`,
 * Metaswitch `callingPartyNumber` / `recordedParty`. With two participants and one resolved, the other one takes
 * the opposite role. Without any hint, roles stay undefined.
 */
import type { MetadataParticipant } from './types.js';
import { attrOf, childNamed, childText, childrenNamed, localOf } from './xml-query.js';
import type { XmlElement } from './xml-tree.js';

type Role = 'caller' | 'callee';

/** Sets `role` on the participants the hints identify. `items`: document-level extension elements. */
export function resolveRoles(participants: MetadataParticipant[], items: XmlElement[]): void {
  for (const p of participants) {
    const hint = participantHint(p.vendor);
    if (hint !== undefined) p.role = hint;
  }
  const assign = (matches: (p: MetadataParticipant) => boolean, role: Role): void => {
    for (const p of participants) if (p.role === undefined && matches(p)) p.role = role;
  };
  for (const item of items) {
    switch (localOf(item)) {
      case 'netsapiensextension':
        netsapiens(item, assign);
        break;
      case 'broadworksrecordingmetadata':
        broadworks(item, assign);
        break;
      case 'calldata':
        assign(matchesAddress(childText(item, 'fromhdr')), 'caller');
        assign(matchesAddress(childText(item, 'tohdr')), 'callee');
        break;
      case 'metaswitchrecordingmetadata': {
        assign(matchesAddress(childText(item, 'callingpartynumber')), 'caller');
        const type = childText(item, 'calltype')?.toLowerCase();
        const recorded = matchesAddress(childText(item, 'recordedparty'));
        if (type === 'originating') assign(recorded, 'caller');
        if (type === 'terminating') assign(recorded, 'callee');
        break;
      }
      default:
        break;
    }
  }
  if (participants.length === 2) {
    const [a, b] = participants as [MetadataParticipant, MetadataParticipant];
    if (a.role !== undefined && b.role === undefined) b.role = opposite(a.role);
    else if (b.role !== undefined && a.role === undefined) a.role = opposite(b.role);
  }
}

function opposite(role: Role): Role {
  return role === 'caller' ? 'callee' : 'caller';
}

/** Oracle `<apkt:callingParty>true|false` and Zaion `<x_part_info><x_part_leg>caller|callee`. */
function participantHint(vendor: Record<string, unknown> | undefined): Role | undefined {
  if (vendor === undefined) return undefined;
  const calling = scalar(vendor['callingParty'])?.toLowerCase();
  if (calling === 'true') return 'caller';
  if (calling === 'false') return 'callee';
  const info = vendor['x_part_info'];
  const leg =
    typeof info === 'object' && info !== null
      ? scalar((info as Record<string, unknown>)['x_part_leg'])
      : undefined;
  const normalised = leg?.toLowerCase();
  return normalised === 'caller' || normalised === 'callee' ? normalised : undefined;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['#text'] === 'string'
  ) {
    return ((value as Record<string, unknown>)['#text'] as string).trim();
  }
  return undefined;
}

type Assign = (matches: (p: MetadataParticipant) => boolean, role: Role) => void;

function netsapiens(item: XmlElement, assign: Assign): void {
  // v1.1: explicit participant references.
  for (const [local, role] of [
    ['callingparty', 'caller'],
    ['calledparty', 'callee'],
  ] as const) {
    const ref = childNamed(item, local);
    const id = ref === undefined ? undefined : attrOf(ref, 'participant_id');
    if (id !== undefined) assign((p) => p.id === id, role);
  }
  // v1.0: each recorded user with the direction of its call half.
  for (const user of childrenNamed(item, 'user')) {
    const userId = attrOf(user, 'userid');
    const type = childText(user, 'calltype')?.toLowerCase();
    if (userId === undefined || (type !== 'origcall' && type !== 'termcall')) continue;
    const byAddress = matchesAddress(userId);
    assign((p) => p.id === userId || byAddress(p), type === 'origcall' ? 'caller' : 'callee');
  }
}

function broadworks(item: XmlElement, assign: Assign): void {
  const callType = childNamed(item, 'calltype')?.children[0];
  if (callType === undefined) return;
  const type = localOf(callType);
  if (type !== 'origcall' && type !== 'termcall') return;
  assign(matchesAddress(childText(callType, 'callingpartynumber')), 'caller');
  assign(matchesAddress(childText(callType, 'calledpartynumber')), 'callee');
  // The recorded user originated the call half (origCall) or received it (termCall).
  assign(matchesAddress(childText(item, 'userid')), type === 'origcall' ? 'caller' : 'callee');
}

interface Address {
  user: string;
  host?: string;
}

/** user and host of a URI, a name-addr, an aor without scheme, or a bare number. */
export function addressOf(value: string): Address | undefined {
  let v = value.trim();
  const angle = /<([^>]*)>/.exec(v);
  if (angle) v = angle[1]!;
  v = v.replace(/^(?:sips?|tel):/i, '');
  const at = v.indexOf('@');
  const user = (at < 0 ? v : v.slice(0, at)).split(';')[0]!.trim();
  const host =
    at < 0
      ? undefined
      : v
          .slice(at + 1)
          .split(/[;:>?]/)[0]!
          .trim()
          .toLowerCase();
  if (user === '') return undefined;
  return host === undefined || host === '' ? { user } : { user, host };
}

const PHONE = /^\+?[0-9][0-9-]*$/;

/** Do two addresses name the same party? Phone numbers compare by digits (national vs E.164), others exactly. */
export function sameParty(a: Address, b: Address): boolean {
  if (PHONE.test(a.user) && PHONE.test(b.user)) {
    const x = a.user.replace(/\D/g, '');
    const y = b.user.replace(/\D/g, '');
    if (x === y) return true;
    const [short, long] = x.length <= y.length ? [x, y] : [y, x];
    return short.length >= 7 && long.endsWith(short);
  }
  if (a.user.toLowerCase() !== b.user.toLowerCase()) return false;
  return a.host === undefined || b.host === undefined || a.host === b.host;
}

function matchesAddress(value: string | undefined): (p: MetadataParticipant) => boolean {
  const wanted = value === undefined ? undefined : addressOf(value);
  if (wanted === undefined) return () => false;
  return (p) => {
    const own = p.aor === undefined ? undefined : addressOf(p.aor);
    return own !== undefined && sameParty(own, wanted);
  };
}
