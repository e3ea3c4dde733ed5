/**
 * Static RTP payload types (RFC 3551 §6, Tables 4 and 5). SRCs often list these without `a=rtpmap`
 * (Oracle PT 8/18, placeholder lists `0 8 18 4 9 …`, INTEROP §5), so their meaning comes from here.
 */

/** Encoding name (upper case), clock rate and channel count of one static payload type. */
export interface StaticPayloadType {
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
}

const TABLE: ReadonlyMap<number, StaticPayloadType> = new Map([
  [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
  // PT 2 was G721 in RFC 1890; RFC 3551 §4.5.4 reassigned it to dynamic G726-32, but Metaswitch still offers
  // static 2 for G.726-32 (INTEROP §6), so it is named rather than dropped.
  [2, { name: 'G726-32', clockRate: 8000, channels: 1 }],
  [3, { name: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { name: 'G723', clockRate: 8000, channels: 1 }],
  [5, { name: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { name: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { name: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
  // RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock rate is 8000 for historical reasons.
  [9, { name: 'G722', clockRate: 8000, channels: 1 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100, channels: 1 }],
  [12, { name: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { name: 'CN', clockRate: 8000, channels: 1 }],
  [14, { name: 'MPA', clockRate: 90000, channels: 1 }],
  [15, { name: 'G728', clockRate: 8000, channels: 1 }],
  [16, { name: 'DVI4', clockRate: 11025, channels: 1 }],
  [17, { name: 'DVI4', clockRate: 22050, channels: 1 }],
  [18, { name: 'G729', clockRate: 8000, channels: 1 }],
  [25, { name: 'CELB', clockRate: 90000, channels: 1 }],
  [26, { name: 'JPEG', clockRate: 90000, channels: 1 }],
  [28, { name: 'NV', clockRate: 90000, channels: 1 }],
  [31, { name: 'H261', clockRate: 90000, channels: 1 }],
  [32, { name: 'MPV', clockRate: 90000, channels: 1 }],
  [33, { name: 'MP2T', clockRate: 90000, channels: 1 }],
  [34, { name: 'H263', clockRate: 90000, channels: 1 }],
]);

/** The RFC 3551 meaning of a static payload type, or undefined for dynamic/unassigned ones. */
export function staticPayloadType(pt: number): StaticPayloadType | undefined {
  return TABLE.get(pt);
}
