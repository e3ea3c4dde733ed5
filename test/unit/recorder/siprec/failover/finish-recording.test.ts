import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takenOverMeanwhile } from '../../../../../recorder/src/siprec/failover/finish-recording.js';
import { MemorySessionStore } from '../../../../../recorder/src/store/memory-session-store.js';
import { realisticSession } from '../../../../integration/recorder/store/realistic-session.js';

const LEASE = 10_000;
const segment = (recorderId: string): { recorderId: string; start: number; end: null; files: string[] } => ({
  recorderId,
  start: 0,
  end: null,
  files: [],
});

describe('siprec/failover takenOverMeanwhile (a woken owner must not finish what its successor owns)', () => {
  let dir: string;
  let t: number;
  let store: MemorySessionStore;
  let warnings: unknown[][];
  const stored = realisticSession('5e6f7a8b-3434-4c61-9a7e-0c4b2d8e6f40', 'woken@198.51.100.20');
  const id = stored.recordingId;
  /** What recorder a knows of its session: one segment, its own. */
  const view = (segments: number): Parameters<typeof takenOverMeanwhile>[1] => ({
    recordingId: id,
    callId: stored.callId,
    segments: Array.from({ length: segments }, (_, i) => segment(i === 0 ? 'a' : 'c')),
    mediaResult: undefined,
  });
  const check = (): Parameters<typeof takenOverMeanwhile>[0] => ({
    store,
    recorderId: 'a',
    leaseMs: LEASE,
    recordingDir: dir,
    logger: { warn: (...args: unknown[]) => void warnings.push(args) },
  });
  const finalSidecar = (recorders: string[]): string =>
    JSON.stringify({ recordingId: id, state: 'final', segments: recorders.map((r) => ({ recorderId: r })) });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'finish-'));
    t = 1_772_442_900_000;
    store = new MemorySessionStore({ clock: { now: () => t } });
    warnings = [];
    await store.create(stored, 'a', LEASE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is false while this recorder still holds the session', async () => {
    expect(await takenOverMeanwhile(check(), view(1), 1)).to.equal(false);
    expect(warnings).to.deep.equal([]);
  });

  it('is true once the lease was taken over; the stale in-progress sidecar goes once the final one exists', async () => {
    t += LEASE + 1;
    expect((await store.takeOver(id, 'b', LEASE)).ok).to.equal(true);
    // b is still recording: the in-progress sidecar is b's, and stays.
    writeFileSync(join(dir, `${id}.json.part`), '{"state":"recording"}');
    expect(await takenOverMeanwhile(check(), view(1), 1)).to.equal(true);
    expect(existsSync(join(dir, `${id}.json.part`))).to.equal(true);
    expect(warnings[0]?.[0]).to.deep.include({ recordingId: id, newOwner: 'b' });

    // b finished: a .json.part now can only be one this recorder put back while frozen.
    writeFileSync(join(dir, `${id}.json`), finalSidecar(['a', 'b']));
    expect(await takenOverMeanwhile(check(), view(1), 1)).to.equal(true);
    expect(existsSync(join(dir, `${id}.json.part`))).to.equal(false);
    expect(readFileSync(join(dir, `${id}.json`), 'utf8')).to.equal(finalSidecar(['a', 'b']));
  });

  it('without an answer from the store, a final sidecar with more segments than ours says we were replaced', async () => {
    const forgetful = new MemorySessionStore({ clock: { now: () => t } });
    writeFileSync(join(dir, `${id}.json`), finalSidecar(['a', 'b']));
    expect(await takenOverMeanwhile({ ...check(), store: forgetful }, view(1), 1)).to.equal(true);
    expect(warnings[0]?.[0]).to.deep.include({ newOwner: 'b' });
  });

  it("the finisher of a moved recording still replaces a partitioned predecessor's shorter sidecar", async () => {
    const forgetful = new MemorySessionStore({ clock: { now: () => t } });
    writeFileSync(join(dir, `${id}.json`), finalSidecar(['a']));
    expect(await takenOverMeanwhile({ ...check(), store: forgetful }, view(2), 2)).to.equal(false);
    expect(warnings).to.deep.equal([]);
  });
});
