import { expect } from 'chai';
import {
  MemorySessionStore,
  MemoryStoreBackend,
} from '../../../../recorder/src/store/memory-session-store.js';
import type { SessionStore } from '../../../../recorder/src/store/session-store.js';
import { ManualClock, sessionStoreContract } from './session-store.contract.js';
import { realisticSession } from './realistic-session.js';

let backend = new MemoryStoreBackend();
const opened: SessionStore[] = [];

sessionStoreContract('memory', {
  open: ({ clock, encryptionKey }) => {
    const store = new MemorySessionStore({
      backend,
      clock,
      ...(encryptionKey !== undefined ? { encryptionKey } : {}),
    });
    opened.push(store);
    return Promise.resolve(store);
  },
  raw: (recordingId) => Promise.resolve(backend.rawParts(recordingId) ?? {}),
  reset: async () => {
    for (const s of opened.splice(0)) await s.close();
    backend = new MemoryStoreBackend();
  },
});

describe('MemorySessionStore', () => {
  it('forgets a session once its TTL passes without writes, and an ended one sooner', async () => {
    const clock = new ManualClock();
    const store = new MemorySessionStore({ clock, sessionTtlMs: 3_600_000, endedTtlMs: 60_000 });
    const live = realisticSession('aaaaaaaa-0000-4c61-9a7e-0c4b2d8e6f30', 'ttl-live@198.51.100.20');
    const ended = realisticSession('bbbbbbbb-0000-4c61-9a7e-0c4b2d8e6f31', 'ttl-ended@198.51.100.20');
    await store.create(live, 'recorder-a', 10_000);
    await store.create(ended, 'recorder-a', 10_000);
    await store.save({ ...ended, state: 'ended', endedAt: clock.t, endReason: 'bye' }, 'recorder-a', 1);
    clock.advance(60_001);
    expect(await store.load(ended.recordingId)).to.equal(undefined);
    expect(await store.findByCallId('ttl-ended@198.51.100.20')).to.deep.equal([]);
    expect((await store.load(live.recordingId))?.session.recordingId).to.equal(live.recordingId);
    clock.advance(3_600_000);
    expect(await store.load(live.recordingId)).to.equal(undefined);
    expect(
      await store.findByDialog(`${live.callId};${live.dialog.localTag};${live.dialog.remoteTag}`),
    ).to.equal(undefined);
  });

  it('refuses reads after close', async () => {
    const store = new MemorySessionStore();
    await store.close();
    const err = await store.load('x').then(
      () => undefined,
      (e: unknown) => e as { code: string },
    );
    expect(err?.code).to.equal('STORE_CLOSED');
    expect(store.health().ok).to.equal(false);
  });
});
