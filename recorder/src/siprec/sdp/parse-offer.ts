/**
 * Tolerant parsing of the SDP offers real SIPREC SRCs send (INTEROP §5 "Offer quirks"): no session `c=`, no `c=`
 * and no `t=` at all, per-m `c=`, `o=` 0.0.0.0, LF-only, any case of encoding names, static payload types without
 * `a=rtpmap`, foreign and junk attributes, `a=direction:both`, `a=label` anywhere in the media block.
 *
 * Tolerance ends where we could no longer answer correctly: an offer with no m= line, an m= line we cannot read
 * (we must answer every m-line in order, with its media, protocol and formats, RFC 3264 §6), binary data, or
 * something over the size limits is refused with a message for the 488 reason phrase.
 */
import { SDP_OFFER_REJECT_STATUS, type SdpErrorCode } from './errors.js';
import {
  isRtpProtocol,
  isUnspecifiedAddress,
  parseConnection,
  parseCryptoLine,
  parseFmtp,
  parseMediaLine,
  parseOrigin,
  parsePacketTime,
  parseRtcpPort,
  parseRtpmap,
} from './sdp-fields.js';
import { staticPayloadType } from './static-payload-types.js';
import type {
  MediaDirection,
  OfferedCodec,
  OfferedCrypto,
  OfferedMedia,
  SdpOffer,
  SdpOrigin,
} from './types.js';

/** Bounds on untrusted offers. 64 KiB is far above any real SIPREC offer (4 m-lines are ~1.5 KB). */
export const SDP_LIMITS = {
  maxBytes: 64 * 1024,
  maxMedia: 64,
  /** Per m-line. */
  maxFormats: 256,
  /** `a=crypto` lines read per m-line (RFC 4568 offers list a handful of suites). */
  maxCryptoLines: 16,
  /** Warnings kept per offer; the rest are counted in one final warning. */
  maxWarnings: 100,
} as const;

/** The outcome of `parseOffer`: the offer with what was tolerated, or why it must be refused (status 488). */
export type ParseOfferResult =
  | { ok: true; offer: SdpOffer; warnings: string[] }
  | { ok: false; error: string; code: SdpErrorCode; status: number };

/** Media-block state while its lines are read. */
interface MediaBuilder {
  index: number;
  kind: string;
  port: number;
  protocol: string;
  formats: string[];
  formatSet: ReadonlySet<string>;
  rtpmaps: Map<number, { name: string; clockRate: number; channels: number }>;
  fmtps: Map<number, string>;
  label?: string;
  direction?: MediaDirection;
  connection?: string;
  rtcpMux: boolean;
  rtcpPort?: number;
  ptime?: number;
  maxptime?: number;
  crypto: OfferedCrypto[];
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendonly', 'recvonly', 'sendrecv', 'inactive']);
// C0 controls other than TAB/LF/CR, and DEL: SDP is text (RFC 4566 §5), so these mean a binary or corrupt body.
// eslint-disable-next-line no-control-regex
const BINARY = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const LINE = /^([a-z])=(.*)$/;

function fail(code: SdpErrorCode, error: string): ParseOfferResult {
  return { ok: false, error, code, status: SDP_OFFER_REJECT_STATUS };
}

/**
 * Parses an SDP offer leniently and reports what it tolerated.
 * @param text the SDP body (CRLF or LF line endings)
 * @returns the offer and warnings, or `ok: false` with an error message fit for a 488 reason phrase
 */
export function parseOffer(text: string): ParseOfferResult {
  // UTF-16 length never exceeds the UTF-8 byte length, so the cheap check first bounds the exact one.
  if (text.length > SDP_LIMITS.maxBytes || Buffer.byteLength(text, 'utf8') > SDP_LIMITS.maxBytes) {
    return fail('SDP_TOO_LARGE', `SDP larger than ${SDP_LIMITS.maxBytes} bytes`);
  }
  if (BINARY.test(text)) return fail('SDP_BINARY', 'SDP contains binary data');

  const warnings: string[] = [];
  let suppressed = 0;
  const warn = (message: string): void => {
    if (warnings.length < SDP_LIMITS.maxWarnings) warnings.push(message);
    else suppressed += 1;
  };

  let origin: SdpOrigin | undefined;
  let sessionConnection: string | undefined;
  let sessionDirection: MediaDirection | undefined;
  let sawVersion = false;
  let sawTiming = false;
  let sdpLines = 0;
  let indentedLines = 0;
  const media: MediaBuilder[] = [];
  let current: MediaBuilder | undefined;

  // RFC 4566 §5 requires CRLF; LF-only bodies are common (INTEROP §5) and a lone CR is tolerated alike.
  for (const rawLine of text.split(/\r\n|\n|\r/)) {
    const line = rawLine.trim();
    if (line.length === 0) continue;
    const match = LINE.exec(line);
    if (match === null) {
      warn(`ignored a line that is not <type>=<value>: ${describe(line)}`);
      continue;
    }
    if (line.length !== rawLine.trimEnd().length) indentedLines += 1;
    const type = match[1] ?? '';
    const value = match[2] ?? '';
    sdpLines += 1;
    if (sdpLines === 1 && type !== 'v') warn('SDP does not start with v=');

    if (type === 'm') {
      if (media.length >= SDP_LIMITS.maxMedia) {
        return fail('SDP_TOO_MANY_MEDIA', `SDP has more than ${SDP_LIMITS.maxMedia} m= lines`);
      }
      const parsed = parseMediaLine(value);
      if (parsed === undefined) return fail('SDP_BAD_MEDIA_LINE', `malformed m= line ${media.length + 1}`);
      if (parsed.formats.length > SDP_LIMITS.maxFormats) {
        return fail(
          'SDP_TOO_MANY_FORMATS',
          `m= line ${media.length + 1} has more than ${SDP_LIMITS.maxFormats} formats`,
        );
      }
      current = {
        index: media.length,
        ...parsed,
        formatSet: new Set(parsed.formats),
        rtpmaps: new Map(),
        fmtps: new Map(),
        rtcpMux: false,
        crypto: [],
      };
      media.push(current);
      continue;
    }

    if (current === undefined) {
      switch (type) {
        case 'v':
          if (sawVersion) warn('duplicate v= line ignored');
          else if (value.trim() !== '0') warn(`unexpected SDP version v=${describe(value)}`);
          sawVersion = true;
          break;
        case 'o':
          if (origin !== undefined) {
            warn('duplicate o= line ignored');
          } else {
            origin = parseOrigin(value);
            if (origin === undefined) warn(`malformed o= line ignored: ${describe(value)}`);
          }
          break;
        case 'c':
          sessionConnection = parseConnection(value);
          if (sessionConnection === undefined) warn(`malformed session c= line ignored: ${describe(value)}`);
          break;
        case 't':
          sawTiming = true;
          break;
        case 'a': {
          // RFC 4566 §6: a session-level direction is the default for every media block.
          const name = value.trim().toLowerCase();
          if (DIRECTIONS.has(name)) sessionDirection = name as MediaDirection;
          break;
        }
        default:
          break;
      }
      continue;
    }

    if (type === 'c') {
      const address = parseConnection(value);
      if (address === undefined)
        warn(`media ${current.index}: malformed c= line ignored: ${describe(value)}`);
      else current.connection = address;
    } else if (type === 'a') {
      readMediaAttribute(current, value, warn);
    }
  }

  if (media.length === 0) {
    return sdpLines === 0
      ? fail('SDP_NOT_SDP', 'body is not SDP')
      : fail('SDP_NO_MEDIA', 'SDP has no m= line');
  }
  if (!sawVersion) warn('no v= line');
  if (origin === undefined) warn('no usable o= line; session refreshes cannot be recognised');
  if (!sawTiming) warn('no t= line (t=0 0 assumed)');
  if (indentedLines > 0) warn(`${indentedLines} line(s) had leading whitespace`);

  const offerMedia = media.map((builder) => finishMedia(builder, sessionConnection, sessionDirection, warn));
  if (suppressed > 0) warnings.push(`${suppressed} more warning(s) suppressed`);
  const offer: SdpOffer = {
    origin: origin ?? { username: '', sessionId: '', sessionVersion: '', address: '' },
    ...(sessionConnection === undefined ? {} : { sessionConnection }),
    media: offerMedia,
  };
  return { ok: true, offer, warnings };
}

/** Reads one `a=` line of a media block; unknown attributes (ICE, rtcp-xr, record:on, junk) are ignored. */
function readMediaAttribute(media: MediaBuilder, value: string, warn: (message: string) => void): void {
  const colon = value.indexOf(':');
  const name = (colon < 0 ? value : value.slice(0, colon)).trim().toLowerCase();
  const arg = colon < 0 ? '' : value.slice(colon + 1).trim();
  const where = `media ${media.index}`;
  switch (name) {
    case 'sendonly':
    case 'recvonly':
    case 'sendrecv':
    case 'inactive':
      if (media.direction !== undefined && media.direction !== name) {
        warn(`${where}: conflicting directions ${media.direction} and ${name}; the last one is used`);
      }
      media.direction = name;
      break;
    case 'label':
      // RFC 4574: the label links the m-line to the metadata stream; opaque, echoed byte for byte.
      if (arg.length === 0) warn(`${where}: empty a=label ignored`);
      else if (media.label === undefined) media.label = arg;
      else if (media.label !== arg) warn(`${where}: second a=label ignored`);
      break;
    case 'rtpmap': {
      const rtpmap = parseRtpmap(arg);
      if (rtpmap === undefined) warn(`${where}: malformed a=rtpmap ignored: ${describe(arg)}`);
      else if (!media.formatSet.has(String(rtpmap.pt))) {
        warn(`${where}: a=rtpmap for payload type ${rtpmap.pt}, which the m= line does not list, ignored`);
      } else if (media.rtpmaps.has(rtpmap.pt)) warn(`${where}: duplicate a=rtpmap for ${rtpmap.pt} ignored`);
      else media.rtpmaps.set(rtpmap.pt, rtpmap);
      break;
    }
    case 'fmtp': {
      const fmtp = parseFmtp(arg);
      if (fmtp === undefined) warn(`${where}: malformed a=fmtp ignored: ${describe(arg)}`);
      else if (fmtp.params.length > 0 && !media.fmtps.has(fmtp.pt)) media.fmtps.set(fmtp.pt, fmtp.params);
      break;
    }
    case 'crypto': {
      const crypto = parseCryptoLine(arg);
      if (crypto === undefined) warn(`${where}: malformed a=crypto ignored`);
      else if (media.crypto.length >= SDP_LIMITS.maxCryptoLines) warn(`${where}: too many a=crypto lines`);
      else if (media.crypto.some((c) => c.tag === crypto.tag))
        warn(`${where}: duplicate a=crypto tag ignored`);
      else media.crypto.push(crypto);
      break;
    }
    case 'ptime':
    case 'maxptime': {
      const ms = parsePacketTime(arg);
      if (ms === undefined) warn(`${where}: malformed a=${name} ignored: ${describe(arg)}`);
      else media[name] = ms;
      break;
    }
    case 'rtcp-mux':
      media.rtcpMux = true;
      break;
    case 'rtcp': {
      const port = parseRtcpPort(arg);
      if (port === undefined) warn(`${where}: malformed a=rtcp ignored: ${describe(arg)}`);
      else media.rtcpPort = port;
      break;
    }
    case 'direction':
      // SEMS sends `a=direction:both` next to a real direction attribute (INTEROP §5); RFC 4145 uses the same
      // name for TCP setup. Neither says anything about RTP direction.
      break;
    default:
      break;
  }
}

function finishMedia(
  builder: MediaBuilder,
  sessionConnection: string | undefined,
  sessionDirection: MediaDirection | undefined,
  warn: (message: string) => void,
): OfferedMedia {
  const where = `media ${builder.index}`;
  const codecs: OfferedCodec[] = [];
  if (isRtpProtocol(builder.protocol)) {
    const seen = new Set<number>();
    for (const format of builder.formats) {
      const pt = /^\d{1,3}$/.test(format) ? Number(format) : NaN;
      if (!(pt <= 127)) {
        warn(`${where}: format ${describe(format)} is not an RTP payload type`);
        continue;
      }
      if (seen.has(pt)) continue;
      seen.add(pt);
      // RFC 3551 §6: static payload types need no rtpmap; a broken rtpmap of one falls back to the table too.
      const known = builder.rtpmaps.get(pt) ?? staticPayloadType(pt);
      if (known === undefined) {
        warn(`${where}: dynamic payload type ${pt} has no a=rtpmap`);
        continue;
      }
      const fmtp = builder.fmtps.get(pt);
      codecs.push({ pt, ...known, ...(fmtp === undefined ? {} : { fmtp }) });
    }
  }
  // RFC 3264 §5.1: no direction attribute means sendrecv; the SRC still sends, which is all we need.
  const direction = builder.direction ?? sessionDirection ?? 'sendrecv';
  const connectionAddress = builder.connection ?? sessionConnection;
  if (connectionAddress === undefined) warn(`${where}: no c= line; the media source will be latched`);
  const onHold =
    direction === 'inactive' || (connectionAddress !== undefined && isUnspecifiedAddress(connectionAddress));
  return {
    index: builder.index,
    kind: builder.kind,
    port: builder.port,
    protocol: builder.protocol,
    formats: builder.formats,
    codecs,
    ...(builder.label === undefined ? {} : { label: builder.label }),
    direction,
    ...(connectionAddress === undefined ? {} : { connectionAddress }),
    onHold,
    rtcpMux: builder.rtcpMux,
    ...(builder.rtcpPort === undefined ? {} : { rtcpPort: builder.rtcpPort }),
    ...(builder.ptime === undefined ? {} : { ptime: builder.ptime }),
    ...(builder.maxptime === undefined ? {} : { maxptime: builder.maxptime }),
    crypto: builder.crypto,
  };
}

/** Peer text quoted in a warning, shortened so a hostile line cannot flood the logs. */
function describe(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
