/**
 * Requests inside a recording dialog: re-INVITE and UPDATE (new SDP, metadata, session refresh), BYE (possibly
 * with metadata, INTEROP §8.8), INFO. Rules from INTEROP §5 and §8:
 * - every re-INVITE/UPDATE carrying SDP gets a full SDP answer; an unchanged `o=` version gets our previous answer
 *   unchanged; a re-INVITE without SDP gets our current SDP as an offer;
 * - metadata-only UPDATEs and re-INVITEs are merged (partial into complete) and answered 200;
 * - an SRC re-INVITE is never refused because of metadata, and a failed re-offer leaves the session as it was
 *   (RFC 3261 §14.2).
 */
import { Dialog } from '../../sip/dialog/dialog.js';
import type { IncomingRequest } from '../../sip/core/transaction-user.js';
import { negotiateSessionTimer } from '../../sip/session-timer.js';
import { extractSiprecBody, SiprecBodyError, type SiprecBody } from '../body/index.js';
import { buildAnswer, parseOffer, sameOfferVersion } from '../sdp/index.js';
import { negotiateOffer } from './media-negotiator.js';
import { mediaStreamsOf } from './media-streams.js';
import type { RecordingSession } from './recording-session.js';
import { SessionError } from './session-error.js';
import { ACCEPT, ALLOW, MIN_SE, SUPPORTED, negotiationContext, type UserAgentContext } from './context.js';
import { offerHolds } from './pause-intervals.js';
import { reasonPhrase } from './initial-invite.js';

/** Sessions with an offer being processed: a second one meanwhile is glare (RFC 3261 §14.2, RFC 3311 §5.2). */
const pendingOffers = new WeakSet<RecordingSession>();

export async function handleInDialog(ctx: UserAgentContext, incoming: IncomingRequest): Promise<void> {
  const { request } = incoming;
  const now = ctx.clock.now();
  const dialogId = Dialog.idOfRequest(request);
  const session = ctx.registry.byDialog(dialogId);
  if (!session) {
    // A BYE retransmitted after we ended the dialog, or one crossing ours: still a success (INTEROP §8.8).
    if (request.method === 'BYE' && ctx.registry.isTombstoned(dialogId, now))
      return ctx.respond(incoming, 200);
    return ctx.respond(incoming, 481);
  }
  const accepted = session.dialog.acceptRequest(request);
  if (!accepted.accepted) return ctx.respond(incoming, accepted.status, { reason: accepted.reason });
  session.lastSignalAt = now;
  if (request.method !== 'BYE') ctx.policy?.onRequest(session, request.headers); // header pause triggers

  switch (request.method) {
    case 'INVITE':
    case 'UPDATE':
      return handleOffer(ctx, session, incoming);
    case 'BYE':
      return handleBye(ctx, session, incoming);
    case 'INFO':
    case 'OPTIONS':
      return ctx.respond(incoming, 200, {
        headers: [
          ['Allow', ALLOW],
          ['Supported', SUPPORTED],
        ],
      });
    default:
      return ctx.respond(incoming, 405, { headers: [['Allow', ALLOW]] });
  }
}

async function handleOffer(
  ctx: UserAgentContext,
  session: RecordingSession,
  incoming: IncomingRequest,
): Promise<void> {
  const { request } = incoming;
  const log = ctx.logger.child({ callId: session.callId, recordingId: session.recordingId });
  if (pendingOffers.has(session)) {
    // §14.2: a re-INVITE while one is in progress → 500 with Retry-After; RFC 3311 §5.2: UPDATE → 491.
    return request.method === 'INVITE'
      ? ctx.respond(incoming, 500, { headers: [['Retry-After', '1']] })
      : ctx.respond(incoming, 491);
  }

  let body: SiprecBody | undefined;
  if (request.body.length > 0) {
    try {
      body = extractSiprecBody(
        request.headers.get('Content-Type'),
        request.body,
        request.headers.get('Content-Disposition'),
      );
    } catch (err) {
      if (!(err instanceof SiprecBodyError)) throw err;
      return ctx.respond(incoming, err.status, {
        reason: reasonPhrase(err.status, err.message),
        headers: err.status === 415 ? [['Accept', ACCEPT]] : [],
      });
    }
  }

  const timer = negotiateSessionTimer(request, { minSE: MIN_SE });
  if (timer.kind === 'too-small') return ctx.respond(incoming, 422, { headers: timer.responseHeaders });

  if (body?.metadata) {
    const outcome = session.applyMetadata(body.metadata.raw, request.method, ctx.clock.now());
    if (!outcome.ok) {
      ctx.metrics.metadataParseFailures.inc();
      log.warn(
        { error: outcome.error, method: request.method },
        'metadata update kept raw: it could not be parsed',
      );
    } else if (outcome.sanitised) ctx.metrics.metadataSanitised.inc();
    // Participants often arrive only now (Avaya SBCE UPDATE, INTEROP §3.4): the policy may switch record ↔ skip.
    if (outcome.ok) ctx.policy?.reevaluate(session);
  }

  const responseHeaders: [string, string][] = [
    ['Contact', session.dialog.localContact],
    ['Allow', ALLOW],
    ['Supported', SUPPORTED],
    ...(timer.kind === 'ok' ? timer.responseHeaders : []),
  ];
  if (timer.kind === 'ok') session.sessionExpiresMs = timer.sessionExpires * 1000;

  if (body?.sdp !== undefined) {
    const parsed = parseOffer(body.sdp);
    if (!parsed.ok) {
      return ctx.respond(incoming, 488, { reason: reasonPhrase(488, `Unacceptable SDP: ${parsed.error}`) });
    }
    if (!session.offer || !sameOfferVersion(session.offer, parsed.offer)) {
      pendingOffers.add(session);
      try {
        const media = session.media;
        if (!media) throw new SessionError('SESSION_NO_MEDIA', 500, 'the session has no recording');
        const offered = await negotiateOffer(parsed.offer, session.streams, negotiationContext(ctx, media));
        const negotiation = ctx.policy?.shapeAnswer(session, offered) ?? offered;
        if (session.ended) return; // finalising the recording closes every port of it
        const answerVersion = session.answerVersion + 1;
        const answerSdp = buildAnswer(parsed.offer, negotiation.answer, {
          address: ctx.mediaAddress,
          sessionId: session.localSessionId,
          version: answerVersion,
        });
        for (const pair of negotiation.released) media.release(pair);
        session.streams = negotiation.streams;
        session.pauses.set('hold', offerHolds(parsed.offer), ctx.clock.now());
        session.offer = parsed.offer;
        session.answerVersion = answerVersion;
        session.answerSdp = answerSdp;
        // Before the 200 OK: new ports must receive, held streams stop, resumed ones re-latch.
        const configured = ctx.policy?.mediaStreams(session) ?? mediaStreamsOf(session.streams);
        await media.configure(configured).catch((err: unknown) => {
          log.error({ err: (err as Error).message }, 'media worker refused the re-negotiated streams');
        });
        log.info(
          {
            method: request.method,
            streams: session.streams.map((s) => ({
              label: s.label,
              accepted: s.accepted,
              direction: s.direction,
            })),
          },
          'session re-negotiated',
        );
      } catch (err) {
        if (!(err instanceof SessionError)) throw err;
        log.warn(
          { status: err.status, error: err.message },
          're-offer refused; the session continues unchanged',
        );
        return ctx.respond(incoming, err.status, { reason: reasonPhrase(err.status, err.message) });
      } finally {
        pendingOffers.delete(session);
      }
    }
    ctx.respond(incoming, 200, {
      headers: responseHeaders,
      body: Buffer.from(session.answerSdp),
      contentType: 'application/sdp',
    });
  } else if (request.method === 'INVITE') {
    // RFC 3261 §14.2 / INTEROP §5: a re-INVITE without an offer gets our current SDP as the offer.
    ctx.respond(incoming, 200, {
      headers: responseHeaders,
      body: Buffer.from(session.answerSdp),
      contentType: 'application/sdp',
    });
  } else {
    ctx.respond(incoming, 200, { headers: responseHeaders });
  }
  ctx.sidecars.update(
    session.recordingId,
    () => session.toSidecar(ctx.config.recorderId),
    (err) => log.error({ err }, 'cannot write sidecar'),
  );
}

function handleBye(ctx: UserAgentContext, session: RecordingSession, incoming: IncomingRequest): void {
  const { request } = incoming;
  // Ribbon sends the last metadata (datamode Partial, disassociate-time) in the BYE (INTEROP §3.4).
  if (request.body.length > 0) {
    try {
      const body = extractSiprecBody(
        request.headers.get('Content-Type'),
        request.body,
        request.headers.get('Content-Disposition'),
      );
      if (body.metadata) session.applyMetadata(body.metadata.raw, 'BYE', ctx.clock.now());
    } catch {
      // A BYE is never refused for its body: the call is over either way.
    }
  }
  ctx.respond(incoming, 200);
  ctx.endSession(session, 'bye', { sendBye: false });
}
