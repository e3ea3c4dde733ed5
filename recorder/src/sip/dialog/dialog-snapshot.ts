import type { SendTarget } from '../transport/types.js';
import { DialogError } from './dialog-error.js';

/**
 * Everything a recorder needs to continue a UAS dialog it did not create (DESIGN.md §4): plain JSON,
 * versioned so the shared store can be read by newer recorders.
 */
export interface DialogSnapshot {
  readonly version: 1;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  /** Our To value without tag (display name and params kept). */
  readonly localNameAddr: string;
  /** The peer's From value, with its tag. */
  readonly remoteNameAddr: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly remoteCSeq: number;
  readonly localCSeq: number;
  readonly secure: boolean;
  readonly localContact: string;
  readonly target: SendTarget;
}

const STRING_FIELDS = [
  'callId',
  'localTag',
  'remoteTag',
  'localUri',
  'remoteUri',
  'localNameAddr',
  'remoteNameAddr',
  'remoteTarget',
  'localContact',
] as const;

/** A snapshot field must fit in a SIP header line; this bounds what a corrupted store entry can do. */
const MAX_FIELD = 8192;

function isSeq(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** Validates untrusted snapshot data (it comes from a shared store). Throws `DialogError`. */
export function parseDialogSnapshot(input: unknown): DialogSnapshot {
  const bad = (why: string): never => {
    throw new DialogError('SIP_DIALOG_BAD_SNAPSHOT', `invalid dialog snapshot: ${why}`);
  };
  if (typeof input !== 'object' || input === null) return bad('not an object');
  const o = input as Record<string, unknown>;
  if (o.version !== 1) bad(`unsupported version ${String(o.version)}`);
  for (const f of STRING_FIELDS) {
    const v = o[f];
    if (typeof v !== 'string' || v.length > MAX_FIELD) bad(f);
  }
  if (o.callId === '' || o.localTag === '' || o.remoteTag === '') bad('empty dialog id part');
  const routeSet = o.routeSet;
  if (!Array.isArray(routeSet) || routeSet.length > 64) return bad('routeSet');
  const routes: string[] = [];
  for (const r of routeSet as unknown[]) {
    if (typeof r !== 'string' || r.length > MAX_FIELD) return bad('routeSet entry');
    routes.push(r);
  }
  if (!isSeq(o.remoteCSeq) || !isSeq(o.localCSeq)) bad('CSeq');
  if (typeof o.secure !== 'boolean') bad('secure');
  const t = o.target as Record<string, unknown> | null | undefined;
  if (typeof t !== 'object' || t === null) return bad('target');
  if (t.protocol !== 'udp' && t.protocol !== 'tcp' && t.protocol !== 'tls') bad('target.protocol');
  if (typeof t.address !== 'string' || t.address.length > 255) bad('target.address');
  if (typeof t.port !== 'number' || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535)
    bad('target.port');
  if (t.connectionId !== undefined && typeof t.connectionId !== 'string') bad('target.connectionId');
  const target = {
    protocol: t.protocol,
    address: t.address,
    port: t.port,
    ...(t.connectionId !== undefined ? { connectionId: t.connectionId } : {}),
  } as SendTarget;
  const s = o as unknown as DialogSnapshot;
  return {
    version: 1,
    callId: s.callId,
    localTag: s.localTag,
    remoteTag: s.remoteTag,
    localUri: s.localUri,
    remoteUri: s.remoteUri,
    localNameAddr: s.localNameAddr,
    remoteNameAddr: s.remoteNameAddr,
    remoteTarget: s.remoteTarget,
    routeSet: routes,
    remoteCSeq: s.remoteCSeq,
    localCSeq: s.localCSeq,
    secure: s.secure,
    localContact: s.localContact,
    target,
  };
}
