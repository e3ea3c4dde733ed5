/**
 * One recording call against the running recorder, driven over a raw SipClient: INVITE (bytes as given), then
 * ACK and BYE for a 2xx (or the ACK of a non-2xx final response, RFC 3261 §17.1.1.3), and the final sidecar.
 */
import {
  SipClient,
  dialogOf,
  headerOf,
  inDialogRequest,
  parseSipMessage,
  type SipMessageIn,
} from './sip-client.js';
import type { SidecarIndex, SidecarView } from './sidecar-index.js';

export interface CallOutcome {
  /** Responses to the INVITE, the final one last (none on timeout). */
  readonly responses: readonly SipMessageIn[];
  readonly final: SipMessageIn | undefined;
  /** Status of the BYE's final response, for an answered call. */
  readonly byeStatus: number | undefined;
  readonly sidecar: SidecarView | undefined;
}

/** The ACK of a non-2xx final response: same branch and Request-URI as the INVITE, To with the response's tag. */
export function ackForFailure(invite: Buffer, res: SipMessageIn): Buffer {
  const req = parseSipMessage(invite);
  const number = (headerOf(req, 'cseq') ?? '1').split(/\s+/)[0];
  const lines = [
    `ACK ${req.startLine.split(' ')[1] ?? ''} SIP/2.0`,
    `Via: ${headerOf(req, 'via') ?? ''}`,
    'Max-Forwards: 70',
    `From: ${headerOf(req, 'from') ?? ''}`,
    `To: ${headerOf(res, 'to') ?? ''}`,
    `Call-ID: ${headerOf(req, 'call-id') ?? ''}`,
    `CSeq: ${number} ACK`,
    'Content-Length: 0',
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/**
 * Sends `invite` on `client`; for a 2xx sends ACK, waits `holdMs`, sends BYE and waits for the final sidecar.
 */
export async function recordingCall(
  client: SipClient,
  invite: Buffer,
  sidecars: SidecarIndex | undefined,
  opts: { holdMs?: number; timeoutMs?: number } = {},
): Promise<CallOutcome> {
  const responses = await client.request(invite, opts.timeoutMs ?? 5000);
  const final = responses.find((r) => r.status! >= 200);
  if (!final) return { responses, final, byeStatus: undefined, sidecar: undefined };
  if (final.status! >= 300) {
    client.send(ackForFailure(invite, final));
    return { responses, final, byeStatus: undefined, sidecar: undefined };
  }
  const dialog = dialogOf(invite, final, client.transport, client.localPort);
  client.send(inDialogRequest(dialog, 'ACK'));
  if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
  const bye = await client.request(inDialogRequest(dialog, 'BYE'), opts.timeoutMs ?? 5000);
  const byeStatus = bye.find((r) => r.status! >= 200)?.status;
  const sidecar = sidecars ? await sidecars.waitFor(dialog.callId) : undefined;
  return { responses, final, byeStatus, sidecar };
}
