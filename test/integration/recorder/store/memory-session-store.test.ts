import { expect } from 'chai';
import {
  MemorySessionStore,
  MemoryStoreBackend,
} from '../../../../recorder/src/store/memory-session-store.js';
import type { SessionStore } from '../../../../recorder/src/store/session-store.js';
import type { StoredMetadataDocument } from '../../../../recorder/src/store/stored-session.js';
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

  it('reads back a session as it was written, whatever its writer changes in its own object afterwards', async () => {
    // The store keeps a copy of what it is given (not its JSON); a live session keeps changing the arrays and
    // objects its stored form was taken from.
    const store = new MemorySessionStore();
    const written = realisticSession('cccccccc-0000-4c61-9a7e-0c4b2d8e6f32', 'copy@198.51.100.20');
    const expected = structuredClone(written);
    await store.create(written, 'recorder-a', 10_000);
    const raw = written.metadata.raw as StoredMetadataDocument[];
    raw.push({ ...raw[0]!, document: '<recording/>' });
    (written.streams[0] as { packetsReceived: number }).packetsReceived += 500;
    (written.segments[0] as { end: number | null }).end = 1;
    (written.counters as { reinvites: number }).reinvites = 9;
    (written.dialog as { remoteCSeq: number }).remoteCSeq += 1;
    expect((await store.load(written.recordingId))?.session).to.deep.equal(expected);
  });

  it('finds every recording of a Call-ID shared by several dialogs, until each is forgotten', async () => {
    const clock = new ManualClock();
    const store = new MemorySessionStore({ clock, sessionTtlMs: 3_600_000, endedTtlMs: 60_000 });
    const callId = 'shared@198.51.100.20';
    const first = realisticSession('dddddddd-0000-4c61-9a7e-0c4b2d8e6f33', callId);
    const base = realisticSession('eeeeeeee-0000-4c61-9a7e-0c4b2d8e6f34', callId);
    const second = { ...base, dialog: { ...base.dialog, localTag: 'srs-second-7c1a' } };
    await store.create(first, 'recorder-a', 10_000);
    await store.create(second, 'recorder-a', 10_000);
    const ids = async (): Promise<string[]> =>
      (await store.findByCallId(callId)).map((l) => l.session.recordingId).sort();
    expect(await ids()).to.deep.equal([first.recordingId, second.recordingId]);
    await store.save({ ...first, state: 'ended', endedAt: clock.t, endReason: 'bye' }, 'recorder-a', 1);
    clock.advance(60_001);
    expect(await store.load(first.recordingId)).to.equal(undefined);
    expect(await ids()).to.deep.equal([second.recordingId]);
    clock.advance(3_600_000);
    expect(await store.load(second.recordingId)).to.equal(undefined);
    expect(await ids()).to.deep.equal([]);
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
