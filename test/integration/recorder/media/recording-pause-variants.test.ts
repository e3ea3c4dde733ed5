/**
 * Issue 3: hold and pause become silence of the right length, however the SRC signals them (INTEROP §5, §8.2–8.3).
 * Each call sends two A-law streams with ffmpeg, is held or paused in the middle — while the SRC keeps sending, so
 * audio that must not be recorded is on the wire — and resumed. Each time: the WAV lasts as long as the call, the
 * held span is digital silence, the audio before and after is the source's, and the sidecar lists the interval:
 * (a) jambonz / mod_siprec / OpenSIPS: SDP-only re-INVITE `a=inactive`, then `a=sendonly`;
 * (b) BroadWorks: `c=IN IP4 0.0.0.0` with no direction attribute (and no rtpmap), then the real address again;
 * (c) the recorder's HTTP API, `POST /api/sessions/{id}/pause` and `/resume`;
 * (d) a metadata-only UPDATE mid-call (Avaya SBCE, Webex, CUBE) must pause nothing.
 * No SRC in INTEROP.md pauses through SIPREC metadata (RFC 7865 has no pause element; AudioCodes' INFO
 * `X-AC-Action: pause-siprec` goes to the SBC, which then re-INVITEs the recorder as in (a)), so there is no case
 * for it.
 *
 * The sidecar's `pauses[]` entries are `{ reason: 'hold' | 'pause', start, end }` (ISO times on the call's clock).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { findSession } from '../../../support/recorder-observe.js';
import { killPeers } from '../../../support/media-rtp/udp-capture.js';
import { SipPeer, type SipCall } from '../../../support/sip-peer.js';
import { parseAnswer } from '../../../support/media-engine/siprec-src.js';
import {
  inviteRecording,
  reinviteSdp,
  updateMetadata,
  type SdpShape,
} from '../../../support/media-rtp/src-signalling.js';
import {
  SOURCE_SIGNALS,
  referenceAudio,
  sendWithFfmpeg,
} from '../../../support/media-engine/media-senders.js';
import {
  callLengthMs,
  readRecording,
  rms,
  waitForSidecar,
  type MediaSidecar,
} from '../../../support/media-engine/recording-check.js';
import { compareAudio } from '../../../support/audio-compare.js';

const PART_SECONDS = 2;
/** Audio sent while held: shorter than the hold, so none of it is in flight at the resume. */
const DURING_HOLD_SECONDS = 1;
/** Longer than the recorder's relatch delay (1 s). */
const RELATCH_MS = 1300;
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** When a hold or pause took effect and ended, as seen from the SRC: each between request sent and answered. */
interface Interruption {
  readonly from: { sentAt: number; answeredAt: number };
  readonly to: { sentAt: number; answeredAt: number };
}

/** The sidecar's hold/pause intervals (see the module comment for the shape). */
function sidecarPauses(sidecar: MediaSidecar): { reason: string; start: number; end: number }[] {
  const pauses = (sidecar as unknown as { pauses?: { reason: string; start: string; end: string | null }[] })
    .pauses;
  expect(pauses, `the sidecar lists hold/pause intervals: ${JSON.stringify(Object.keys(sidecar))}`).to.be.an(
    'array',
  );
  return pauses!.map((p) => ({ reason: p.reason, start: Date.parse(p.start), end: Date.parse(p.end ?? '') }));
}

describe('pause and hold the ways real SRCs signal them', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;
  let references: Int16Array[];
  let peer: SipPeer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-pause-'));
    recorder = await startRecorder();
    references = SOURCE_SIGNALS.map((s, i) =>
      referenceAudio(s, 8000, PART_SECONDS, join(dir, `ref${i}.raw`)),
    );
  });

  beforeEach(async () => {
    peer = await SipPeer.open(recorder.sipPort);
  });

  afterEach(() => {
    killPeers();
    peer.close();
  });

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `seconds` of each source to the answered ports, aligned, from one ffmpeg. */
  function send(ports: readonly number[], ssrcBase: number, seconds = PART_SECONDS): Promise<string> {
    return sendWithFfmpeg(
      ports.map((port, i) => ({ codec: 'PCMA', signal: SOURCE_SIGNALS[i]!, port, ssrc: ssrcBase + i })),
      seconds,
    );
  }

  /** INVITE in `shape`; resolves with the call, its answered ports and its recording id. */
  async function start(shape: SdpShape): Promise<{ call: SipCall; ports: number[]; recordingId: string }> {
    const call = peer.newCall();
    const response = await inviteRecording(call, shape);
    expect(response.status).to.equal(200);
    const answer = parseAnswer(response.body);
    expect(answer.map((a) => a.direction)).to.deep.equal(['recvonly', 'recvonly']);
    const session = await findSession(recorder, call.callId);
    return { call, ports: answer.map((a) => a.port), recordingId: session!.recordingId };
  }

  /**
   * Audio, then `hold()` while the SRC keeps sending, then `resume()` and audio again, then BYE; checks the
   * recording and returns the sidecar and when the interruption happened.
   */
  async function holdInTheMiddle(
    shape: SdpShape,
    hold: (call: SipCall, recordingId: string) => Promise<{ sentAt: number; answeredAt: number }>,
    resume: (call: SipCall, recordingId: string) => Promise<{ sentAt: number; answeredAt: number }>,
  ): Promise<{ sidecar: MediaSidecar; interruption: Interruption }> {
    const { call, ports, recordingId } = await start(shape);
    await send(ports, 0x7000);
    const from = await hold(call, recordingId);
    await send(ports, 0x7100, DURING_HOLD_SECONDS); // must not be recorded
    // The next ffmpeg sends from other ports: the recorder takes a new source once the latched one has been
    // silent for a second (a foreign source is ignored before that; INTEROP §13 latching).
    await delay(RELATCH_MS);
    const to = await resume(call, recordingId);
    await send(ports, 0x7200);
    await delay(300);
    expect((await call.request('BYE')).status).to.equal(200);

    const sidecar = await waitForSidecar(recorder.recordingDir, call.callId);
    expect(sidecar.endReason).to.equal('bye');
    expect(
      Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar)),
      'the file lasts as long as the call',
    ).to.be.at.most(2);
    const wav = readRecording(recorder.recordingDir, sidecar);
    const start0 = Date.parse(sidecar.startedAt);
    const at = (ms: number): number => Math.round((ms - start0) * 8);
    for (const channel of [0, 1]) {
      const samples = wav.channels[channel]!;
      const before = compareAudio(references[channel]!, samples.subarray(0, at(from.sentAt)), 8000, {
        maxLagMs: 3000,
      });
      const after = compareAudio(references[channel]!, samples.subarray(at(to.answeredAt)), 8000, {
        maxLagMs: 3000,
      });
      expect(before.correlation, `channel ${channel} before: ${JSON.stringify(before)}`).to.be.at.least(
        0.999,
      );
      expect(after.correlation, `channel ${channel} after: ${JSON.stringify(after)}`).to.be.at.least(0.999);
      expect(
        rms(samples, at(from.answeredAt + 150), at(to.sentAt - 150)),
        `channel ${channel}: silence while held, although the SRC sent audio`,
      ).to.equal(0);
    }
    return { sidecar, interruption: { from, to } };
  }

  /** The sidecar lists exactly one interval of `reason`, within the signalling of its start and end. */
  function expectInterval(sidecar: MediaSidecar, reason: string, i: Interruption): void {
    const pauses = sidecarPauses(sidecar);
    expect(pauses.map((p) => p.reason)).to.deep.equal([reason]);
    const [p] = pauses;
    expect(p!.start, 'interval start').to.be.within(i.from.sentAt - 50, i.from.answeredAt + 50);
    expect(p!.end, 'interval end').to.be.within(i.to.sentAt - 50, i.to.answeredAt + 50);
  }

  /**
   * SDP-only re-INVITEs of one call, each answered 200 with both streams `inactive` while `heldShape` is offered
   * and `recvonly` otherwise.
   */
  function sdpReinviter(
    heldShape: SdpShape,
  ): (call: SipCall, shape: SdpShape) => Promise<{ sentAt: number; answeredAt: number }> {
    let version = 1;
    return async (call, shape) => {
      const r = await reinviteSdp(call, shape, ++version);
      expect(r.response.status).to.equal(200);
      const expected = shape === heldShape ? 'inactive' : 'recvonly';
      expect(parseAnswer(r.response.body).map((a) => a.direction)).to.deep.equal([expected, expected]);
      return r;
    };
  }

  it('(a) jambonz / mod_siprec: SDP-only re-INVITE a=inactive, then a=sendonly', async () => {
    const reinvite = sdpReinviter('inactive');
    const { sidecar, interruption } = await holdInTheMiddle(
      'sendonly',
      (call) => reinvite(call, 'inactive'),
      (call) => reinvite(call, 'sendonly'),
    );
    expectInterval(sidecar, 'hold', interruption);
  });

  it('(b) BroadWorks: c=IN IP4 0.0.0.0 without a=inactive, then the address again', async () => {
    const reinvite = sdpReinviter('broadworks-held');
    const { sidecar, interruption } = await holdInTheMiddle(
      'broadworks-active',
      (call) => reinvite(call, 'broadworks-held'),
      (call) => reinvite(call, 'broadworks-active'),
    );
    expectInterval(sidecar, 'hold', interruption);
  });

  it('(c) HTTP API: POST /api/sessions/{id}/pause, then /resume', async () => {
    const post = async (
      recordingId: string,
      action: string,
    ): Promise<{ sentAt: number; answeredAt: number }> => {
      const sentAt = Date.now();
      const res = await recorder.http(`/api/sessions/${recordingId}/${action}`, 'POST');
      const answeredAt = Date.now();
      expect(res.status).to.equal(200);
      return { sentAt, answeredAt };
    };
    const { sidecar, interruption } = await holdInTheMiddle(
      'sendonly',
      (_call, id) => post(id, 'pause'),
      (_call, id) => post(id, 'resume'),
    );
    expectInterval(sidecar, 'pause', interruption);
  });

  it('(d) a metadata-only UPDATE in the middle pauses nothing', async () => {
    const { call, ports } = await start('sendonly');
    const audio = send(ports, 0x7300, 2 * PART_SECONDS);
    await delay(PART_SECONDS * 1000);
    const update = await updateMetadata(call, ['Alice Liddell', 'Bob Dylan']);
    expect(update.status).to.equal(200);
    expect(update.body, 'a metadata-only UPDATE gets no SDP').to.equal('');
    await audio;
    await delay(300);
    expect((await call.request('BYE')).status).to.equal(200);

    const sidecar = await waitForSidecar(recorder.recordingDir, call.callId);
    expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
    const wav = readRecording(recorder.recordingDir, sidecar);
    for (const channel of [0, 1]) {
      const whole = referenceAudio(
        SOURCE_SIGNALS[channel]!,
        8000,
        2 * PART_SECONDS,
        join(dir, `whole${channel}.raw`),
      );
      const cmp = compareAudio(whole, wav.channels[channel]!, 8000, { maxLagMs: 3000 });
      expect(cmp.correlation, `channel ${channel}, all of it: ${JSON.stringify(cmp)}`).to.be.at.least(0.999);
    }
    const doc = sidecar as unknown as {
      participants: { name?: string }[];
      metadata: { raw: { method: string }[] };
      pauses?: unknown[];
    };
    expect(doc.metadata.raw.map((r) => r.method)).to.deep.equal(['INVITE', 'UPDATE']);
    expect(doc.participants.map((p) => p.name)).to.deep.equal(['Alice Liddell', 'Bob Dylan']);
    expect(sidecar.streams.map((s) => s.packetsReceived)).to.satisfy((counts: number[]) =>
      counts.every((n) => n >= 2 * PART_SECONDS * 50 - 4),
    );
    expect(doc.pauses ?? [], 'no hold or pause interval').to.be.empty;
  });
});
