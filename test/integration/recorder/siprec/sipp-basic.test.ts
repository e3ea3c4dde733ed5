/**
 * sipp as a SIPREC SRC over UDP and TCP: INVITE with two labelled streams and RFC 7865 metadata, a hold
 * re-INVITE, a metadata-only UPDATE adding a participant, BYE. What a user sees: the SRC's scenario succeeds
 * (200s with plain SDP, labels and recvonly checked inside the scenario) and a final sidecar names everyone.
 */
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  REPO_ROOT,
  startRecorder,
  waitForNewSidecars,
  type RecorderProcess,
} from '../../../support/recorder-process.js';
import { runSipp } from '../../../support/sipp.js';

const SCENARIO = join(REPO_ROOT, 'test/fixtures/sipp/siprec-basic.xml');

interface Sidecar {
  state: string;
  endReason: string;
  participants: { aor: string; name: string; streamLabels: string[] }[];
  streams: { label: string; codec: string; channel: number; direction: string }[];
  metadata: { status: string; raw: unknown[] };
}

describe('SIPREC with sipp as the SRC', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;

  before(async () => {
    recorder = await startRecorder();
  });
  after(async () => {
    await recorder.stop();
  });

  for (const transport of ['u1', 't1'] as const) {
    it(`records a call with re-INVITE, metadata UPDATE and BYE over ${transport === 'u1' ? 'UDP' : 'TCP'}`, async () => {
      const before = new Set(await readdir(recorder.recordingDir));
      const result = await runSipp({
        scenario: SCENARIO,
        target: `127.0.0.1:${recorder.sipPort}`,
        transport,
      });
      expect(result.exitCode, result.errors || result.stdout).to.equal(0);

      const added = await waitForNewSidecars(recorder.recordingDir, before);
      expect(added).to.have.length(1);
      const sidecar = JSON.parse(await readFile(added[0]!, 'utf8')) as Sidecar;
      expect(sidecar.state).to.equal('final');
      expect(sidecar.endReason).to.equal('bye');
      expect(sidecar.participants.map((p) => p.name)).to.deep.equal(['Alice', 'Bob', 'Carol']);
      expect(sidecar.participants.map((p) => p.streamLabels)).to.deep.equal([['1'], ['2'], ['2']]);
      expect(sidecar.streams.map((s) => [s.label, s.codec, s.channel])).to.deep.equal([
        ['1', 'PCMU', 0],
        ['2', 'PCMA', 1],
      ]);
      expect(sidecar.metadata.status).to.equal('parsed');
      expect(sidecar.metadata.raw).to.have.length(2);
    });
  }

  it('answers OPTIONS keepalives with what SRCs look for', async () => {
    const result = await runSipp({
      scenario: join(REPO_ROOT, 'test/fixtures/sipp/options.xml'),
      target: `127.0.0.1:${recorder.sipPort}`,
    });
    expect(result.exitCode, result.errors || result.stdout).to.equal(0);
    expect(result.messages).to.match(/Supported: siprec, timer, replaces/);
    expect(result.messages).to.match(/Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO/);
  });
});
