/**
 * Failover, the taking side (DESIGN.md §4, RFC 3261 §12.2.2, RFC 3891): a request reaches this recorder for a
 * dialog it does not hold. The dialog is looked up in the session store (by dialog id, then by Call-ID); when its
 * owner's lease expired or the owner stopped heart-beating, this recorder takes the session over (a new fencing
 * token), rebuilds the dialog with our Contact, binds its own ports on the media engine with the SRTP keys already
 * negotiated, answers with a full SDP of a higher version, and records on under the same recording id as a new
 * segment. A BYE for a dead recorder's dialog is answered 200 and the recording finalised.
 *
 * A dialog whose owner is alive and holds its lease is answered 481: the request was misrouted (the Service or the
 * SRC's failover list will reach the owner) and taking a live session would make two recorders write it. Nothing is
 * proxied: the owner's address may be unreachable from here, and the SRC retries at the next SRS anyway.
 */
import { Dialog } from '../../sip/dialog/dialog.js';
import { getTag } from '../../sip/message/name-addr.js';
import type { IncomingRequest } from '../../sip/core/transaction-user.js';
import type { LoadedSession, SessionStore } from '../../store/session-store.js';
import { StoreError } from '../../store/store-error.js';
import { extractSiprecBody } from '../body/index.js';
import { parseOffer, type SdpOffer } from '../sdp/index.js';
import type { UserAgentContext } from '../session/context.js';
import type { RecordingSession } from '../session/recording-session.js';
import { SessionError } from '../session/session-error.js';
import { answerReplacingInvite, checkReplacingInvite, replaceLocalDialog } from './replacing-invite.js';
import { SegmentOpening, type PhaseMark } from './segment-opening.js';
import { restoreDialog, restoreSession } from './stored-form.js';
import { TakeoverWindow } from './takeover-window.js';

/**
 * Takeovers in flight at most (see `TakeoverWindow`). A whole pod's calls (bench/failover, 1000) otherwise put
 * thousands of store commands in flight behind the busy main thread and some time out (503); 32 kept too few
 * round trips overlapping on a loaded machine (p50 slower than unbounded); 200 gave no 503 and the best p50.
 */
const TAKEOVERS_AT_ONCE = 200;

/** What the takeover needs from the coordinator that owns the store and the leases. */
export interface TakeoverDeps {
  readonly store: SessionStore;
  readonly recorderId: string;
  readonly leaseMs: number;
  /** Registers a session taken over with its new token (saves it, renews its lease, counts the recovery). */
  adopt(
    session: RecordingSession,
    token: number,
    previousOwner: string,
    receivedAt: number,
    phases?: Readonly<Record<string, number>>,
  ): void;
  /** Finalises a session taken over only to end it (BYE): segments assembled, sidecar, store, release. */
  finishTaken(session: RecordingSession, token: number, previousOwner: string): Promise<void>;
}

/** A Replaces header value (RFC 3891 §6.1), bounded: it comes from the network. */
export interface ReplacesTarget {
  readonly callId: string;
  readonly toTag: string;
  readonly fromTag: string;
}

const MAX_REPLACES = 1024;

/** Parses `Replaces: <call-id>;to-tag=…;from-tag=…`; undefined when absent or malformed. */
export function parseReplaces(value: string | undefined): ReplacesTarget | undefined {
  if (value === undefined || value.length > MAX_REPLACES) return undefined;
  const [callId, ...params] = value.split(';').map((p) => p.trim());
  if (!callId) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  for (const p of params) {
    const [k, v] = p.split('=').map((x) => x.trim());
    if (k?.toLowerCase() === 'to-tag') toTag = v;
    else if (k?.toLowerCase() === 'from-tag') fromTag = v;
  }
  if (!toTag || !fromTag) return undefined;
  return { callId, toTag, fromTag };
}

/** Takes sessions over from recorders that died (see module comment). */
export class SessionTakeover {
  readonly #deps: TakeoverDeps;
  /** Takeovers in progress by dialog id: a second request for the dialog waits for the first. */
  readonly #inProgress = new Map<string, Promise<RecordingSession | 'answered' | undefined>>();
  readonly #window = new TakeoverWindow(TAKEOVERS_AT_ONCE);

  constructor(deps: TakeoverDeps) {
    this.#deps = deps;
  }

  /** See `SessionPersistence.resume`. */
  resume(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
  ): Promise<RecordingSession | 'answered' | undefined> {
    const dialogId = Dialog.idOfRequest(incoming.request);
    const running = this.#inProgress.get(dialogId);
    if (running) {
      // The dialog is being taken over for an earlier request: handle this one once it is ours (or not).
      return running.then((r) => (r === 'answered' ? ctx.registry.byDialog(dialogId) : r));
    }
    const receivedAt = ctx.clock.now();
    const work = this.#window
      .run(() => this.#resume(ctx, incoming, dialogId, receivedAt))
      .finally(() => this.#inProgress.delete(dialogId));
    this.#inProgress.set(dialogId, work);
    return work;
  }

  async #resume(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
    dialogId: string,
    receivedAt: number,
  ): Promise<RecordingSession | 'answered' | undefined> {
    const { request } = incoming;
    const h = request.headers;
    const phases: Record<string, number> = {};
    const mark: PhaseMark = (phase) => (phases[phase] = ctx.clock.now() - receivedAt);
    mark('startedMs');
    const found = await this.#find(ctx, incoming, dialogId, h.get('Call-ID') ?? '', {
      callId: h.get('Call-ID') ?? '',
      toTag: getTag(h.get('To')) ?? '',
      fromTag: getTag(h.get('From')) ?? '',
    });
    if (found === 'answered' || found === undefined) return found;
    mark('foundMs');
    if (found.session.state === 'ended') {
      // Ended elsewhere: a late or retransmitted BYE still succeeds (INTEROP §8.8).
      ctx.respond(incoming, request.method === 'BYE' ? 200 : 481);
      return 'answered';
    }
    if (ctx.registry.byRecording(found.session.recordingId)) {
      // Recorded here under the dialog that replaced this one (RFC 3891): the old dialog is over.
      ctx.respond(incoming, request.method === 'BYE' ? 200 : 481);
      return 'answered';
    }
    const session = restoreSession(found.session, {
      source: incoming.source,
      localContact: ctx.contactFor(incoming.source),
    });
    if (request.method === 'BYE') return this.#finishAtBye(ctx, incoming, found, session, receivedAt);
    if (!session.offer)
      throw new SessionError('SESSION_BAD_STORED_STATE', 500, 'the stored session has no offer');
    // A re-INVITE or UPDATE is answered from its own offer: negotiating the stored one first and then the new
    // one would cost a second round trip to the media worker before the 200 OK.
    const requested = offerOf(incoming);
    const opening = SegmentOpening.start(
      ctx,
      session,
      requested?.offer ?? session.offer,
      requested?.sdp ?? session.offerSdp,
      { ownerLapsed: found.leaseUntil <= receivedAt, mark },
    );
    const lease = await this.#takeOver(ctx, incoming, found);
    mark('leasedMs');
    if (lease === undefined) {
      opening.abandon();
      return 'answered';
    }
    await opening.commit(this.#deps.recorderId);
    mark('mediaMs');
    this.#deps.adopt(session, lease.token, lease.previousOwner, receivedAt, phases);
    return session;
  }

  /**
   * A BYE for a dead recorder's session: taken over only to finalise it. The SRC hung up while its media went to
   * the dead recorder: this recorder's (empty) segment marks where the call really ended, so the gap up to the BYE
   * is silent and listed, and the file lasts as long as the call.
   */
  async #finishAtBye(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
    found: LoadedSession,
    session: RecordingSession,
    receivedAt: number,
  ): Promise<'answered'> {
    const lease = await this.#takeOver(ctx, incoming, found);
    if (lease === undefined) return 'answered';
    const accepted = session.dialog.acceptRequest(incoming.request);
    if (!accepted.accepted) ctx.respond(incoming, accepted.status, { reason: accepted.reason });
    else ctx.respond(incoming, 200);
    session.segments.push({
      recorderId: this.#deps.recorderId,
      start: receivedAt,
      end: receivedAt,
      files: [],
    });
    session.counters.failovers++;
    session.end('bye', receivedAt);
    ctx.logger.info(
      { callId: session.callId, recordingId: session.recordingId, previousOwner: lease.previousOwner },
      'BYE for a session of a stopped recorder: finalised',
    );
    await this.#deps.finishTaken(session, lease.token, lease.previousOwner);
    return 'answered';
  }

  /** See `SessionPersistence.replace`: RFC 3891 §3, the new dialog continues the replaced one's recording. */
  async replace(ctx: UserAgentContext, incoming: IncomingRequest): Promise<'answered' | undefined> {
    const { request, source } = incoming;
    const target = parseReplaces(request.headers.get('Replaces'));
    if (target === undefined) return undefined;
    // §3: "the to-tag parameter is compared to the local tag, and the from-tag parameter to the remote tag".
    const replacedId = `${target.callId};${target.toTag};${target.fromTag}`;
    const local = ctx.registry.byDialog(replacedId);
    if (local) return replaceLocalDialog(ctx, incoming, local);
    const receivedAt = ctx.clock.now();
    const found = await this.#find(ctx, incoming, replacedId, target.callId, target);
    if (found === 'answered') return 'answered';
    if (found === undefined) {
      ctx.respond(incoming, 481, { reason: 'Replaced Dialog Does Not Exist' });
      return 'answered';
    }
    if (found.session.state === 'ended' || ctx.registry.byRecording(found.session.recordingId)) {
      // §3: a dialog that already terminated (or was itself replaced by one recorded here) → 603.
      ctx.respond(incoming, 603, { reason: 'Replaced Dialog Ended' });
      return 'answered';
    }
    const checked = checkReplacingInvite(ctx, incoming);
    if (checked === undefined) return 'answered';
    const contact = ctx.contactFor(source);
    const dialog = Dialog.fromInvite(request, source, incoming.localTag, contact);
    const session = restoreSession(found.session, { source, localContact: contact, dialog });
    const opening = SegmentOpening.start(ctx, session, checked.offer, checked.sdp, {
      ownerLapsed: found.leaseUntil <= receivedAt,
    });
    const lease = await this.#takeOver(ctx, incoming, found);
    if (lease === undefined) {
      opening.abandon();
      return 'answered';
    }
    session.state = 'early';
    session.lastSignalAt = receivedAt;
    if (checked.metadata !== undefined) session.applyMetadata(checked.metadata, 'INVITE', receivedAt);
    if (checked.timer.kind === 'ok') session.sessionExpiresMs = checked.timer.sessionExpires * 1000;
    await opening.commit(this.#deps.recorderId);
    ctx.registry.add(session);
    this.#deps.adopt(session, lease.token, lease.previousOwner, receivedAt);
    answerReplacingInvite(ctx, incoming, session, checked.timer);
    // RFC 3891 §3: the replaced dialog (the dead recorder's) is ended with a BYE; an SRC that dropped it says 481.
    ctx.endReplacedDialog(session, restoreDialog(found.session, { source, localContact: contact }));
    ctx.logger.info(
      { callId: session.callId, recordingId: session.recordingId, replaces: target.callId },
      'INVITE with Replaces continues the recording',
    );
    return 'answered';
  }

  /** The stored session of a dialog, by dialog id, else by Call-ID and tags. Store failures answer 503. */
  async #find(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
    dialogId: string,
    callId: string,
    tags: ReplacesTarget,
  ): Promise<LoadedSession | 'answered' | undefined> {
    const { store } = this.#deps;
    try {
      const byDialog = await store.findByDialog(dialogId);
      if (byDialog) return byDialog;
      if (callId === '') return undefined;
      // The dialog index may lag (a write still queued on the dead recorder's side never arrived, or the index
      // expired); the Call-ID index with both tags identifies the same dialog (RFC 3261 §12).
      const candidates = (await store.findByCallId(callId)).filter(
        (c) => c.session.dialog.remoteTag === tags.fromTag && c.session.dialog.localTag === tags.toTag,
      );
      return candidates.sort((a, b) => b.revision - a.revision)[0];
    } catch (err) {
      // "Not found" would make us answer 481 to a dialog that exists: ask the SRC to retry (RFC 3261 §21.5.4).
      ctx.logger.warn(
        { callId, err: err instanceof StoreError ? err.code : (err as Error).message },
        'session store unavailable for a request of an unknown dialog',
      );
      ctx.respond(incoming, 503, { headers: [['Retry-After', '2']] });
      return 'answered';
    }
  }

  /** Takes the lease; answers the request and resolves undefined when we may not. */
  async #takeOver(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
    found: LoadedSession,
  ): Promise<{ token: number; previousOwner: string } | undefined> {
    const { store, recorderId, leaseMs } = this.#deps;
    const outcome = await store.takeOver(found.session.recordingId, recorderId, leaseMs);
    if (outcome.ok) return { token: outcome.token, previousOwner: outcome.previousOwner };
    const log = ctx.logger.child({ callId: found.session.callId, recordingId: found.session.recordingId });
    switch (outcome.reason) {
      case 'owned':
        log.info({ owner: outcome.owner }, 'request for a session another live recorder owns: 481');
        ctx.respond(incoming, 481, { reason: 'Dialog Owned By Another Recorder' });
        return undefined;
      case 'unavailable':
        ctx.respond(incoming, 503, { headers: [['Retry-After', '2']] });
        return undefined;
      case 'ended':
        ctx.respond(incoming, incoming.request.method === 'BYE' ? 200 : 481);
        return undefined;
      default:
        ctx.respond(incoming, 481);
        return undefined;
    }
  }
}

/** The SDP offer a re-INVITE or UPDATE carries, when it has a usable one (else the in-dialog layer answers it). */
function offerOf(incoming: IncomingRequest): { offer: SdpOffer; sdp: string } | undefined {
  const { request } = incoming;
  if ((request.method !== 'INVITE' && request.method !== 'UPDATE') || request.body.length === 0)
    return undefined;
  try {
    const { sdp } = extractSiprecBody(
      request.headers.get('Content-Type'),
      request.body,
      request.headers.get('Content-Disposition'),
    );
    if (sdp === undefined) return undefined;
    const parsed = parseOffer(sdp);
    return parsed.ok ? { offer: parsed.offer, sdp } : undefined;
  } catch {
    return undefined;
  }
}
