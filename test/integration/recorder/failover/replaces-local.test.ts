/**
 * An INVITE with Replaces (RFC 3891) for a dialog the receiving recorder itself records — no failover: the SRC
 * moves a live recording session to a new dialog at the same recorder. A real recorder binary with a real
 * redis-server; the SRC's media keeps flowing throughout. The recorder must not start a second recording nor take
 * the session over from itself: one recording under the same id, one segment, no gap, and the audio continuous
 * across the swap.
 */
import { expect } from 'chai';
import { RecorderCluster } from '../../../support/failover/cluster.js';
import { FailoverCall } from '../../../support/failover/failover-call.js';
import { parseAnswer } from '../../../support/failover/failover-src.js';
import { metric } from '../../../support/recorder-observe.js';
import {
  expectAudioAt,
  expectOnlyFinalFiles,
  packetsTo,
  readFinalWav,
  recordingIdOf,
  waitForFinal,
} from './failover-check.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SECONDS = 12;

describe('INVITE with Replaces for a dialog recorded by the same recorder', function () {
  this.timeout(120_000);
  let cluster: RecorderCluster | undefined;
  let call: FailoverCall | undefined;

  afterEach(async () => {
    call?.close();
    await cluster?.cleanup();
    call = undefined;
    cluster = undefined;
  });

  it('the session moves to the new dialog: one recording, same id and ports, audio continuous across the swap', async () => {
    cluster = await RecorderCluster.start(['a']);
    const a = cluster.get('a');
    call = await FailoverCall.start(a.sipPort, SECONDS);
    const { src } = call;
    await sleep(3000);
    const recordingId = recordingIdOf(cluster.dir, src.callId);
    const old = { callId: src.callId, fromTag: src.fromTag, toTag: src.toTag };

    const ok = await src.inviteReplacing(a.sipPort);
    expect(ok.status).to.equal(200);
    expect(src.callId).to.not.equal(old.callId);
    // The streams keep their ports: the media the SRC is sending is recorded on without a break.
    expect(parseAnswer(ok.body).media.map((m) => m.port)).to.deep.equal(call.firstPorts);
    expect(parseAnswer(ok.body).version, 'o= version bumped').to.be.greaterThan(1);
    const sessions = (await a.http('/api/sessions')).body as {
      sessions: { recordingId: string; callId: string }[];
    };
    expect(sessions.sessions.map((s) => [s.recordingId, s.callId])).to.deep.equal([
      [recordingId, src.callId],
    ]);

    // RFC 3891 §3: the recorder ends the replaced dialog with a BYE of its own.
    const byeOnOld = (): string | undefined =>
      src.received.find((t) => t.startsWith('BYE ') && t.includes(`\r\nCall-ID: ${old.callId}\r\n`));
    for (let i = 0; i < 50 && !byeOnOld(); i++) await sleep(100);
    expect(byeOnOld(), 'BYE on the replaced dialog').to.be.a('string');
    expect(byeOnOld()).to.match(/^Reason: *SIP;cause=200;text="replaced"/im);

    // The replaced dialog is over: its BYE (crossing ours, or late) still succeeds and ends nothing.
    const next = { callId: src.callId, fromTag: src.fromTag, toTag: src.toTag };
    Object.assign(src, old);
    expect((await src.bye(a.sipPort)).status).to.equal(200);
    Object.assign(src, next);
    await sleep(3000);
    expect((await a.http('/api/sessions')).body).to.have.nested.property(
      'sessions[0].recordingId',
      recordingId,
    );

    expect((await src.bye(a.sipPort)).status).to.equal(200);
    call.rtp.stop();
    const sidecar = await waitForFinal(cluster.dir, recordingId);
    expect(sidecar.endReason).to.equal('bye');
    expect(sidecar.callId).to.equal(src.callId);
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a']);
    expect(sidecar.gaps ?? []).to.deep.equal([]);
    expectOnlyFinalFiles(cluster.dir, recordingId);
    expect(await metric(a, 'siprec_recoveries_total')).to.equal(0);

    const wav = readFinalWav(cluster.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    for (const ch of [0, 1]) {
      const log = call.rtp.logs[ch]!;
      // Every packet went to the same port, before and after the swap: compared as one stretch of audio.
      const [from, to] = packetsTo(log, call.firstPorts[ch]!);
      expect(to - from, 'packets sent over the swap').to.be.greaterThan(250);
      expectAudioAt(wav, ch, call.reference[ch]!, log, [from, to], startedAt);
    }
  });
});
