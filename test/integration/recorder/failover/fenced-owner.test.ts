/**
 * A fenced owner that is still alive (DESIGN.md §4): recorder A is frozen with SIGSTOP mid-call (a long GC pause, a
 * partition), B takes the session over at the SRC's re-INVITE, the call ends at B and B assembles the recording.
 * Then A wakes up (SIGCONT) and ends its stale copy of the session — by its media timeout, or because it is shut
 * down. Whatever A does then, the assembled WAV and the final sidecar B wrote must stay exactly as they were: both
 * segments' audio, as the SRC sent it, and B's segments/gaps.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecorderCluster } from '../../../support/failover/cluster.js';
import { FailoverSrc, parseAnswer } from '../../../support/failover/failover-src.js';
import { RtpStreams, referenceSignal } from '../../../support/failover/rtp-stream.js';
import type { RecorderProcess } from '../../../support/recorder-process.js';
import {
  expectAudioAt,
  expectOnlyFinalFiles,
  packetsTo,
  readFinalWav,
  recordingIdOf,
  waitForFinal,
  type FailoverSidecar,
} from './failover-check.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** SESSION_LEASE is 2 s in the cluster: A's heartbeat and lease have lapsed after this. */
const DEATH_NOTICED_MS = 2300;
const SECONDS = 14;

/**
 * How the woken recorder A ends its stale session: by its media timeout, by a shutdown, or by its media timeout while
 * the store is out of its reach (a partition: it cannot learn that it was fenced).
 */
type Wake = 'media-timeout' | 'shutdown' | 'partitioned';

describe('failover: a fenced owner that wakes up never overwrites the recording its successor finished', function () {
  this.timeout(120_000);
  let cluster: RecorderCluster | undefined;
  let src: FailoverSrc | undefined;
  let rtp: RtpStreams | undefined;
  const signals = [referenceSignal(7, SECONDS), referenceSignal(31, SECONDS)];

  afterEach(async () => {
    const a = cluster?.recorders.get('a');
    // A frozen process would never die of SIGTERM: wake it first.
    if (a && a.child.exitCode === null) a.child.kill('SIGCONT');
    rtp?.close();
    src?.close();
    await cluster?.cleanup();
    cluster = undefined;
    src = undefined;
    rtp = undefined;
  });

  async function wakeAndEnd(c: RecorderCluster, a: RecorderProcess, wake: Wake): Promise<void> {
    if (wake === 'partitioned') await c.redis.stop();
    a.child.kill('SIGCONT');
    if (wake === 'shutdown') {
      await a.stop();
      return;
    }
    // MEDIA_TIMEOUT is 2 s and A heard nothing for far longer: its next sweep (or, store reachable, its lease
    // renewal refused by B's fencing token) ends the session. Give it time to finish and write whatever it would write.
    await waitForLog(a, (l) => l.msg === 'recording session ended', 15_000);
    await sleep(1500);
  }

  for (const wake of ['media-timeout', 'shutdown', 'partitioned'] as const) {
    it(`A frozen, call taken over and ended at B, then A wakes (${wake}): assembled WAV and sidecar untouched`, async () => {
      cluster = await RecorderCluster.start(['a', 'b'], { MEDIA_TIMEOUT: '2s' });
      const c = cluster;
      const a = c.get('a');
      const b = c.get('b');
      src = await FailoverSrc.open();
      const ok = await src.invite(a.sipPort);
      expect(ok.status).to.equal(200);
      const aPorts = parseAnswer(ok.body).media.map((m) => m.port);
      rtp = await RtpStreams.open(
        signals.map((s) => s.ulaw),
        aPorts.map((port) => ({ host: '127.0.0.1', port })),
      );
      rtp.start();
      // Long enough for A to put more than one header patch (every 2 s) of audio on disk.
      await sleep(4500);
      const recordingId = recordingIdOf(c.dir, src.callId);
      a.child.kill('SIGSTOP');
      await sleep(DEATH_NOTICED_MS);

      const reinvite = await src.reinvite(b.sipPort);
      expect(reinvite.status).to.equal(200);
      const bPorts = parseAnswer(reinvite.body).media.map((m) => m.port);
      rtp.retarget(bPorts.map((port) => ({ host: '127.0.0.1', port })));
      await sleep(3000);
      expect((await src.bye(b.sipPort)).status).to.equal(200);
      rtp.stop();
      // Generous: B finalises its media and assembles on a 2-core machine shared with other test runs.
      const assembled = await waitForFinal(c.dir, recordingId, 45_000).catch((err: unknown) => {
        const said = b.logs.filter((l) => Number(l.level) >= 40).map((l) => l.msg);
        throw new Error(`${(err as Error).message}; B warned: ${JSON.stringify(said)}`, { cause: err });
      });
      expect(assembled.segments.map((s) => s.recorderId)).to.deep.equal(['a', 'b']);
      await sleep(500);
      const wavBefore = readFileSync(join(c.dir, `${recordingId}.wav`));
      const sidecarBefore = readFileSync(join(c.dir, `${recordingId}.json`));

      await wakeAndEnd(c, a, wake);

      expect(
        readFileSync(join(c.dir, `${recordingId}.json`)).equals(sidecarBefore),
        'final sidecar rewritten by the fenced recorder',
      ).to.equal(true);
      expect(
        readFileSync(join(c.dir, `${recordingId}.wav`)).equals(wavBefore),
        'assembled WAV replaced by the fenced recorder',
      ).to.equal(true);
      expectOnlyFinalFiles(c.dir, recordingId);
      if (wake === 'partitioned') {
        // Out of the store's reach, A learns from the final sidecar on the shared volume that B finished the call.
        expect(a.logs.some((l) => String(l.msg).includes('after another recorder took it over'))).to.equal(
          true,
        );
      }
      const sidecar = JSON.parse(sidecarBefore.toString('utf8')) as FailoverSidecar;
      expect(sidecar.endReason).to.equal('bye');
      expect(sidecar.gaps).to.have.length(1);
      expectBothSegmentsHeard(c.dir, sidecar, aPorts, bPorts);
    });
  }

  /** Audio A wrote before it froze and audio B wrote after the takeover are both in the final WAV. */
  function expectBothSegmentsHeard(
    dir: string,
    sidecar: FailoverSidecar,
    aPorts: number[],
    bPorts: number[],
  ): void {
    const wav = readFinalWav(dir, sidecar);
    const startedAt = Date.parse(sidecar.startedAt);
    expect(wav.channels).to.have.length(2);
    for (const ch of [0, 1]) {
      const log = rtp!.logs[ch]!;
      const [a0, a1] = packetsTo(log, aPorts[ch]!);
      // What A had not flushed (it writes every 500 ms, patches its header every 2 s) when it froze is in the gap.
      const flushed = log.sentAt.findIndex((t) => t > Date.parse(sidecar.gaps![0]!.start) - 400);
      expectAudioAt(wav, ch, signals[ch]!.pcm, log, [a0, Math.min(a1, flushed)], startedAt);
      const [b0, b1] = packetsTo(log, bPorts[ch]!);
      expectAudioAt(wav, ch, signals[ch]!.pcm, log, [b0 + 10, b1], startedAt);
    }
  }
});

/** Resolves once recorder `r` logged a line matching `match`; rejects after `timeoutMs`. */
async function waitForLog(
  r: RecorderProcess,
  match: (line: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!r.logs.some(match)) {
    if (Date.now() > deadline) throw new Error(`recorder never logged the expected line in ${timeoutMs} ms`);
    await sleep(100);
  }
}
