/**
 * The vectors' own SIPp scenarios (real SRC call flows: re-INVITEs, metadata UPDATEs, hold, transfer, BYE)
 * played by real sipp against the running recorder. A scenario succeeds only if every response it waits for
 * arrives in order with the expected status, so sipp's exit code 0 is what an SRC would call "recorded".
 * Changes made to the copies (media actions, pauses, documented authoring bugs) are listed by
 * test/support/vector-scenarios.ts and printed per scenario.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { runSipp } from '../../../support/sipp.js';
import { prepareScenario, standaloneScenarios } from '../../../support/vector-scenarios.js';

/** Top-level scenarios also played over TCP (the big multi-message flows SBCs send over TCP, INTEROP §12). */
const ALSO_OVER_TCP = new Set([
  'drachtio-generic-sonus-metadata.sipp.xml',
  'loreste-cisco-cube-16.10-headers.sipp.xml',
  'miarec-avaya-sbce-dummy-participant-then-update.sipp.xml',
  'miarec-metaswitch-hold-c0000-reinvite.sipp.xml',
  'miarec-webex-calling-broadworks-conference-update-metadata.sipp.xml',
  'vorpal-oracle-genesys-4stream.sipp.xml',
]);

describe('vector SIPp scenarios played by sipp against the running recorder', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;
  let dir: string;
  const scenarios = standaloneScenarios();
  const failed: string[] = [];

  before(async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '0' });
    dir = await mkdtemp(join(tmpdir(), 'vector-scenarios-'));
  });
  after(async () => {
    process.stdout.write(
      `\n      vector scenarios passing: ${scenarios.length - failed.length}/${scenarios.length}` +
        (failed.length > 0 ? `; failing: ${failed.join(', ')}` : '') +
        '\n',
    );
    await recorder?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const id of scenarios) {
    const transports = ALSO_OVER_TCP.has(id) ? (['u1', 't1'] as const) : (['u1'] as const);
    for (const transport of transports) {
      it(`${id} over ${transport === 'u1' ? 'UDP' : 'TCP'}`, async function () {
        const prepared = await prepareScenario(id, dir);
        this.test!.title += prepared.changes.length > 0 ? ` [${prepared.changes.join('; ')}]` : '';
        const result = await runSipp({
          scenario: prepared.path,
          target: `127.0.0.1:${recorder.sipPort}`,
          transport,
          timeoutSeconds: 20,
          extraArgs: ['-key', 'caller', '911', '-d', '50', '-recv_timeout', '5000'],
        });
        if (result.exitCode !== 0) failed.push(`${id} (${transport})`);
        expect(result.exitCode, `${result.errors}\n${result.stdout.slice(-2000)}`).to.equal(0);
      });
    }
  }
});
