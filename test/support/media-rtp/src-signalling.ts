/**
 * The SDP and metadata bodies real SRCs send to pause or hold a recording (INTEROP §5, §8.2–8.3), for tests that
 * drive the recorder with {@link SipCall}: two labelled A-law streams, in one of the shapes seen in the field.
 * - `sendonly` / `inactive`: jambonz, FreeSWITCH mod_siprec, OpenSIPS — SDP-only re-INVITEs flipping the direction;
 * - `broadworks-active` / `broadworks-held`: BroadWorks/Webex — no direction attribute at all (so sendrecv), static
 *   PT 8 without rtpmap, and a hold signalled only by `c=IN IP4 0.0.0.0` (RFC 2543 style, RFC 3264 §8.4).
 */
import type { SipCall, SipMessage } from '../sip-peer.js';

export type SdpShape = 'sendonly' | 'inactive' | 'broadworks-active' | 'broadworks-held';

const BOUNDARY = 'UniqueBroadWorksBoundary';

/** An SDP offer of two A-law streams (labels 1 and 2) claiming to come from ports 40000 and 40002. */
export function srcSdp(shape: SdpShape, version: number): string {
  const broadworks = shape.startsWith('broadworks');
  const held = shape === 'broadworks-held';
  const lines = [
    'v=0',
    `o=- 3449405261 ${version} IN IP4 127.0.0.1`,
    broadworks ? 's=-' : 's=SIPREC',
    `c=IN IP4 ${held ? '0.0.0.0' : '127.0.0.1'}`,
    't=0 0',
  ];
  for (const label of ['1', '2']) {
    const port = label === '1' ? 40000 : 40002;
    if (broadworks) {
      lines.push(`m=audio ${port} RTP/AVP 8`, 'a=ptime:20', `a=label:${label}`);
    } else {
      lines.push(`m=audio ${port} RTP/AVP 8`, 'a=rtpmap:8 PCMA/8000', `a=label:${label}`, `a=${shape}`);
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 7865 metadata naming the two participants and their streams; `names` changes what a later update says. */
export function srcMetadata(names: readonly [string, string] = ['Alice', 'Bob']): string {
  const session = 'c2Vzc2lvbi1wYXVzZQ==';
  const party = (i: number): string =>
    `<participant participant_id="cGFydHkt${i}"><nameID aor="sip:party${i}@example.com">` +
    `<name>${names[i]}</name></nameID></participant>`;
  const stream = (i: number): string =>
    `<stream stream_id="c3RyZWFtLS${i}" session_id="${session}"><label>${i + 1}</label></stream>`;
  const assoc = (i: number): string =>
    `<participantstreamassoc participant_id="cGFydHkt${i}"><send>c3RyZWFtLS${i}</send></participantstreamassoc>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?><recording xmlns="urn:ietf:params:xml:ns:recording:1">' +
    `<datamode>complete</datamode><session session_id="${session}"><sipSessionID>pause</sipSessionID></session>` +
    `${party(0)}${party(1)}${stream(0)}${stream(1)}${assoc(0)}${assoc(1)}</recording>`
  );
}

/** The initial INVITE: multipart SDP + metadata; ACKs a 2xx. */
export async function inviteRecording(call: SipCall, shape: SdpShape): Promise<SipMessage> {
  const body = [
    `--${BOUNDARY}`,
    'Content-Type: application/sdp',
    '',
    srcSdp(shape, 1),
    `--${BOUNDARY}`,
    'Content-Type: application/rs-metadata+xml',
    'Content-Disposition: recording-session',
    '',
    srcMetadata(),
    `--${BOUNDARY}--`,
    '',
  ].join('\r\n');
  const response = await call.request('INVITE', {
    body,
    contentType: `multipart/mixed;boundary=${BOUNDARY}`,
    headers: [['Require', 'siprec']],
  });
  if (response.status !== undefined && response.status < 300) call.ack();
  return response;
}

/** An SDP-only re-INVITE (no metadata), ACKed; resolves with the 2xx and when it was sent and answered. */
export async function reinviteSdp(
  call: SipCall,
  shape: SdpShape,
  version: number,
): Promise<{ response: SipMessage; sentAt: number; answeredAt: number }> {
  const sentAt = Date.now();
  const response = await call.request('INVITE', { body: srcSdp(shape, version) });
  const answeredAt = Date.now();
  if (response.status !== undefined && response.status < 300) call.ack();
  return { response, sentAt, answeredAt };
}

/** A metadata-only UPDATE (Avaya SBCE, Webex, CUBE caller-ID update): no SDP at all. */
export async function updateMetadata(call: SipCall, names: readonly [string, string]): Promise<SipMessage> {
  return call.request('UPDATE', {
    body: srcMetadata(names),
    contentType: 'application/rs-metadata+xml',
    headers: [['Content-Disposition', 'recording-session']],
  });
}
