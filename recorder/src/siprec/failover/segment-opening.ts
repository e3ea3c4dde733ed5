/**
 * Opening the next segment of a session continued on this recorder (failover, DESIGN.md §4), split so that the
 * failover costs one store round trip plus the slowest of the rest instead of their sum (DESIGN.md §8: first
 * recorded packet ≤ 50 ms after the SRC's request arrived):
 * - `start` begins, before the lease is ours, what is harmless if the session turns out to be someone else's: the
 *   media worker's recording with its port pairs bound in the same round trip (one per m-line; released again by
 *   `abandon`, and never configured, so it has no file to remove), and — only when the owner's lease
 *   has already lapsed, so this recorder is the likely winner — the segment directory. A directory made for a
 *   session another survivor then wins is the one that survivor writes into (same index), so it is no husk; it is
 *   never removed on refusal, which could race that survivor's file creation;
 * - `commit`, once the lease is ours, waits for the media and configures the streams: only a recorder that holds
 *   the lease records (its segment file appears with the first audio, which the SRC sends after our answer; the
 *   writer makes the directory then if it is not there yet).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingHandle } from '../../media/engine/recording-handle.js';
import { segmentDirectoryName, segmentFileName } from '../../recording/assembly/segment-storage.js';
import { buildAnswer, type SdpOffer } from '../sdp/index.js';
import { negotiationContext, type UserAgentContext } from '../session/context.js';
import { negotiateOffer, type NegotiationResult } from '../session/media-negotiator.js';
import { mediaStreamsOf } from '../session/media-streams.js';
import type { RecordingSession } from '../session/recording-session.js';

/** Records when each step finished (ms since the request arrived), for the 'session taken over' log line. */
export type PhaseMark = (phase: string) => void;

interface PreparedMedia {
  readonly handle: RecordingHandle;
  readonly negotiation: NegotiationResult;
}

/** The next segment of one session, being opened (see module comment). */
export class SegmentOpening {
  readonly #ctx: UserAgentContext;
  readonly #session: RecordingSession;
  readonly #offer: SdpOffer;
  readonly #offerSdp: string;
  readonly #index: number;
  readonly #directory: string;
  readonly #startedAt: number;
  readonly #media: Promise<PreparedMedia>;
  readonly #mark: PhaseMark;
  #directoryMade: Promise<void> | undefined;

  private constructor(
    ctx: UserAgentContext,
    session: RecordingSession,
    offer: SdpOffer,
    offerSdp: string,
    mark: PhaseMark,
  ) {
    this.#ctx = ctx;
    this.#session = session;
    this.#offer = offer;
    this.#offerSdp = offerSdp;
    this.#mark = mark;
    this.#index = session.segments.length + 1;
    this.#directory = join(ctx.config.recordingDir, segmentDirectoryName(session.recordingId, this.#index));
    this.#startedAt = ctx.clock.now();
    this.#media = this.#prepareMedia();
    // Abandoned openings are never awaited: their failure is not an error of anyone's.
    this.#media.catch(() => undefined);
  }

  /**
   * Starts opening the next segment of `session` (restored from the store, not yet ours) answering `offer`.
   * @param ownerLapsed the stored lease has expired: make the segment directory now too
   */
  static start(
    ctx: UserAgentContext,
    session: RecordingSession,
    offer: SdpOffer,
    offerSdp: string,
    opts: { readonly ownerLapsed: boolean; readonly mark?: PhaseMark },
  ): SegmentOpening {
    const opening = new SegmentOpening(ctx, session, offer, offerSdp, opts.mark ?? (() => undefined));
    if (opts.ownerLapsed) void opening.#makeDirectory();
    return opening;
  }

  /**
   * The lease is ours: binds the streams on the media worker and makes the session record here as a new segment,
   * answered with a full SDP whose `o=` version is one above the last one sent (RFC 3264 §8). Rejects (with the
   * ports released) when the media engine or the file system refuses.
   */
  async commit(recorderId: string): Promise<void> {
    // Not awaited: the writer makes the directory itself if the first audio comes first (OrderedFile), and
    // waiting here put the libuv pool's queue, hundreds of ms in a burst of takeovers, before our answer.
    void this.#makeDirectory();
    const media = await this.#media;
    const { handle } = media;
    const ctx = this.#ctx;
    const session = this.#session;
    try {
      session.streams = media.negotiation.streams;
      const negotiation = ctx.policy?.shapeAnswer(session, media.negotiation) ?? media.negotiation;
      await handle.configure(ctx.policy?.mediaStreams(session) ?? mediaStreamsOf(session.streams));
      this.#mark('configuredMs');
      session.media = handle;
      session.offer = this.#offer;
      session.offerSdp = this.#offerSdp;
      session.answerVersion += 1;
      session.answerSdp = buildAnswer(this.#offer, negotiation.answer, {
        address: ctx.mediaAddress,
        sessionId: session.localSessionId,
        version: session.answerVersion,
      });
    } catch (err) {
      await handle.discard().catch(() => undefined);
      throw err;
    }
    session.segments.push({
      recorderId,
      start: this.#startedAt,
      end: null,
      files: [segmentFileName(session.recordingId, this.#index)],
    });
    session.counters.failovers++;
  }

  /** The session is not ours after all: the worker's recording and its ports are released. */
  abandon(): void {
    void this.#media.then(({ handle }) => handle.discard()).catch(() => undefined);
  }

  async #prepareMedia(): Promise<PreparedMedia> {
    const handle = await this.#ctx.media.openRecording({
      recordingId: this.#session.recordingId,
      directory: this.#directory,
      startedAt: this.#startedAt,
      ports: this.#offer.media.length,
    });
    this.#mark('openedMs');
    try {
      const negotiation = await negotiateOffer(
        this.#offer,
        this.#session.streams,
        negotiationContext(this.#ctx, handle),
      );
      this.#mark('portsMs');
      return { handle, negotiation };
    } catch (err) {
      await handle.discard().catch(() => undefined);
      throw err;
    }
  }

  #makeDirectory(): Promise<void> {
    this.#directoryMade ??= mkdir(this.#directory, { recursive: true }).then(() => undefined);
    this.#directoryMade.catch(() => undefined);
    return this.#directoryMade;
  }
}
