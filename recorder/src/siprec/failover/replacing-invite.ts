/**
 * An INVITE with `Replaces` (RFC 3891): the checks and the answer shared by both cases, and the case where the
 * replaced dialog is recorded here. A live session of this recorder is not taken over — no store lease, no fencing
 * of itself, no second recording, no new segment —: the session moves to the new dialog, keeps its recording id,
 * media worker recording and ports (streams matched by label, RFC 7866 §7.1.1), and the old dialog ends here
 * (tombstoned, so its BYE still gets 200 and anything else 481).
 */
import { Dialog } from '../../sip/dialog/dialog.js';
import type { IncomingRequest } from '../../sip/core/transaction-user.js';
import { negotiateSessionTimer, type SessionTimerResult } from '../../sip/session-timer.js';
import { extractSiprecBody, SiprecBodyError } from '../body/index.js';
import { buildAnswer, parseOffer, type SdpOffer } from '../sdp/index.js';
import { ALLOW, MIN_SE, SUPPORTED, negotiationContext, type UserAgentContext } from '../session/context.js';
import { reasonPhrase } from '../session/initial-invite.js';
import { negotiateOffer } from '../session/media-negotiator.js';
import { mediaStreamsOf } from '../session/media-streams.js';
import type { RecordingSession } from '../session/recording-session.js';
import { SessionError } from '../session/session-error.js';

/** What a replacing INVITE brings, once it passed the checks. */
export interface ReplacingInvite {
  readonly offer: SdpOffer;
  readonly sdp: string;
  /** The raw metadata document, if the INVITE carried one. */
  readonly metadata: string | undefined;
  readonly timer: Exclude<SessionTimerResult, { kind: 'too-small' }>;
}

/**
 * Checks a replacing INVITE's body (an SDP offer is required: the new dialog needs our ports) and session timer;
 * answers the error and resolves undefined when it cannot continue a recording.
 */
export function checkReplacingInvite(
  ctx: UserAgentContext,
  incoming: IncomingRequest,
): ReplacingInvite | undefined {
  const { request } = incoming;
  let sdp: string | undefined;
  let metadata: string | undefined;
  if (request.body.length > 0) {
    try {
      const body = extractSiprecBody(
        request.headers.get('Content-Type'),
        request.body,
        request.headers.get('Content-Disposition'),
      );
      sdp = body.sdp;
      metadata = body.metadata?.raw;
    } catch (err) {
      if (!(err instanceof SiprecBodyError)) throw err;
      ctx.respond(incoming, err.status, { reason: reasonPhrase(err.status, err.message) });
      return undefined;
    }
  }
  if (sdp === undefined) {
    ctx.respond(incoming, 488, { reason: 'An SDP offer is required' });
    return undefined;
  }
  const parsed = parseOffer(sdp);
  if (!parsed.ok) {
    ctx.respond(incoming, 488, { reason: reasonPhrase(488, `Unacceptable SDP: ${parsed.error}`) });
    return undefined;
  }
  const timer = negotiateSessionTimer(request, { minSE: MIN_SE });
  if (timer.kind === 'too-small') {
    ctx.respond(incoming, 422, { headers: timer.responseHeaders });
    return undefined;
  }
  return { offer: parsed.offer, sdp, metadata, timer };
}

/** The 200 OK of a replacing INVITE: our Contact for the new dialog and the session's current answer. */
export function answerReplacingInvite(
  ctx: UserAgentContext,
  incoming: IncomingRequest,
  session: RecordingSession,
  timer: ReplacingInvite['timer'],
): void {
  ctx.respond(incoming, 200, {
    headers: [
      ['Contact', session.dialog.localContact],
      ['Allow', ALLOW],
      ['Supported', SUPPORTED],
      ...(timer.kind === 'ok' ? timer.responseHeaders : []),
    ],
    body: Buffer.from(session.answerSdp),
    contentType: 'application/sdp',
  });
}

/** RFC 3891 §3 for a dialog recorded here (see module comment). Always answers. */
export async function replaceLocalDialog(
  ctx: UserAgentContext,
  incoming: IncomingRequest,
  session: RecordingSession,
): Promise<'answered'> {
  const { request, source } = incoming;
  const log = ctx.logger.child({ callId: session.callId, recordingId: session.recordingId });
  if (session.ended) {
    ctx.respond(incoming, 603, { reason: 'Replaced Dialog Ended' });
    return 'answered';
  }
  // §3: an early dialog may only be replaced by the UA that initiated it, and the SRC initiated every dialog here.
  if (session.state !== 'confirmed' || !session.media) {
    ctx.respond(incoming, 481, { reason: 'Replaced Dialog Not Confirmed' });
    return 'answered';
  }
  const checked = checkReplacingInvite(ctx, incoming);
  if (checked === undefined) return 'answered';
  const media = session.media;
  let negotiated;
  try {
    negotiated = await negotiateOffer(checked.offer, session.streams, negotiationContext(ctx, media));
  } catch (err) {
    // Refused like a re-offer (RFC 3261 §14.2): the session goes on unchanged in its old dialog.
    if (!(err instanceof SessionError)) throw err;
    ctx.respond(incoming, err.status, { reason: reasonPhrase(err.status, err.message) });
    return 'answered';
  }
  const negotiation = ctx.policy?.shapeAnswer(session, negotiated) ?? negotiated;
  if (session.ended) {
    ctx.respond(incoming, 603, { reason: 'Replaced Dialog Ended' });
    return 'answered';
  }
  const receivedAt = ctx.clock.now();
  const previousCallId = session.callId;
  for (const pair of negotiation.released) media.release(pair);
  session.streams = negotiation.streams;
  // The old dialog ends here: forget it (a late BYE on it is still answered 200), then record under the new one.
  ctx.registry.remove(session, receivedAt);
  const replacedDialog = session.dialog;
  session.dialog = Dialog.fromInvite(request, source, incoming.localTag, ctx.contactFor(source));
  ctx.registry.add(session);
  session.lastSignalAt = receivedAt;
  if (checked.metadata !== undefined) session.applyMetadata(checked.metadata, 'INVITE', receivedAt);
  if (checked.timer.kind === 'ok') session.sessionExpiresMs = checked.timer.sessionExpires * 1000;
  session.offer = checked.offer;
  session.offerSdp = checked.sdp;
  session.answerVersion += 1;
  session.answerSdp = buildAnswer(checked.offer, negotiation.answer, {
    address: ctx.mediaAddress,
    sessionId: session.localSessionId,
    version: session.answerVersion,
  });
  // Before the 200 OK: a stream the new offer moved must already receive on its port.
  await media
    .configure(ctx.policy?.mediaStreams(session) ?? mediaStreamsOf(session.streams))
    .catch((err: unknown) => log.error({ err: (err as Error).message }, 'media worker refused the streams'));
  answerReplacingInvite(ctx, incoming, session, checked.timer);
  // RFC 3891 §3: the replaced dialog is ended with a BYE (an SRC that already dropped it answers 481: harmless).
  ctx.endReplacedDialog(session, replacedDialog);
  ctx.persistence?.changed(session);
  log.info(
    { replaces: previousCallId, newCallId: session.callId },
    'INVITE with Replaces moved a session recorded here to the new dialog',
  );
  return 'answered';
}
