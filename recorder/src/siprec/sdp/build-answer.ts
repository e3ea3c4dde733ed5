/**
 * The SDP answer of the SRS: strict in what we send, so that every SRC accepts it (INTEROP §5 "Your answer").
 *
 *   v=0 / o=<ours> / s=- / c=IN IP4|IP6 <ours> / t=0 0
 *   one m= line per offered m= line, same order, same media and protocol (RFC 3264 §6), each with
 *   its rtpmap/fmtp, a=ptime (echoed), a=label (echoed), a=crypto (ours), a=rtcp-mux (if offered and accepted)
 *   and a=recvonly or a=inactive — an SRS never sends media.
 *
 * Anything the caller passes that would break those rules throws `SDP_ANSWER_INVALID` rather than reach an SRC.
 */
import { srtpSuite } from './crypto-attribute.js';
import { SdpError } from './errors.js';
import { isRtpProtocol, isUnspecifiedAddress } from './sdp-fields.js';
import type { AnswerStream, LocalSdpIdentity, OfferedMedia, SdpOffer } from './types.js';

/** How we spell encoding names on the wire (the names are case-insensitive, RFC 4855 §3; these are customary). */
const WIRE_NAMES: Readonly<Record<string, string>> = {
  OPUS: 'opus',
  'TELEPHONE-EVENT': 'telephone-event',
};
const ANSWER_SESSION_PARAMS: ReadonlySet<string> = new Set([
  'UNENCRYPTED_SRTP',
  'UNENCRYPTED_SRTCP',
  'UNAUTHENTICATED_SRTP',
]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function invalid(message: string): SdpError {
  return new SdpError('SDP_ANSWER_INVALID', message);
}

/**
 * Builds the answer to an offer.
 * @param streams one per offered m-line, in order
 * @param local our address, session id and version for `o=` and `c=`
 * @returns the SDP with CRLF line endings (RFC 4566 §5)
 * @throws SdpError `SDP_ANSWER_INVALID` when the streams do not fit the offer
 */
export function buildAnswer(
  offer: SdpOffer,
  streams: readonly AnswerStream[],
  local: LocalSdpIdentity,
): string {
  if (streams.length !== offer.media.length) {
    throw invalid(`${streams.length} answer streams for ${offer.media.length} offered m-lines`);
  }
  const addrType = addressType(local.address);
  if (!/^\d{1,20}$/.test(local.sessionId)) throw invalid('session id must be 1 to 20 digits');
  if (!Number.isSafeInteger(local.version) || local.version < 0)
    throw invalid('version must be a non-negative integer');
  const username = local.username ?? '-';
  if (!/^[\x21-\x7e]{1,64}$/.test(username)) throw invalid('username must be visible ASCII without spaces');

  const lines = [
    'v=0',
    `o=${username} ${local.sessionId} ${local.version} IN ${addrType} ${local.address}`,
    's=-',
    `c=IN ${addrType} ${local.address}`,
    't=0 0',
  ];
  for (const media of offer.media) {
    const stream = streams[media.index];
    if (stream === undefined) throw invalid(`no answer stream for m-line ${media.index}`);
    lines.push(...mediaSection(media, stream));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function addressType(address: string): 'IP4' | 'IP6' {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address) && address.split('.').every((octet) => Number(octet) <= 255)) {
    if (isUnspecifiedAddress(address)) throw invalid('our address must not be the unspecified address');
    return 'IP4';
  }
  if (/^[0-9A-Fa-f:.]{2,45}$/.test(address) && address.includes(':')) {
    if (isUnspecifiedAddress(address)) throw invalid('our address must not be the unspecified address');
    return 'IP6';
  }
  throw invalid('our address must be an IPv4 or IPv6 address');
}

/** Lines of one m-line of the answer. */
function mediaSection(media: OfferedMedia, stream: AnswerStream): string[] {
  const where = `m-line ${media.index}`;
  const label = media.label === undefined ? [] : [`a=label:${media.label}`];
  // RFC 3264 §6: a stream offered with port 0 is answered with port 0, whatever the caller wanted.
  if (!stream.accepted || media.port === 0) {
    // RFC 3264 §6: rejected with port 0; the format list must still be valid, so the offered one is kept.
    return [`m=${media.kind} 0 ${media.protocol} ${media.formats.join(' ')}`, ...label, 'a=inactive'];
  }

  const protocol = media.protocol.toUpperCase();
  if (!isRtpProtocol(protocol))
    throw invalid(`${where}: only RTP streams can be accepted, not ${media.protocol}`);
  // DTLS-SRTP (RFC 5764) needs a handshake we do not implement: such streams must be rejected, never downgraded.
  if (protocol.includes('TLS/')) throw invalid(`${where}: DTLS-SRTP (${media.protocol}) cannot be accepted`);
  const srtp = protocol.includes('SAVP');
  if (!Number.isInteger(stream.port) || stream.port < 1 || stream.port > 65535) {
    throw invalid(`${where}: port ${stream.port} out of range`);
  }
  const codec = stream.codec;
  if (codec === undefined) throw invalid(`${where}: an accepted stream needs a codec`);

  const pts = [codec.pt];
  if (codec.telephoneEvent !== undefined) pts.push(codec.telephoneEvent.pt);
  if (codec.comfortNoise !== undefined) pts.push(codec.comfortNoise.pt);
  // RFC 3264 §6.1: the answer's formats must come from the offer's.
  for (const pt of pts) {
    if (!media.formats.includes(String(pt))) throw invalid(`${where}: payload type ${pt} was not offered`);
  }

  const lines = [`m=${media.kind} ${stream.port} ${media.protocol} ${pts.join(' ')}`];
  lines.push(rtpmap(codec.pt, codec.name, codec.clockRate, codec.channels));
  if (codec.fmtp !== undefined) lines.push(fmtp(codec.pt, codec.fmtp));
  if (codec.telephoneEvent !== undefined) {
    const event = codec.telephoneEvent;
    lines.push(rtpmap(event.pt, 'TELEPHONE-EVENT', event.clockRate, 1));
    if (event.fmtp !== undefined) lines.push(fmtp(event.pt, event.fmtp));
  }
  if (codec.comfortNoise !== undefined) {
    const cnPt = codec.comfortNoise.pt;
    const offered = media.codecs.find((c) => c.pt === cnPt);
    lines.push(rtpmap(cnPt, 'CN', offered?.clockRate ?? 8000, 1));
  }
  if (media.ptime !== undefined) lines.push(`a=ptime:${media.ptime}`);
  lines.push(...label);

  if (srtp) lines.push(cryptoLine(media, stream, where));
  else if (stream.crypto !== undefined)
    throw invalid(`${where}: a=crypto on a plain ${media.protocol} stream`);

  // RFC 5761 §5.1.1: a=rtcp-mux in an answer only when the offer had it; otherwise RTCP goes to port + 1.
  if (media.rtcpMux && stream.rtcpMux === true) lines.push('a=rtcp-mux');

  // A stream the SRC offered inactive/recvonly or put on hold is not being sent to us: RFC 3264 §6.1 allows
  // only inactive (we never send). Otherwise the caller's choice: recvonly to record, inactive to defer.
  const srcSends = media.direction === 'sendonly' || media.direction === 'sendrecv';
  const direction = srcSends && !media.onHold ? stream.direction : 'inactive';
  if (direction !== 'recvonly' && direction !== 'inactive') {
    throw invalid(`${where}: direction must be recvonly or inactive`);
  }
  lines.push(`a=${direction}`);
  return lines;
}

/** Our `a=crypto` for an SRTP stream: the offered tag and suite we accepted, with our own key (INTEROP §7). */
function cryptoLine(media: OfferedMedia, stream: AnswerStream, where: string): string {
  const crypto = stream.crypto;
  // INTEROP §7: never answer RTP/AVP semantics (no key) to an RTP/SAVP offer.
  if (crypto === undefined) throw invalid(`${where}: an SRTP stream needs our a=crypto`);
  const offered = media.crypto.find((c) => c.tag === crypto.tag);
  if (offered === undefined) throw invalid(`${where}: crypto tag ${crypto.tag} was not offered`);
  if (offered.suite !== crypto.suite)
    throw invalid(`${where}: tag ${crypto.tag} was offered with another suite`);
  const suite = srtpSuite(crypto.suite);
  if (suite === undefined) throw invalid(`${where}: unsupported suite ${crypto.suite}`);
  const key = crypto.inline.startsWith('inline:') ? crypto.inline.slice('inline:'.length) : crypto.inline;
  if (!BASE64.test(key) || Buffer.from(key, 'base64').length !== suite.keySaltLength) {
    throw invalid(`${where}: our key must be base64 of ${suite.keySaltLength} bytes`);
  }
  if (offered.keyParams.split(/[;|]/).some((part) => part.slice(part.indexOf(':') + 1) === key)) {
    throw invalid(`${where}: the answer must carry our own key, not the offer's`);
  }
  const params = crypto.sessionParams ?? [];
  for (const param of params) {
    if (!ANSWER_SESSION_PARAMS.has(param))
      throw invalid(`${where}: session parameter ${param} cannot be answered`);
  }
  return [`a=crypto:${crypto.tag} ${crypto.suite} inline:${key}`, ...params].join(' ');
}

function rtpmap(pt: number, name: string, clockRate: number, channels: number): string {
  const wire = WIRE_NAMES[name] ?? name;
  // RFC 7587 §7: opus is always announced as opus/48000/2.
  if (name === 'OPUS') channels = 2;
  return `a=rtpmap:${pt} ${wire}/${clockRate}${channels > 1 ? `/${channels}` : ''}`;
}

function fmtp(pt: number, params: string): string {
  // Offered fmtp text came from one parsed line, but ChosenCodec may be built by hand: keep the answer one line.
  if (/[\r\n]/.test(params)) throw invalid(`fmtp of payload type ${pt} contains a line break`);
  return `a=fmtp:${pt} ${params}`;
}
