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
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Dialog } from '../../sip/dialog/dialog.js';
import { getTag } from '../../sip/message/name-addr.js';
import type { IncomingRequest } from '../../sip/core/transaction-user.js';
import { negotiateSessionTimer } from '../../sip/session-timer.js';
import { segmentDirectoryName, segmentFileName } from '../../recording/assembly/segment-storage.js';
import type { LoadedSession, SessionStore } from '../../store/session-store.js';
import { StoreError } from '../../store/store-error.js';
import { extractSiprecBody } from '../body/index.js';
import { buildAnswer, parseOffer, type SdpOffer } from '../sdp/index.js';
import { ALLOW, MIN_SE, SUPPORTED, negotiationContext, type UserAgentContext } from '../session/context.js';
import { negotiateOffer } from '../session/media-negotiator.js';
import { mediaStreamsOf } from '../session/media-streams.js';
import type { RecordingSession } from '../session/recording-session.js';
import { SessionError } from '../session/session-error.js';
import { restoreSession } from './stored-form.js';

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
    const work = this.#resume(ctx, incoming, dialogId).finally(() => this.#inProgress.delete(dialogId));
    this.#inProgress.set(dialogId, work);
    return work;
  }

  async #resume(
    ctx: UserAgentContext,
    incoming: IncomingRequest,
    dialogId: string,
  ): Promise<RecordingSession | 'answered' | undefined> {
    const { request } = incoming;
    const receivedAt = ctx.clock.now();
    const h = request.headers;
    const phases: Record<string, number> = {};
    const found = await this.#find(ctx, incoming, dialogId, h.get('Call-ID') ?? '', {
      callId: h.get('Call-ID') ?? '',
      toTag: getTag(h.get('To')) ?? '',
      fromTag: getTag(h.get('From')) ?? '',
    });
    if (found === 'answered' || found === undefined) return found;
    const log = ctx.logger.child({ callId: found.session.callId, recordingId: found.session.recordingId });
    if (found.session.state === 'ended') {
      // Ended elsewhere: a late or retransmitted BYE still succeeds (INTEROP §8.8).
      ctx.respond(incoming, request.method === 'BYE' ? 200 : 481);
      return 'answered';
    }
    phases.foundMs = ctx.clock.now() - receivedAt;
    const lease = await this.#takeOver(ctx, incoming, found);
    if (lease === undefined) return 'answered';
    phases.leasedMs = ctx.clock.now() - receivedAt;
    const session = restoreSession(found.session, {
      source: incoming.source,
      localContact: ctx.contactFor(incoming.source),
    });
    if (request.method === 'BYE') {
      const accepted = session.dialog.acceptRequest(request);
      if (!accepted.accepted) {
        ctx.respond(incoming, accepted.status, { reason: accepted.reason });
      } else {
        ctx.respond(incoming, 200);
      }
      // The SRC hung up while its media went to the dead recorder: this recorder's (empty) segment marks where the
      // call really ended, so the gap up to the BYE is silent and listed, and the file lasts as long as the call.
      session.segments.push({
        recorderId: this.#deps.recorderId,
        start: receivedAt,
        end: receivedAt,
        files: [],
      });
      session.counters.failovers++;
      session.end('bye', receivedAt);
      log.info({ previousOwner: lease.previousOwner }, 'BYE for a session of a stopped recorder: finalised');
      await this.#deps.finishTaken(session, lease.token, lease.previousOwner);
      return 'answered';
    }
    if (!session.offer)
      throw new SessionError('SESSION_BAD_STORED_STATE', 500, 'the stored session has no offer');
    await continueHere(ctx, session, this.#deps.recorderId, session.offer, session.offerSdp);
    phases.mediaMs = ctx.clock.now() - receivedAt;
    this.#deps.adopt(session, lease.token, lease.previousOwner, receivedAt, phases);
    return session;
  }

  /** See `SessionPersistence.replace`: RFC 3891 §3, the new dialog continues the replaced one's recording. */
  async replace(ctx: UserAgentContext, incoming: IncomingRequest): Promise<'answered' | undefined> {
    const { request, source } = incoming;
    const target = parseReplaces(request.headers.get('Replaces'));
    if (target === undefined) return undefined;
    // §3: "the to-tag parameter is compared to the local tag, and the from-tag parameter to the remote tag".
    const replacedId = `${target.callId};${target.toTag};${target.fromTag}`;
    if (ctx.registry.byDialog(replacedId)) return undefined;
    const receivedAt = ctx.clock.now();
    const found = await this.#find(ctx, incoming, replacedId, target.callId, target);
    if (found === 'answered') return 'answered';
    if (found === undefined) {
      ctx.respond(incoming, 481, { reason: 'Replaced Dialog Does Not Exist' });
      return 'answered';
    }
    if (found.session.state === 'ended') {
      // §3: a dialog that already terminated → 603.
      ctx.respond(incoming, 603, { reason: 'Replaced Dialog Ended' });
      return 'answered';
    }
    const body =
      request.body.length > 0
        ? extractSiprecBody(
            request.headers.get('Content-Type'),
            request.body,
            request.headers.get('Content-Disposition'),
          )
        : undefined;
    if (body?.sdp === undefined) {
      ctx.respond(incoming, 488, { reason: 'An SDP offer is required' });
      return 'answered';
    }
    const parsed = parseOffer(body.sdp);
    if (!parsed.ok) {
      ctx.respond(incoming, 488, { reason: `Unacceptable SDP: ${parsed.error}`.slice(0, 120) });
      return 'answered';
    }
    const timer = negotiateSessionTimer(request, { minSE: MIN_SE });
    if (timer.kind === 'too-small') {
      ctx.respond(incoming, 422, { headers: timer.responseHeaders });
      return 'answered';
    }
    const lease = await this.#takeOver(ctx, incoming, found);
    if (lease === undefined) return 'answered';
    const contact = ctx.contactFor(source);
    const dialog = Dialog.fromInvite(request, source, incoming.localTag, contact);
    const session = restoreSession(found.session, { source, localContact: contact, dialog });
    session.state = 'early';
    session.lastSignalAt = receivedAt;
    if (body.metadata) session.applyMetadata(body.metadata.raw, 'INVITE', receivedAt);
    if (timer.kind === 'ok') session.sessionExpiresMs = timer.sessionExpires * 1000;
    await continueHere(ctx, session, this.#deps.recorderId, parsed.offer, body.sdp);
    ctx.registry.add(session);
    this.#deps.adopt(session, lease.token, lease.previousOwner, receivedAt);
    ctx.respond(incoming, 200, {
      headers: [
        ['Contact', contact],
        ['Allow', ALLOW],
        ['Supported', SUPPORTED],
        ...(timer.kind === 'ok' ? timer.responseHeaders : []),
      ],
      body: Buffer.from(session.answerSdp),
      contentType: 'application/sdp',
    });
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

/**
 * Opens the next segment of `session` on this recorder's media engine and negotiates `offer` against the stored
 * streams: each keeps its channel and both SRTP keys, and gets a port pair bound here before the answer leaves.
 * The answer is a full SDP whose `o=` version is one above the last one sent (RFC 3264 §8).
 */
export async function continueHere(
  ctx: UserAgentContext,
  session: RecordingSession,
  recorderId: string,
  offer: SdpOffer,
  offerSdp: string,
): Promise<void> {
  const index = session.segments.length + 1;
  const directory = join(ctx.config.recordingDir, segmentDirectoryName(session.recordingId, index));
  await mkdir(directory, { recursive: true });
  const now = ctx.clock.now();
  const media = await ctx.media.openRecording({
    recordingId: session.recordingId,
    directory,
    startedAt: now,
  });
  let answer;
  try {
    const negotiation = await negotiateOffer(offer, session.streams, negotiationContext(ctx, media));
    session.streams = negotiation.streams;
    answer = negotiation.answer;
    await media.configure(mediaStreamsOf(session.streams));
  } catch (err) {
    await media.discard().catch(() => undefined);
    throw err;
  }
  session.media = media;
  session.offer = offer;
  session.offerSdp = offerSdp;
  session.answerVersion += 1;
  session.answerSdp = buildAnswer(offer, answer, {
    address: ctx.mediaAddress,
    sessionId: session.localSessionId,
    version: session.answerVersion,
  });
  session.segments.push({
    recorderId,
    start: now,
    end: null,
    files: [segmentFileName(session.recordingId, index)],
  });
  session.counters.failovers++;
}
