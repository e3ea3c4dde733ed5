/**
 * A new recording session: the initial INVITE from an SRC (RFC 7866 §6.1, INTEROP §1–§7).
 * Lenient in what it accepts — any metadata dialect or none, any part order, plain-SDP recording INVITEs — and
 * strict in what it sends: a plain `application/sdp` answer with one m-line per offered m-line.
 * Ports are bound and the streams configured on a media worker before the 200 OK leaves, since SRCs send media as
 * soon as they read our answer.
 */
import { performance } from 'node:perf_hooks';
import { Dialog } from '../../sip/dialog/dialog.js';
import { negotiateSessionTimer } from '../../sip/session-timer.js';
import type { IncomingRequest } from '../../sip/core/transaction-user.js';
import { classifyInvite, extractSiprecBody, SiprecBodyError, type SiprecBody } from '../body/index.js';
import { buildAnswer, parseOffer } from '../sdp/index.js';
import { MediaEngineError } from '../../media/engine/media-engine-error.js';
import { negotiateOffer } from './media-negotiator.js';
import { mediaStreamsOf } from './media-streams.js';
import { RecordingSession } from './recording-session.js';
import { SessionError } from './session-error.js';
import { offerHolds } from './pause-intervals.js';
import {
  ACCEPT,
  ALLOW,
  MIN_SE,
  SUPPORTED,
  SUPPORTED_TAGS,
  requireTags,
  negotiationContext,
  type UserAgentContext,
} from './context.js';

/** SIP headers kept in the sidecar for correlation with the recorded call (INTEROP §3.3). */
const CORRELATION_HEADERS = [
  'User-to-User',
  'Cisco-Guid',
  'Cisco-Gucid',
  'Session-ID',
  'X-Genesys-Agent-ID',
  'X-GenesysAgentID',
  'X-GenesysConversationID',
  'X-Cisco-Recording-Participant',
  'X-BroadWorks-Correlation-Info',
  'P-Asserted-Identity',
];

export async function handleInitialInvite(ctx: UserAgentContext, incoming: IncomingRequest): Promise<void> {
  const startedAt = performance.now();
  const reject = (status: number, reason: string, headers: [string, string][] = []): void => {
    ctx.metrics.sessionsRejected.inc({ code: String(status) });
    ctx.logger.info(
      { callId: incoming.request.headers.get('Call-ID'), status, reason },
      'recording INVITE refused',
    );
    ctx.respond(incoming, status, { reason: reasonPhrase(status, reason), headers });
  };
  try {
    await answerInvite(ctx, incoming, reject);
  } catch (err) {
    if (err instanceof SessionError || err instanceof MediaEngineError)
      return reject(err.status, err.message);
    ctx.logger.error({ err, callId: incoming.request.headers.get('Call-ID') }, 'INVITE handling failed');
    return reject(500, 'Server Internal Error');
  } finally {
    ctx.metrics.inviteLatency.observe((performance.now() - startedAt) / 1000);
  }
}

async function answerInvite(
  ctx: UserAgentContext,
  incoming: IncomingRequest,
  reject: (status: number, reason: string, headers?: [string, string][]) => void,
): Promise<void> {
  const { request, source } = incoming;
  const headers = request.headers;

  const admission = ctx.admission();
  if (!admission.ok) return reject(503, admission.reason, [['Retry-After', '5']]);

  // RFC 3261 §8.2.2.3. Proxy-Require is for proxies and is ignored (INTEROP §1.5).
  const unsupported = requireTags(incoming).filter((t) => !SUPPORTED_TAGS.has(t));
  if (unsupported.length > 0) return reject(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);

  let body: SiprecBody;
  try {
    body = extractSiprecBody(headers.get('Content-Type'), request.body, headers.get('Content-Disposition'));
  } catch (err) {
    if (err instanceof SiprecBodyError) {
      return reject(err.status, err.message, err.status === 415 ? [['Accept', ACCEPT]] : []);
    }
    throw err;
  }
  if (body.sdp === undefined) {
    // CUCM Built-in-Bridge sends delayed-offer INVITEs (INTEROP §1.4); we need the SRC's offer.
    return reject(488, 'An SDP offer is required (delayed offer is not supported)');
  }
  const classified = classifyInvite({
    requireTags: requireTags(incoming),
    contactValue: headers.get('Contact'),
    body,
  });

  const parsed = parseOffer(body.sdp);
  if (!parsed.ok) return reject(488, `Unacceptable SDP: ${parsed.error}`);

  const timer = negotiateSessionTimer(request, { minSE: MIN_SE });
  if (timer.kind === 'too-small') return reject(422, 'Session Interval Too Small', timer.responseHeaders);

  const contact = ctx.contactFor(source);
  let dialog: Dialog;
  try {
    dialog = Dialog.fromInvite(request, source, incoming.localTag, contact);
  } catch (err) {
    return reject(400, (err as Error).message);
  }

  const now = ctx.clock.now();
  const correlationHeaders: Record<string, string> = {};
  for (const name of CORRELATION_HEADERS) {
    const value = headers.get(name);
    if (value !== undefined) correlationHeaders[name] = value.slice(0, 1024);
  }
  const session = new RecordingSession({
    recordingId: ctx.newRecordingId(),
    dialog,
    source,
    startedAt: now,
    siprec: classified.siprec,
    classifiedBy: classified.reason,
    localSessionId: String(ctx.random(4).readUInt32BE(0) + 1),
    correlationHeaders,
  });
  const log = ctx.logger.child({ callId: session.callId, recordingId: session.recordingId });
  for (const warning of [...body.warnings, ...parsed.warnings])
    log.debug({ warning }, 'tolerated quirk in INVITE');

  if (body.metadata) {
    const outcome = session.applyMetadata(body.metadata.raw, 'INVITE', now);
    if (!outcome.ok) {
      ctx.metrics.metadataParseFailures.inc();
      log.warn({ error: outcome.error }, 'metadata kept raw: it could not be parsed');
    } else if (outcome.sanitised) {
      ctx.metrics.metadataSanitised.inc();
    }
  }

  // RecordingPolicy: `reject` is a deliberate refusal, 480 (INTEROP §10) rather than 486/503, which make SRCs try
  // the next SRS (Oracle's "SRS busy" flow) — a sibling recorder with the same policies would only refuse again.
  const decision = ctx.policy?.decide(session, headers);
  if (decision?.action === 'reject' && ctx.policy)
    return reject(480, 'Temporarily Unavailable', ctx.policy.refusalHeaders(decision));

  // The recording goes to the least-loaded media worker, which binds its ports before the 200 OK leaves.
  const media = await ctx.media.openRecording({
    recordingId: session.recordingId,
    directory: ctx.config.recordingDir,
    startedAt: now,
    ports: parsed.offer.media.length,
  });
  let negotiation: Awaited<ReturnType<typeof negotiateOffer>>;
  try {
    negotiation = await negotiateOffer(parsed.offer, [], negotiationContext(ctx, media));
    if (ctx.policy) negotiation = ctx.policy.shapeAnswer(session, negotiation); // skip: every stream inactive
  } catch (err) {
    await media.discard().catch(() => undefined);
    throw err;
  }
  if (incoming.isFinal) {
    // CANCELled while the ports were being bound: the core has answered 487 already (RFC 3261 §9.2).
    await media.discard().catch(() => undefined);
    session.end('cancelled', ctx.clock.now());
    await ctx.sidecars.finalize(session.toSidecar(ctx.config.recorderId));
    log.info('recording INVITE cancelled before the answer');
    return;
  }
  session.streams = negotiation.streams;
  session.media = media;
  try {
    await media.configure(ctx.policy?.mediaStreams(session) ?? mediaStreamsOf(session.streams));
  } catch (err) {
    await media.discard().catch(() => undefined);
    throw err instanceof MediaEngineError
      ? new SessionError(err.code, err.status, `media: ${err.message}`)
      : err;
  }
  session.offer = parsed.offer;
  session.pauses.set('hold', offerHolds(parsed.offer), session.startedAt); // CUBE may start a call on hold
  session.answerVersion = 1;
  session.answerSdp = buildAnswer(parsed.offer, negotiation.answer, {
    address: ctx.mediaAddress,
    sessionId: session.localSessionId,
    version: session.answerVersion,
  });
  if (timer.kind === 'ok') session.sessionExpiresMs = timer.sessionExpires * 1000;

  ctx.registry.add(session);
  ctx.metrics.sessionsTotal.inc();
  ctx.metrics.activeSessions.set(ctx.registry.size);
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
  log.info(
    {
      siprec: session.siprec,
      classifiedBy: session.classifiedBy,
      streams: session.streams.map((s) => ({
        label: s.label,
        accepted: s.accepted,
        codec: s.codec?.name,
        srtp: s.srtp?.suite,
      })),
      participants: session.metadata?.participants.length ?? 0,
    },
    'recording session started',
  );
  ctx.sidecars.update(
    session.recordingId,
    () => session.toSidecar(ctx.config.recorderId),
    (err) => log.error({ err }, 'cannot write sidecar'),
  );
}

/** A reason phrase safe for a status line: our text where it helps, bounded and single-line. */
export function reasonPhrase(_status: number, text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 120);
}
