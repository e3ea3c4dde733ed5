/**
 * Which participant speaks on which SDP m-line. RFC 7866 §7.1.1: each m-line carries `a=label` (RFC 4574) and the
 * metadata `<stream><label>` links a stream id to it; participants reference streams by id in `<send>`.
 * Real SRCs break the chain in every place (INTEROP.md §4): no labels (mod_siprec, Cisco NBR, Genesys GVP),
 * labels that differ from the metadata's (drachtio's `a_leg` vs `1`), no participant↔stream association
 * (OpenSIPS), no `<stream>` at all (NetSapiens). We fall back to order and say so in `matchedBy`, so the caller
 * can log a warning. Labels are opaque strings: `16777227`, `a_leg` and `10` are compared as text.
 */
import type { RecordingMetadata } from './types.js';

/** The mapping of one m-line. */
export interface StreamMapping {
  /** The m-line's `a=label`, when it has one. */
  label?: string;
  /** The metadata stream the m-line carries, when known. */
  streamId?: string;
  /** Participants sending on it (two for a mixed or conference stream), in document order. */
  participantIds: string[];
  /** Set when every sender has the same role. */
  role?: 'caller' | 'callee';
  /**
   * `label`: label → stream → senders, all from the documents. `order`: a positional fallback was needed (label
   * missing or unknown, or no stream association) — worth a warning. `none`: nothing to map to.
   */
  matchedBy: 'label' | 'order' | 'none';
}

/** Maps each m-line (given by its label, `undefined` when it has none) to metadata streams and participants. */
export function mapStreamsToParticipants(
  metadata: RecordingMetadata | undefined,
  sdpLabels: (string | undefined)[],
): StreamMapping[] {
  const result: StreamMapping[] = sdpLabels.map((label) => {
    const m: StreamMapping = { participantIds: [], matchedBy: 'none' };
    if (label !== undefined) m.label = label;
    return m;
  });
  if (metadata === undefined) return result;

  const streams = metadata.streams;
  const used = new Set<number>();
  const streamFor: (number | undefined)[] = sdpLabels.map((label) => {
    if (label === undefined) return undefined;
    const index = streams.findIndex((s, i) => !used.has(i) && s.label === label);
    if (index < 0) return undefined;
    used.add(index);
    return index;
  });
  // m-lines without a matching label take the remaining streams in document order.
  const remaining = streams.map((_, i) => i).filter((i) => !used.has(i));
  const byOrder = new Set<number>();
  streamFor.forEach((index, line) => {
    if (index !== undefined) return;
    const next = remaining.shift();
    if (next === undefined) return;
    streamFor[line] = next;
    byOrder.add(line);
  });

  // Without any send association in the document, the participant order is the best remaining guess.
  const anySends = metadata.participants.some((p) => p.sends.length > 0);
  result.forEach((m, line) => {
    const index = streamFor[line];
    const stream = index === undefined ? undefined : streams[index];
    if (stream !== undefined) {
      m.streamId = stream.id;
      m.participantIds = metadata.participants.filter((p) => p.sends.includes(stream.id)).map((p) => p.id);
      m.matchedBy = byOrder.has(line) ? 'order' : 'label';
    }
    if (m.participantIds.length === 0 && !anySends && (stream !== undefined || streams.length === 0)) {
      const byPosition = metadata.participants[line];
      if (byPosition !== undefined) {
        m.participantIds = [byPosition.id];
        m.matchedBy = 'order';
      }
    }
    const roles = new Set(
      metadata.participants.filter((p) => m.participantIds.includes(p.id)).map((p) => p.role),
    );
    const [role] = roles;
    if (roles.size === 1 && role !== undefined) m.role = role;
  });
  return result;
}
