/**
 * Is this INVITE a SIPREC recording session? RFC 7866 §6.1.2 says: only with both `Require: siprec` and the
 * `+sip.src` Contact feature tag. Real SRCs do not oblige (INTEROP.md §1.3): OpenSIPS, jambonz, BroadWorks and
 * Genesys send neither, Avaya puts `+sip.src` inside the URI, BroadWorks/Webex use the old `;src` tag. So we
 * decide, in order: the body carries recording metadata; then `Require: siprec`; then `+sip.src`; then `;src`.
 */
import type { SiprecBody } from './types.js';

/** What {@link classifyInvite} looks at. */
export interface ClassifyInput {
  /** Option tags of every Require header, in any case. */
  requireTags: string[];
  /** The Contact header value, verbatim (may be malformed, e.g. an unterminated `<`). */
  contactValue?: string;
  body: SiprecBody;
}

/** The verdict, with the rule that decided it (for logs and metrics). */
export interface ClassifyResult {
  siprec: boolean;
  reason: string;
}

/** `+sip.src` as a Contact parameter or inside the URI, ending at a delimiter. */
const SIP_SRC_TAG = /[;\s]\+sip\.src(?=\s*(?:[;>,=]|$))/i;
/** The pre-RFC `;src` feature tag (BroadWorks / Webex Calling). */
const SRC_TAG = /;\s*src(?=\s*(?:[;>,=]|$))/i;

/**
 * Classifies an INVITE as a SIPREC recording session or not. Never requires `+sip.src`; a `false` verdict is for
 * the caller's policy (Cisco NBR and Genesys GVP send plain-SDP "recording" INVITEs).
 */
export function classifyInvite(input: ClassifyInput): ClassifyResult {
  if (input.body.metadata !== undefined) {
    return { siprec: true, reason: `recording metadata in the body (${input.body.metadata.contentType})` };
  }
  if (input.body.otherParts.some((p) => p.disposition?.type === 'recording-session')) {
    return { siprec: true, reason: 'a body part with Content-Disposition: recording-session' };
  }
  if (input.requireTags.some((tag) => tag.trim().toLowerCase() === 'siprec')) {
    return { siprec: true, reason: 'Require: siprec' };
  }
  // Quoted display names may contain anything; only the URI and parameters count.
  const contact = (input.contactValue ?? '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
  if (SIP_SRC_TAG.test(contact)) return { siprec: true, reason: 'Contact feature tag +sip.src' };
  if (SRC_TAG.test(contact)) return { siprec: true, reason: 'Contact feature tag ;src (pre-RFC 7866 draft)' };
  return {
    siprec: false,
    reason: 'no recording metadata, no Require: siprec, no +sip.src or ;src Contact tag',
  };
}
