/**
 * The other ways a recording survives its recorder (DESIGN.md §4), with real recorder binaries, a real
 * redis-server and one shared RECORDING_DIR: orphans finalised by a survivor, two survivors racing for one session,
 * Redis killed and restarted under live calls, and a recorder restarted under its own id.
 */
import { expect } from 'chai';
import { RecorderCluster } from '../../../support/failover/cluster.js';
import { FailoverCall } from '../../../support/failover/failover-call.js';
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
const DEATH_NOTICED_MS = 2300;

describe('failover: orphans, races, Redis outages and restarts', function () {
  this.timeout(120_000);
  let cluster: RecorderCluster | undefined;
  const calls: FailoverCall[] = [];

  afterEach(async () => {
    for (const call of calls.splice(0)) call.close();
    await cluster?.cleanup();
    cluster = undefined;
  });

  async function call(port: number, seconds = 14, seed = 5): Promise<FailoverCall> {
    const c = await FailoverCall.start(port, seconds, seed);
    calls.push(c);
    return c;
  }

  it('an orphan nobody continues is finalised by a survivor after SESSION_TIMEOUT (endReason "orphaned")', async () => {
    cluster = await RecorderCluster.start(['a', 'b'], { SESSION_TIMEOUT: '3s' });
    const c = cluster;
    const cl = await call(c.get('a').sipPort);
    // Signalling keeps the session alive on A (SESSION_TIMEOUT also ends idle sessions).
    await sleep(2500);
    const recordingId = recordingIdOf(c.dir, cl.src.callId);
    await c.kill('a');
    const killedAt = Date.now();
    cl.rtp.stop();
    const sidecar = await waitForFinal(c.dir, recordingId, 15_000);
    const finalisedAfter = Date.now() - killedAt;
    expect(sidecar.endReason).to.equal('orphaned');
    expect(sidecar.finalisedBy).to.equal('b');
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a']);
    // Lease (2 s) + SESSION_TIMEOUT (3 s), found by a sweep every second.
    expect(finalisedAfter).to.be.within(4500, 10_000);
    expectOnlyFinalFiles(c.dir, recordingId);
    const wav = readFinalWav(c.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    for (const ch of [0, 1]) {
      const log = cl.rtp.logs[ch]!;
      const [a0] = packetsTo(log, cl.firstPorts[ch]!);
      const end = log.sentAt.findIndex((t) => t > killedAt - 400);
      expectAudioAt(wav, ch, cl.reference[ch]!, log, [a0, end], startedAt);
    }
    // The failover is charged to A in the store; B made no recovery (nobody resumed the call).
    expect(await metric(c.get('b'), 'siprec_recoveries_total')).to.equal(0);
  });

  it('two survivors receive the same re-INVITE: exactly one takes the session over, the other answers 481', async () => {
    cluster = await RecorderCluster.start(['a', 'b', 'c']);
    const c = cluster;
    const cl = await call(c.get('a').sipPort);
    await sleep(2500);
    const recordingId = recordingIdOf(c.dir, cl.src.callId);
    await c.kill('a');
    await sleep(DEATH_NOTICED_MS);
    const responses = await cl.src.request('INVITE', [c.get('b').sipPort, c.get('c').sipPort], {
      body: [
        'v=0',
        'o=SRC 4000 2 IN IP4 127.0.0.1',
        's=SIPREC',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 31000 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=label:1',
        'a=sendonly',
        'm=audio 31002 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=label:2',
        'a=sendonly',
        '',
      ].join('\r\n'),
      contentType: 'application/sdp',
    });
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([200, 481]);
    const winner = responses.find((r) => r.status === 200)!;
    const winnerId = winner.from === c.get('b').sipPort ? 'b' : 'c';
    const loserId = winnerId === 'b' ? 'c' : 'b';
    cl.follow(winner);
    await sleep(2000);
    expect((await cl.src.bye(c.get(winnerId).sipPort)).status).to.equal(200);
    cl.rtp.stop();
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a', winnerId]);
    expectOnlyFinalFiles(c.dir, recordingId);
    expect(await metric(c.get(winnerId), 'siprec_recoveries_total')).to.equal(1);
    expect(await metric(c.get(loserId), 'siprec_recoveries_total')).to.equal(0);
    expect((await c.get(loserId).http('/api/sessions')).body).to.deep.equal({ sessions: [] });
  });

  it('Redis killed and restarted empty under live calls: recording goes on, /readyz degraded (200), state caught up so a later failover works', async () => {
    cluster = await RecorderCluster.start(['a', 'b']);
    const c = cluster;
    const a = c.get('a');
    const cl = await call(a.sipPort, 16);
    await sleep(1500);
    const recordingId = recordingIdOf(c.dir, cl.src.callId);
    await c.redis.kill();
    await sleep(1500);
    const ready = await a.http('/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.include({ status: 'ready', degraded: true });
    expect(await metric(a, 'siprec_store_degraded')).to.equal(1);
    // A re-offer during the outage is answered, and is the state the store must catch up with.
    expect((await cl.src.reinvite(a.sipPort)).status).to.equal(200);
    await sleep(1000);
    await c.redis.restart();
    // Catch-up: the queued write and the lease renewal re-create the session in the empty Redis.
    const deadline = Date.now() + 10_000;
    while ((await metric(a, 'siprec_store_degraded')) !== 0 && Date.now() < deadline) await sleep(200);
    expect(await metric(a, 'siprec_store_degraded')).to.equal(0);
    expect((await a.http('/readyz')).body).to.deep.include({ degraded: false });
    await sleep(1500);
    await c.kill('a');
    await sleep(DEATH_NOTICED_MS);
    const ok = await cl.src.reinvite(c.get('b').sipPort);
    expect(ok.status).to.equal(200);
    const bPorts = cl.follow(ok);
    await sleep(2500);
    expect((await cl.src.bye(c.get('b').sipPort)).status).to.equal(200);
    cl.rtp.stop();
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a', 'b']);
    expectOnlyFinalFiles(c.dir, recordingId);
    const wav = readFinalWav(c.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    const gapStart = Date.parse(sidecar.gaps![0]!.start);
    for (const ch of [0, 1]) {
      const log = cl.rtp.logs[ch]!;
      // Everything A received during the outage is in the recording.
      const [a0] = packetsTo(log, cl.firstPorts[ch]!);
      const end = log.sentAt.findIndex((t) => t > gapStart - 400);
      expectAudioAt(wav, ch, cl.reference[ch]!, log, [a0, end], startedAt);
      const [b0, b1] = packetsTo(log, bPorts[ch]!);
      expectAudioAt(wav, ch, cl.reference[ch]!, log, [b0 + 10, b1], startedAt);
    }
  });

  it('a recorder restarted under its own id continues its previous life’s session as a new segment', async () => {
    cluster = await RecorderCluster.start(['a']);
    const c = cluster;
    const cl = await call(c.get('a').sipPort);
    await sleep(2500);
    const recordingId = recordingIdOf(c.dir, cl.src.callId);
    await c.kill('a');
    const again = await c.startRecorder('a');
    // Start-up repair left the live segment alone.
    expect(again.logs.some((l) => l.msg === 'left a live recording segment as it is')).to.equal(true);
    const ok = await cl.src.reinvite(again.sipPort);
    expect(ok.status).to.equal(200);
    const ports = cl.follow(ok);
    await sleep(2500);
    expect((await cl.src.bye(again.sipPort)).status).to.equal(200);
    cl.rtp.stop();
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a', 'a']);
    expectOnlyFinalFiles(c.dir, recordingId);
    const wav = readFinalWav(c.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    for (const ch of [0, 1]) {
      const log = cl.rtp.logs[ch]!;
      const [a0] = packetsTo(log, cl.firstPorts[ch]!);
      const end = log.sentAt.findIndex((t) => t > Date.parse(sidecar.gaps![0]!.start) - 400);
      expectAudioAt(wav, ch, cl.reference[ch]!, log, [a0, end], startedAt);
      const [b0, b1] = packetsTo(log, ports[ch]!);
      expectAudioAt(wav, ch, cl.reference[ch]!, log, [b0 + 10, b1], startedAt);
    }
  });
});
