/**
 * Unplanned failover with real recorder binaries sharing a real redis-server and one RECORDING_DIR (DESIGN.md §4):
 * a SIPREC call is recorded on A, A is killed with SIGKILL mid-call, and the SRC continues the dialog at B — with a
 * re-INVITE, with a BYE only, or with an INVITE carrying Replaces (RFC 3891). Every time there is exactly one
 * finished recording under A's recording id whose audio before the failure (written by A) and after it (written by
 * B) is what the SRC sent, with the gap between them silent and listed in the sidecar.
 */
import { expect } from 'chai';
import { RecorderCluster } from '../../../support/failover/cluster.js';
import { FailoverSrc, parseAnswer } from '../../../support/failover/failover-src.js';
import { RtpStreams, referenceSignal } from '../../../support/failover/rtp-stream.js';
import {
  expectAudioAt,
  expectOnlyFinalFiles,
  expectSilence,
  packetsTo,
  readFinalWav,
  recordingIdOf,
  waitForFinal,
} from './failover-check.js';
import { metric } from '../../../support/recorder-observe.js';
import { FailoverCall } from '../../../support/failover/failover-call.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** SESSION_LEASE is 2 s in these tests: the heartbeat (TTL 3 × 667 ms) and the lease have lapsed after this. */
const DEATH_NOTICED_MS = 2300;
const SECONDS = 12;

describe('failover: a recorder killed mid-call, the recording goes on at another one', function () {
  this.timeout(120_000);
  let cluster: RecorderCluster | undefined;
  let src: FailoverSrc | undefined;
  let rtp: RtpStreams | undefined;
  const signals = [referenceSignal(11, SECONDS), referenceSignal(23, SECONDS)];
  const calls: FailoverCall[] = [];

  afterEach(async () => {
    for (const call of calls.splice(0)) call.close();
    rtp?.close();
    src?.close();
    await cluster?.cleanup();
    cluster = undefined;
    src = undefined;
    rtp = undefined;
  });

  /** A call on A with media flowing for `ms`, then A killed; returns the recording id and A's media ports. */
  async function callOnAThenKill(
    c: RecorderCluster,
    ms: number,
  ): Promise<{ recordingId: string; killedAt: number }> {
    src = await FailoverSrc.open();
    const a = c.get('a');
    const ok = await src.invite(a.sipPort);
    expect(ok.status).to.equal(200);
    const answer = parseAnswer(ok.body);
    expect(answer.media.map((m) => m.direction)).to.deep.equal(['recvonly', 'recvonly']);
    rtp = await RtpStreams.open(
      signals.map((s) => s.ulaw),
      answer.media.map((m) => ({ host: '127.0.0.1', port: m.port })),
    );
    rtp.start();
    await sleep(ms);
    const recordingId = recordingIdOf(c.dir, src.callId);
    await c.kill('a');
    return { recordingId, killedAt: Date.now() };
  }

  it('re-INVITE at B: B takes the session over with its own ports, the recording continues as a second segment', async () => {
    cluster = await RecorderCluster.start(['a', 'b']);
    const c = cluster;
    const aPorts: number[] = [];
    const { recordingId } = await callOnAThenKill(c, 3000);
    aPorts.push(...rtp!.logs.map((l) => l.port[0]!));
    await sleep(DEATH_NOTICED_MS);

    const b = c.get('b');
    const reinviteSent = Date.now();
    const ok = await src!.reinvite(b.sipPort);
    const okAt = Date.now();
    expect(ok.status).to.equal(200);
    const answer = parseAnswer(ok.body);
    expect(answer.media.every((m) => m.port > 0 && !aPorts.includes(m.port))).to.equal(true);
    expect(answer.version, 'o= version bumped').to.be.greaterThan(1);
    expect(ok.header('Contact')).to.include(`:${b.sipPort}`);
    rtp!.retarget(answer.media.map((m) => ({ host: '127.0.0.1', port: m.port })));
    await sleep(3000);
    expect((await b.http('/api/sessions')).body).to.have.nested.property(
      'sessions[0].recordingId',
      recordingId,
    );
    expect(await metric(b, 'siprec_recoveries_total')).to.equal(1);

    const bye = await src!.bye(b.sipPort);
    expect(bye.status).to.equal(200);
    rtp!.stop();
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.endReason).to.equal('bye');
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a', 'b']);
    expect(sidecar.gaps).to.have.length(1);
    expectOnlyFinalFiles(c.dir, recordingId);

    const wav = readFinalWav(c.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    expect(wav.channels).to.have.length(2);
    for (const ch of [0, 1]) {
      const log = rtp!.logs[ch]!;
      const [a0, a1] = packetsTo(log, aPorts[ch]!);
      // A flushes its file every ~2 s: what it had not written when it was killed is in the gap.
      const beforeKill = log.sentAt.findIndex((t) => t > Date.parse(sidecar.gaps![0]!.start) - 400);
      expectAudioAt(wav, ch, signals[ch]!.pcm, log, [a0, Math.min(a1, beforeKill)], startedAt);
      const [b0, b1] = packetsTo(log, answer.media[ch]!.port);
      expectAudioAt(wav, ch, signals[ch]!.pcm, log, [b0 + 10, b1], startedAt);
    }
    const gap = sidecar.gaps![0]!;
    expect(gap.fromRecorderId).to.equal('a');
    expect(gap.toRecorderId).to.equal('b');
    expect(gap.durationMs).to.be.within(DEATH_NOTICED_MS, DEATH_NOTICED_MS + 3000);
    expectSilence(wav, startedAt, Date.parse(gap.start) + 50, Date.parse(gap.end) - 50);
    // The file lasts as long as the call.
    expect(wav.frames / 8).to.be.closeTo(Date.parse(sidecar.endedAt!) - startedAt, 600);
    void reinviteSent;
    void okAt;
  });

  /** Checks the one finished recording of a call that moved from A to B. */
  async function expectMovedRecording(
    c: RecorderCluster,
    call: FailoverCall,
    recordingId: string,
    bPorts: number[] | undefined,
    endReason: string,
  ): Promise<void> {
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.endReason).to.equal(endReason);
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a', 'b']);
    expect(sidecar.gaps).to.have.length(1);
    expectOnlyFinalFiles(c.dir, recordingId);
    const wav = readFinalWav(c.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    const gap = sidecar.gaps![0]!;
    for (const ch of [0, 1]) {
      const log = call.rtp.logs[ch]!;
      const [a0, a1] = packetsTo(log, call.firstPorts[ch]!);
      const beforeGap = log.sentAt.findIndex((t) => t > Date.parse(gap.start) - 400);
      expectAudioAt(wav, ch, call.reference[ch]!, log, [a0, Math.min(a1, beforeGap)], startedAt);
      if (bPorts) {
        const [b0, b1] = packetsTo(log, bPorts[ch]!);
        expectAudioAt(wav, ch, call.reference[ch]!, log, [b0 + 10, b1], startedAt);
      }
    }
    expect(gap.fromRecorderId).to.equal('a');
    expect(gap.toRecorderId).to.equal('b');
    expectSilence(wav, startedAt, Date.parse(gap.start) + 50, Date.parse(gap.end) - 50);
    expect(wav.frames / 8).to.be.closeTo(Date.parse(sidecar.endedAt!) - startedAt, 600);
  }

  it('BYE only at B: answered 200, the recording finalised with the gap up to the BYE silent and listed', async () => {
    cluster = await RecorderCluster.start(['a', 'b']);
    const c = cluster;
    const call = await FailoverCall.start(c.get('a').sipPort, SECONDS);
    calls.push(call);
    await sleep(3000);
    const recordingId = recordingIdOf(c.dir, call.src.callId);
    await c.kill('a');
    await sleep(DEATH_NOTICED_MS);
    const bye = await call.src.bye(c.get('b').sipPort);
    expect(bye.status).to.equal(200);
    call.rtp.stop();
    await expectMovedRecording(c, call, recordingId, undefined, 'bye');
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.finalisedBy).to.equal('b');
    expect(await metric(c.get('b'), 'siprec_recoveries_total')).to.equal(1);
    // A retransmitted BYE still gets 200 (the session is ended in the store).
    expect((await call.src.request('BYE', [c.get('b').sipPort], {}))[0]!.status).to.equal(200);
  });

  it('INVITE with Replaces at B: a new dialog continues the same recording (RFC 3891)', async () => {
    cluster = await RecorderCluster.start(['a', 'b']);
    const c = cluster;
    const call = await FailoverCall.start(c.get('a').sipPort, SECONDS);
    calls.push(call);
    await sleep(3000);
    const firstCallId = call.src.callId;
    const recordingId = recordingIdOf(c.dir, firstCallId);
    await c.kill('a');
    await sleep(DEATH_NOTICED_MS);
    const ok = await call.src.inviteReplacing(c.get('b').sipPort);
    expect(ok.status).to.equal(200);
    expect(call.src.callId).to.not.equal(firstCallId);
    const bPorts = call.follow(ok);
    await sleep(3000);
    // RFC 3891 §3: B ends the replaced dialog (A's) with a BYE.
    expect(
      call.src.received.some((t) => t.startsWith('BYE ') && t.includes(`\r\nCall-ID: ${firstCallId}\r\n`)),
      'BYE on the replaced dialog',
    ).to.be.true;
    const bye = await call.src.bye(c.get('b').sipPort);
    expect(bye.status).to.equal(200);
    call.rtp.stop();
    await expectMovedRecording(c, call, recordingId, bPorts, 'bye');
  });

  it('UPDATE at B, with the Request-URI naming the dead recorder: taken over like a re-INVITE', async () => {
    cluster = await RecorderCluster.start(['a', 'b']);
    const c = cluster;
    const call = await FailoverCall.start(c.get('a').sipPort, SECONDS);
    calls.push(call);
    await sleep(2500);
    const recordingId = recordingIdOf(c.dir, call.src.callId);
    expect(call.src.remoteTarget).to.include(`:${c.get('a').sipPort}`);
    await c.kill('a');
    await sleep(DEATH_NOTICED_MS);
    const ok = await call.src.update(c.get('b').sipPort);
    expect(ok.status).to.equal(200);
    const bPorts = call.follow(ok);
    await sleep(2500);
    expect((await call.src.bye(c.get('b').sipPort)).status).to.equal(200);
    call.rtp.stop();
    await expectMovedRecording(c, call, recordingId, bPorts, 'bye');
  });
});
