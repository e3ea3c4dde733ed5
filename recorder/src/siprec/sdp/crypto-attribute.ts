/**
 * SDES `a=crypto` attributes (RFC 4568) for SRTP:
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-param> …]
 *   key-params = "inline:" <base64 key‖salt> ["|" <lifetime>] ["|" <MKI-value> ":" <MKI-length>] *(";" key-params)
 *
 * e.g. `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4`.
 */
import type { OfferedCrypto } from './types.js';

/** Key and salt sizes of one suite (RFC 4568 §6.2, RFC 7714 §12). */
export interface SrtpSuiteInfo {
  readonly keyLength: number;
  readonly saltLength: number;
  /** Length of the inline key‖salt. */
  readonly keySaltLength: number;
  /** Bytes of authentication tag on each SRTP packet. */
  readonly authTagLength: number;
}

/** The SDES suites our media layer decrypts (DESIGN §3), with their key material sizes. */
export const SUPPORTED_SRTP_SUITES: Readonly<Record<string, SrtpSuiteInfo>> = Object.freeze({
  AES_CM_128_HMAC_SHA1_80: { keyLength: 16, saltLength: 14, keySaltLength: 30, authTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { keyLength: 16, saltLength: 14, keySaltLength: 30, authTagLength: 4 },
  AEAD_AES_128_GCM: { keyLength: 16, saltLength: 12, keySaltLength: 28, authTagLength: 16 },
  AEAD_AES_256_GCM: { keyLength: 32, saltLength: 12, keySaltLength: 44, authTagLength: 16 },
});

/** The suite info, or undefined when we do not support the suite. */
export function srtpSuite(suite: string): SrtpSuiteInfo | undefined {
  return Object.hasOwn(SUPPORTED_SRTP_SUITES, suite) ? SUPPORTED_SRTP_SUITES[suite] : undefined;
}

/** One master key of a crypto line. */
export interface SrtpMasterKey {
  /** The decoded key‖salt, exactly the suite's length. */
  readonly keySalt: Buffer;
  /** Packets this key may protect (RFC 4568 §6.1); absent means the suite's maximum. */
  readonly lifetime?: number;
  /** Master key identifier carried in each packet (RFC 3711 §3.1), big-endian in `length` bytes. */
  readonly mki?: { readonly value: bigint; readonly length: number; readonly bytes: Buffer };
}

/** Session parameters of a crypto line (RFC 4568 §6.3). */
export interface SrtpSessionParams {
  readonly unencryptedSrtp: boolean;
  readonly unencryptedSrtcp: boolean;
  readonly unauthenticatedSrtp: boolean;
  /** Key derivation rate 2^kdr packets (§6.3.1); absent means the keys are derived once. */
  readonly kdr?: number;
  /** Replay window size hint (§6.3.6). */
  readonly windowSizeHint?: number;
  /** Optional (dash-prefixed) parameters we ignored, as RFC 4568 §6.3.7 allows. */
  readonly ignored: readonly string[];
}

/** A validated crypto line. */
export interface ParsedCrypto {
  readonly tag: number;
  readonly suite: string;
  readonly suiteInfo: SrtpSuiteInfo;
  readonly keys: readonly SrtpMasterKey[];
  readonly sessionParams: SrtpSessionParams;
}

/** The outcome of `parseCryptoAttribute`. */
export type ParseCryptoResult = { ok: true; crypto: ParsedCrypto } | { ok: false; error: string };

/** RFC 3711 §9.2: an SRTP master key protects at most 2^48 packets. */
const MAX_LIFETIME = 2 ** 48;
const MAX_KEYS = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Validates an `a=crypto` line: its suite must be one we support, every key must be inline base64 of the suite's
 * key‖salt length, and every session parameter must be one we understand (RFC 4568 §6.3.7: an unknown mandatory
 * parameter makes the line invalid).
 * @param input the attribute (`a=crypto:…` or just its value) or an `OfferedCrypto` from `parseOffer`
 */
export function parseCryptoAttribute(input: string | OfferedCrypto): ParseCryptoResult {
  let fields: OfferedCrypto;
  if (typeof input === 'string') {
    if (input.length > 4096) return { ok: false, error: 'crypto attribute too long' };
    const match = /^(?:a=crypto:)?\s*(\d{1,9})\s+(\S+)\s+(\S+)(?:\s+(.*))?$/i.exec(input.trim());
    if (match === null) return { ok: false, error: 'malformed crypto attribute' };
    const rest = (match[4] ?? '').trim();
    fields = {
      tag: Number(match[1]),
      suite: match[2] ?? '',
      keyParams: match[3] ?? '',
      sessionParams: rest.length > 0 ? rest.split(/\s+/) : [],
    };
  } else {
    fields = input;
  }

  const suiteInfo = srtpSuite(fields.suite);
  if (suiteInfo === undefined) return { ok: false, error: `unsupported crypto suite ${clip(fields.suite)}` };

  const keyParts = fields.keyParams.split(';');
  if (keyParts.length > MAX_KEYS) return { ok: false, error: 'too many keys' };
  const keys: SrtpMasterKey[] = [];
  for (const part of keyParts) {
    const key = parseKeyParam(part, suiteInfo);
    if (typeof key === 'string') return { ok: false, error: key };
    keys.push(key);
  }
  // RFC 4568 §6.1: with several keys each needs an MKI to be told apart, and all MKIs have one length.
  if (keys.length > 1) {
    const lengths = new Set(keys.map((k) => k.mki?.length));
    if (lengths.has(undefined) || lengths.size !== 1) {
      return { ok: false, error: 'several keys without MKIs of one length' };
    }
  }

  const sessionParams = parseSessionParams(fields.sessionParams);
  if (typeof sessionParams === 'string') return { ok: false, error: sessionParams };
  return { ok: true, crypto: { tag: fields.tag, suite: fields.suite, suiteInfo, keys, sessionParams } };
}

/** One `inline:<key>[|lifetime][|mki:len]` key parameter; a string is the reason it is not acceptable. */
function parseKeyParam(param: string, suite: SrtpSuiteInfo): SrtpMasterKey | string {
  const colon = param.indexOf(':');
  if (colon < 0 || param.slice(0, colon).toLowerCase() !== 'inline') {
    return 'key method is not inline (RFC 4568 §6.1 defines only inline)';
  }
  const [b64 = '', ...extras] = param.slice(colon + 1).split('|');
  if (extras.length > 2) return 'too many key parameter fields';
  if (!BASE64.test(b64)) return 'key is not base64';
  const keySalt = Buffer.from(b64, 'base64');
  if (keySalt.length !== suite.keySaltLength) {
    return `key is ${keySalt.length} bytes, the suite needs ${suite.keySaltLength}`;
  }

  let lifetime: number | undefined;
  let mki: SrtpMasterKey['mki'];
  for (const extra of extras) {
    if (extra.includes(':')) {
      if (mki !== undefined) return 'two MKI fields';
      const match = /^(\d{1,39}):(\d{1,3})$/.exec(extra);
      if (match === null) return 'malformed MKI';
      const value = BigInt(match[1] ?? '0');
      const length = Number(match[2]);
      if (length < 1 || length > 128) return 'MKI length out of range';
      if (value >= 1n << BigInt(8 * length)) return 'MKI value does not fit its length';
      mki = { value, length, bytes: bigintBytes(value, length) };
    } else {
      if (lifetime !== undefined || mki !== undefined) return 'lifetime in the wrong place';
      const match = /^(?:2\^(\d{1,2})|(\d{1,15}))$/.exec(extra);
      if (match === null) return 'malformed key lifetime';
      lifetime = match[1] !== undefined ? 2 ** Number(match[1]) : Number(match[2]);
      if (lifetime < 1 || lifetime > MAX_LIFETIME) return 'key lifetime out of range';
    }
  }
  return {
    keySalt,
    ...(lifetime === undefined ? {} : { lifetime }),
    ...(mki === undefined ? {} : { mki }),
  };
}

function parseSessionParams(params: readonly string[]): SrtpSessionParams | string {
  let unencryptedSrtp = false;
  let unencryptedSrtcp = false;
  let unauthenticatedSrtp = false;
  let kdr: number | undefined;
  let windowSizeHint: number | undefined;
  const ignored: string[] = [];
  for (const param of params) {
    if (param === 'UNENCRYPTED_SRTP') unencryptedSrtp = true;
    else if (param === 'UNENCRYPTED_SRTCP') unencryptedSrtcp = true;
    else if (param === 'UNAUTHENTICATED_SRTP') unauthenticatedSrtp = true;
    else if (param.startsWith('KDR=')) {
      const n = /^KDR=(\d{1,2})$/.exec(param);
      if (n === null || Number(n[1]) > 24) return 'malformed KDR';
      kdr = Number(n[1]);
    } else if (param.startsWith('WSH=')) {
      const n = /^WSH=(\d{1,6})$/.exec(param);
      if (n === null || Number(n[1]) < 64) return 'malformed WSH';
      windowSizeHint = Number(n[1]);
    } else if (param.startsWith('-')) {
      ignored.push(param);
    } else {
      // Also FEC_ORDER / FEC_KEY: we do not use FEC, and a mandatory parameter we cannot honour voids the line.
      return `unsupported session parameter ${clip(param)}`;
    }
  }
  return {
    unencryptedSrtp,
    unencryptedSrtcp,
    unauthenticatedSrtp,
    ...(kdr === undefined ? {} : { kdr }),
    ...(windowSizeHint === undefined ? {} : { windowSizeHint }),
    ignored,
  };
}

function bigintBytes(value: bigint, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let rest = value;
  for (let i = length - 1; i >= 0 && rest > 0n; i -= 1) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

function clip(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
