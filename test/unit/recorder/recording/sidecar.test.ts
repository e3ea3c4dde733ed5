import { expect } from 'chai';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SidecarWriter, type SidecarDocument } from '../../../../recorder/src/recording/sidecar.js';

function doc(
  recordingId: string,
  state: 'recording' | 'final',
  endReason: string | null = null,
): SidecarDocument {
  return {
    recordingId,
    callId: `call-${recordingId}`,
    siprecSessionId: null,
    state,
    participants: [],
    streams: [],
    startedAt: '2026-11-21T00:00:00.000Z',
    endedAt: state === 'final' ? '2026-11-21T00:01:00.000Z' : null,
    endReason,
    segments: [],
    dtmf: [],
    source: { address: '192.0.2.1', port: 5060, transport: 'udp' },
    metadata: { status: 'none', dialect: null, raw: [], merged: null },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fail = (err: unknown): never => {
  throw err;
};

describe('SidecarWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sidecar-'));
  });

  it('coalesces updates into one part file rendered at write time', async () => {
    const writer = new SidecarWriter(dir, { coalesceMs: 30 });
    let renders = 0;
    for (let i = 0; i < 5; i++) {
      writer.update(
        'r1',
        () => {
          renders++;
          return { ...doc('r1', 'recording'), note: `update ${i}` };
        },
        fail,
      );
    }
    await sleep(80);
    await writer.flush();
    expect(renders).to.equal(1);
    const part = JSON.parse(await readFile(join(dir, 'r1.json.part'), 'utf8')) as { note: string };
    expect(part.note).to.equal('update 4');
  });

  it('writes only the final document for a session that ends before its first update is due', async () => {
    const writer = new SidecarWriter(dir, { coalesceMs: 1000 });
    writer.update('r2', () => doc('r2', 'recording'), fail);
    await writer.finalize(doc('r2', 'final', 'bye'));
    await writer.flush();
    expect(await readdir(dir)).to.deep.equal(['r2.json']);
    const final = JSON.parse(await readFile(join(dir, 'r2.json'), 'utf8')) as SidecarDocument;
    expect(final.endReason).to.equal('bye');
  });

  it('replaces the part file by the final one when the session ends later', async () => {
    const writer = new SidecarWriter(dir, { coalesceMs: 10 });
    writer.update('r3', () => doc('r3', 'recording'), fail);
    await sleep(40);
    await writer.flush();
    expect(await readdir(dir)).to.deep.equal(['r3.json.part']);
    await writer.finalize(doc('r3', 'final', 'bye'));
    expect(await readdir(dir)).to.deep.equal(['r3.json']);
  });

  it('flush writes pending updates at once (shutdown)', async () => {
    const writer = new SidecarWriter(dir, { coalesceMs: 60_000 });
    writer.update('r4', () => doc('r4', 'recording'), fail);
    await writer.flush();
    expect(await readdir(dir)).to.deep.equal(['r4.json.part']);
  });
});
