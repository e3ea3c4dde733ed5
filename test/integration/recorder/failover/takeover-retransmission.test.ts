/**
 * A re-INVITE that reaches the surviving recorder several times while it is still taking the session over (a UDP
 * SRC retransmitting, or a burst of copies from a failover list): the transaction layer absorbs the copies, so
 * there is one takeover, one new segment and one answer — not a second takeover fencing the first. Real recorder
 * binaries sharing a real redis-server and RECORDING_DIR.
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
/** SESSION_LEASE is 2 s in these tests: the heartbeat (TTL 3 × 667 ms) and the lease have lapsed after this. */
const DEATH_NOTICED_MS = 2300;
const SECONDS = 12;

describe('failover: a re-INVITE retransmitted during the takeover', function () {
  this.timeout(120_000);
  let cluster: RecorderCluster | undefined;
  let call: FailoverCall | undefined;

  afterEach(async () => {
    call?.close();
    await cluster?.cleanup();
    call = undefined;
    cluster = undefined;
  });

  it('five copies at once: one takeover, one segment at B, the audio after it recorded', async () => {
    cluster = await RecorderCluster.start(['a', 'b']);
    const c = cluster;
    call = await FailoverCall.start(c.get('a').sipPort, SECONDS);
    await sleep(2500);
    const recordingId = recordingIdOf(c.dir, call.src.callId);
    await c.kill('a');
    await sleep(DEATH_NOTICED_MS);

    const b = c.get('b');
    const ok = await call.src.reinvite(b.sipPort, { copies: 5 });
    expect(ok.status).to.equal(200);
    const bPorts = call.follow(ok);
    await sleep(3000);
    const takeovers = b.logs.filter((l) => l.msg === 'session taken over' && l.recordingId === recordingId);
    expect(takeovers).to.have.length(1);
    expect(await metric(b, 'siprec_recoveries_total')).to.equal(1);

    expect((await call.src.bye(b.sipPort)).status).to.equal(200);
    call.rtp.stop();
    const sidecar = await waitForFinal(c.dir, recordingId);
    expect(sidecar.segments.map((s) => s.recorderId)).to.deep.equal(['a', 'b']);
    expectOnlyFinalFiles(c.dir, recordingId);
    const wav = readFinalWav(c.dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    for (const ch of [0, 1]) {
      const log = call.rtp.logs[ch]!;
      const [b0, b1] = packetsTo(log, bPorts[ch]!);
      expectAudioAt(wav, ch, call.reference[ch]!, log, [b0 + 10, b1], startedAt);
    }
  });
});
