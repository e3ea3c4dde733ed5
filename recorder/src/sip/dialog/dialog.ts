import { parseCSeq } from '../message/cseq.js';
import { SipHeaders } from '../message/headers.js';
import { getTag, parseNameAddr } from '../message/name-addr.js';
import { ownCopy } from '../message/own-copy.js';
import { cryptoRandom, newBranch, type RandomSource } from '../message/random.js';
import type { SipRequest } from '../message/types.js';
import { parseUri } from '../message/uri.js';
import type { MessageSource, SendTarget, SipProtocol } from '../transport/types.js';
import { DialogError } from './dialog-error.js';
import { parseDialogSnapshot, type DialogSnapshot } from './dialog-snapshot.js';

/** Requests that refresh the remote target (RFC 3261 §12.2: re-INVITE; RFC 3311 §5.2: UPDATE; RFC 6665). */
const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set([
  'INVITE',
  'UPDATE',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
]);

/** Outcome of `Dialog.acceptRequest`: accepted, or the response the UAS must send instead. */
export type DialogAcceptResult = { accepted: true } | { accepted: false; status: number; reason: string };

/** Options for `Dialog.createRequest`. */
export interface DialogRequestOptions {
  body?: Buffer;
  contentType?: string;
  /** Extra headers, appended in order. */
  headers?: [string, string][];
  /** For ACK and CANCEL: the CSeq number of the INVITE they belong to (§13.2.2.4, §9.1); no increment. */
  cseq?: number;
  /** Random source for the Via branch. */
  random?: RandomSource;
}

/**
 * A dialog on the UAS side (RFC 3261 §12.1.1), created from the INVITE we answer with a 2xx.
 * Identified by Call-ID, local tag and remote tag (§12). Holds what in-dialog requests need (§12.2.1.1)
 * and what incoming ones are checked against (§12.2.2), and round-trips through a plain snapshot so another
 * recorder can take the dialog over.
 */
export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our address-of-record URI (the To URI of the INVITE). */
  readonly localUri: string;
  /** The peer's URI (the From URI of the INVITE). */
  readonly remoteUri: string;
  /** The To value of the INVITE (display name, URI, params) — becomes From of our requests, with our tag. */
  readonly localNameAddr: string;
  /** The From value of the INVITE — becomes To of our requests. */
  readonly remoteNameAddr: string;
  /** Where in-dialog requests go: the Contact URI of the last target-refresh request. */
  remoteTarget: string;
  /** Record-Route of the INVITE, in order (§12.1.1: the UAS keeps the order). */
  readonly routeSet: readonly string[];
  /** CSeq of the last request accepted from the peer. */
  remoteCSeq: number;
  /** CSeq of the last request we sent; 0 = none yet (§12.1.1: empty). */
  localCSeq: number;
  /** §12.1.1: TLS and a sips Request-URI. */
  readonly secure: boolean;
  /** Our Contact value, put in target-refresh requests we send. */
  readonly localContact: string;
  /** The transport destination for in-dialog requests (connection reused on streams). */
  target: SendTarget;

  // The strings are own copies (ownCopy): taken from the INVITE they are slices of its header text, which
  // would otherwise stay alive as long as the call.
  private constructor(s: DialogSnapshot) {
    this.callId = ownCopy(s.callId);
    this.localTag = ownCopy(s.localTag);
    this.remoteTag = ownCopy(s.remoteTag);
    this.localUri = ownCopy(s.localUri);
    this.remoteUri = ownCopy(s.remoteUri);
    this.localNameAddr = ownCopy(s.localNameAddr);
    this.remoteNameAddr = ownCopy(s.remoteNameAddr);
    this.remoteTarget = ownCopy(s.remoteTarget);
    this.routeSet = s.routeSet.map(ownCopy);
    this.remoteCSeq = s.remoteCSeq;
    this.localCSeq = s.localCSeq;
    this.secure = s.secure;
    this.localContact = ownCopy(s.localContact);
    this.target = { ...s.target, address: ownCopy(s.target.address) };
  }

  /**
   * The dialog a 2xx to `request` establishes (RFC 3261 §12.1.1). `localTag` is the To tag of our response,
   * `localContact` the Contact value we put in it. Throws `DialogError` if the INVITE lacks a From tag
   * (RFC 2543 peers: we would have no remote tag to identify the dialog by) or a usable CSeq.
   */
  static fromInvite(
    request: SipRequest,
    source: MessageSource,
    localTag: string,
    localContact: string,
  ): Dialog {
    const h = request.headers;
    const from = h.get('From') ?? '';
    const to = h.get('To') ?? '';
    const remoteTag = getTag(from);
    if (remoteTag === undefined)
      throw new DialogError('SIP_DIALOG_NO_REMOTE_TAG', 'the INVITE has no From tag');
    let remoteCSeq: number;
    try {
      remoteCSeq = parseCSeq(h.get('CSeq') ?? '').seq;
    } catch {
      throw new DialogError('SIP_DIALOG_BAD_REQUEST', 'the INVITE has no usable CSeq');
    }
    const contact = h.getAll('Contact')[0];
    // §12.1.1: remote target = Contact URI; an INVITE without Contact is broken, but the From URI is the
    // best address we have.
    const remoteTarget = contact !== undefined ? parseNameAddr(contact).uri : parseNameAddr(from).uri;
    const routeSet = h.getAll('Record-Route');
    const localNameAddr = stripTag(to);
    return new Dialog({
      version: 1,
      callId: h.get('Call-ID') ?? '',
      localTag,
      remoteTag,
      localUri: parseNameAddr(to).uri,
      remoteUri: parseNameAddr(from).uri,
      localNameAddr,
      remoteNameAddr: from,
      remoteTarget,
      routeSet,
      remoteCSeq,
      localCSeq: 0,
      secure: source.protocol === 'tls' && parseUri(request.uri).scheme === 'sips',
      localContact,
      target: targetFor(routeSet, remoteTarget, source),
    });
  }

  /** Restores a dialog from `toJSON()` output (e.g. loaded from the shared store). Validates it. */
  static fromJSON(snapshot: unknown): Dialog {
    return new Dialog(parseDialogSnapshot(snapshot));
  }

  /** `callId;localTag;remoteTag` — the dialog identifier of §12. */
  get id(): string {
    return `${this.callId};${this.localTag};${this.remoteTag}`;
  }

  /** The dialog id an incoming in-dialog request belongs to: our tag is its To tag (§12.2.2). */
  static idOfRequest(request: SipRequest): string {
    const h = request.headers;
    return `${h.get('Call-ID') ?? ''};${getTag(h.get('To')) ?? ''};${getTag(h.get('From')) ?? ''}`;
  }

  /**
   * Checks and records an in-dialog request (RFC 3261 §12.2.2): a CSeq lower than the last one is out of
   * order (500); target-refresh requests replace the remote target with their Contact. ACK and CANCEL carry
   * the INVITE's CSeq and change nothing.
   */
  acceptRequest(request: SipRequest): DialogAcceptResult {
    if (Dialog.idOfRequest(request) !== this.id) {
      return { accepted: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    }
    if (request.method === 'ACK' || request.method === 'CANCEL') return { accepted: true };
    let seq: number;
    try {
      seq = parseCSeq(request.headers.get('CSeq') ?? '').seq;
    } catch {
      return { accepted: false, status: 400, reason: 'Bad CSeq' };
    }
    // "If the remote sequence number was not empty, but the sequence number of the request is lower than
    // the remote sequence number, the request is out of order and MUST be rejected with a 500."
    if (seq < this.remoteCSeq) return { accepted: false, status: 500, reason: 'CSeq Out of Order' };
    this.remoteCSeq = seq;
    if (TARGET_REFRESH_METHODS.has(request.method)) {
      const contact = request.headers.getAll('Contact')[0];
      if (contact !== undefined && contact !== '*') {
        // Kept for the rest of the call: not a slice of this request's header text (see ownCopy).
        const uri = ownCopy(parseNameAddr(contact).uri);
        if (uri !== '') {
          this.remoteTarget = uri;
          if (this.routeSet.length === 0)
            this.target = { ...this.target, ...addressOf(uri, this.target.protocol) };
        }
      }
    }
    return { accepted: true };
  }

  /**
   * Builds an in-dialog request (RFC 3261 §12.2.1.1): Request-URI and Route from the remote target and
   * route set (loose or strict routing), From = our side with our tag, To = the peer with its tag, CSeq
   * incremented (except ACK/CANCEL), Max-Forwards 70, a fresh Via branch — the core rewrites the Via
   * sent-by for the transport it uses — and our Contact on target-refresh requests.
   */
  createRequest(method: string, opts: DialogRequestOptions = {}): SipRequest {
    const m = method.toUpperCase();
    let seq: number;
    if (opts.cseq !== undefined) seq = opts.cseq;
    else {
      // §12.2.1.1: an empty local sequence number starts at an arbitrary value below 2^31; we use 1.
      this.localCSeq = this.localCSeq === 0 ? 1 : this.localCSeq + 1;
      seq = this.localCSeq;
    }

    let requestUri = this.remoteTarget;
    let routes = [...this.routeSet];
    const firstRoute = routes[0];
    if (firstRoute !== undefined && !parseUri(parseNameAddr(firstRoute).uri).params.has('lr')) {
      // §12.2.1.1 strict routing: the first route becomes the Request-URI, the remote target the last route.
      requestUri = parseNameAddr(firstRoute).uri;
      routes = [...routes.slice(1), `<${this.remoteTarget}>`];
    }

    const headers = new SipHeaders();
    const proto = this.target.protocol.toUpperCase();
    const contactUri = parseUri(parseNameAddr(this.localContact).uri);
    const sentBy = `${contactUri.host || '0.0.0.0'}${contactUri.port !== undefined ? `:${contactUri.port}` : ''}`;
    headers.append(
      'Via',
      `SIP/2.0/${proto} ${sentBy};branch=${newBranch(opts.random ?? cryptoRandom)};rport`,
    );
    for (const r of routes) headers.append('Route', r);
    headers.append('Max-Forwards', '70');
    headers.append('From', `${this.localNameAddr};tag=${this.localTag}`);
    headers.append('To', this.remoteNameAddr);
    headers.append('Call-ID', this.callId);
    headers.append('CSeq', `${seq} ${m}`);
    if (TARGET_REFRESH_METHODS.has(m)) headers.append('Contact', this.localContact);
    for (const [name, value] of opts.headers ?? []) headers.append(name, value);
    const body = opts.body ?? Buffer.alloc(0);
    if (opts.contentType !== undefined && body.length > 0) headers.set('Content-Type', opts.contentType);
    return { type: 'request', method: m, uri: requestUri, headers, body };
  }

  /** A plain, JSON-serialisable snapshot of every field (see `DialogSnapshot`). */
  toJSON(): DialogSnapshot {
    return {
      version: 1,
      callId: this.callId,
      localTag: this.localTag,
      remoteTag: this.remoteTag,
      localUri: this.localUri,
      remoteUri: this.remoteUri,
      localNameAddr: this.localNameAddr,
      remoteNameAddr: this.remoteNameAddr,
      remoteTarget: this.remoteTarget,
      routeSet: [...this.routeSet],
      remoteCSeq: this.remoteCSeq,
      localCSeq: this.localCSeq,
      secure: this.secure,
      localContact: this.localContact,
      target: { ...this.target },
    };
  }
}

/** A To/From value without its tag parameter. */
function stripTag(nameAddr: string): string {
  const parsed = parseNameAddr(nameAddr);
  if (!parsed.params.has('tag')) return nameAddr.trim();
  const params = new Map(parsed.params);
  params.delete('tag');
  let out = parsed.displayName ? `"${parsed.displayName.replace(/["\\]/g, '\\$&')}" ` : '';
  out += `<${parsed.uri}>`;
  for (const [k, v] of params) out += v === '' ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** Host and port to send to for a URI (RFC 3263 is out of scope: names are left to the transport). */
function addressOf(uri: string, protocol: SipProtocol): { address: string; port: number } {
  const u = parseUri(uri);
  const host = u.host.startsWith('[') ? u.host.slice(1, -1) : u.host;
  return { address: host, port: u.port ?? (protocol === 'tls' || u.scheme === 'sips' ? 5061 : 5060) };
}

/**
 * Where in-dialog requests go: the first route (loose routing) or the remote target, over the protocol the
 * INVITE came on; on streams the INVITE's connection is preferred (RFC 5923 alias, INTEROP.md §12) and the
 * address is used only if that connection is gone.
 */
function targetFor(routeSet: readonly string[], remoteTarget: string, source: MessageSource): SendTarget {
  const first = routeSet[0];
  const uri = first !== undefined ? parseNameAddr(first).uri : remoteTarget;
  const addr = addressOf(uri, source.protocol);
  const target: SendTarget = {
    protocol: source.protocol,
    address: addr.address || source.remoteAddress,
    port: addr.port,
  };
  return source.connectionId !== undefined ? { ...target, connectionId: source.connectionId } : target;
}
