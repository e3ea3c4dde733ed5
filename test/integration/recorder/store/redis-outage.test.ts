/**
 * Redis going away must cost no call and no state (DESIGN.md §4): writes queue, coalesce and catch up, health
 * says degraded meanwhile, nothing rejects into the caller, nothing crashes. Real redis-server, killed with -9.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisSessionStore } from '../../../../recorder/src/store/redis-session-store.js';
import type { WriteOutcome } from '../../../../recorder/src/store/session-store.js';
import { StoreError } from '../../../../recorder/src/store/store-error.js';
import type { StoredSession } from '../../../../recorder/src/store/stored-session.js';
import { RedisServer } from '../../../support/redis-server.js';
import { realisticSession } from './realistic-session.js';
import { connected, until } from './store-waits.js';

const FAST = { retryMinMs: 20, retryMaxMs: 200, connectTimeoutMs: 500, commandTimeoutMs: 500 };

function step(s: StoredSession, n: number): StoredSession {
  return {
    ...s,
    lastSignalAt: s.startedAt + n,
    dialog: { ...s.dialog, remoteCSeq: s.dialog.remoteCSeq + n },
    counters: { ...s.counters, reinvites: n },
  };
}

async function storedReinvites(admin: Redis, recordingId: string): Promise<number | undefined> {
  const core = await admin.hget(`siprec:session:{${recordingId}}`, 'p:core');
  return core === null ? undefined : (JSON.parse(core) as StoredSession).counters.reinvites;
}

describe('RedisSessionStore when Redis fails (real redis-server)', function () {
  this.timeout(60_000);
  const servers: RedisServer[] = [];
  const stores: RedisSessionStore[] = [];
  const clients: Redis[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    for (const s of stores.splice(0)) await s.close();
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.cleanup();
  });

  it('keeps every session’s latest state through kill -9 and an empty restart', async () => {
    const server = await RedisServer.start();
    servers.push(server);
    const store = new RedisSessionStore({ url: server.url, ...FAST });
    stores.push(store);
    await connected(store);

    const sessions = Array.from({ length: 20 }, (_, i) =>
      realisticSession(
        `0000${String(i).padStart(4, '0')}-dead-4c61-9a7e-0c4b2d8e6f50`,
        `outage-${i}@198.51.100.20`,
      ),
    );
    // One session is written only before the crash: after the restart Redis has nothing of it.
    const idle = realisticSession('ffffffff-dead-4c61-9a7e-0c4b2d8e6f51', 'idle@198.51.100.20');
    for (const s of [...sessions, idle])
      expect((await store.create(s, 'recorder-a', 10_000)).status).to.equal('written');

    const outcomes: Promise<WriteOutcome>[] = [];
    let degradedSeen = false;
    let maxPending = 0;
    for (let n = 1; n <= 120; n++) {
      for (const s of sessions) outcomes.push(store.save(step(s, n), 'recorder-a', 1));
      if (n === 30) await server.kill();
      if (n === 80) await server.restart();
      const h = store.health();
      degradedSeen ||= h.degraded;
      maxPending = Math.max(maxPending, h.pendingWrites);
      await new Promise((r) => setTimeout(r, 5));
    }
    const settled = await Promise.allSettled(outcomes);
    expect(settled.every((r) => r.status === 'fulfilled')).to.equal(true);
    const statuses = new Set(settled.map((r) => (r.status === 'fulfilled' ? r.value.status : 'rejected')));
    expect([...statuses].sort()).to.deep.equal(['queued', 'written']);
    expect(degradedSeen).to.equal(true);
    // Coalescing: at most one pending state per session however many writes were queued.
    expect(maxPending).to.be.at.most(sessions.length);

    await until(() => !store.health().degraded, 'catch-up', 15_000);
    expect(await store.flush(5000)).to.equal(0);
    const h = store.health();
    expect(h).to.deep.include({ ok: true, degraded: false, pendingWrites: 0 });
    expect(h.lastError).to.be.a('string');

    const admin = new Redis(server.url);
    clients.push(admin);
    for (const s of sessions)
      expect(await storedReinvites(admin, s.recordingId), s.recordingId).to.equal(120);
    expect(await storedReinvites(admin, idle.recordingId)).to.equal(0);
    // The lease came back with the state: the owner can renew it, nobody else can take it.
    expect(await store.renew(idle.recordingId, 'recorder-a', 1, 10_000)).to.deep.include({ ok: true });
    const loaded = await store.load(sessions[0]?.recordingId ?? '');
    expect(loaded).to.deep.include({ owner: 'recorder-a', token: 1 });
    expect(unhandled).to.deep.equal([]);
  });

  it('survives a clean Redis shutdown too (SIGTERM) and retries with back-off until it returns', async () => {
    const server = await RedisServer.start();
    servers.push(server);
    const store = new RedisSessionStore({ url: server.url, ...FAST });
    stores.push(store);
    await connected(store);
    const s = realisticSession('abababab-dead-4c61-9a7e-0c4b2d8e6f52', 'sigterm@198.51.100.20');
    await store.create(s, 'recorder-a', 10_000);
    await server.stop();
    await until(() => !store.health().ok, 'disconnect');
    expect(await store.save(step(s, 1), 'recorder-a', 1)).to.deep.equal({
      status: 'queued',
      pendingWrites: 1,
    });
    expect(await store.save(step(s, 2), 'recorder-a', 1)).to.deep.equal({
      status: 'queued',
      pendingWrites: 1,
    });
    await new Promise((r) => setTimeout(r, 700)); // several retry rounds against a closed port
    expect(store.health()).to.deep.include({ ok: false, degraded: true, pendingWrites: 1 });
    await server.restart();
    await until(() => !store.health().degraded, 'catch-up', 10_000);
    const admin = new Redis(server.url);
    clients.push(admin);
    expect(await storedReinvites(admin, s.recordingId)).to.equal(2);
    expect(unhandled).to.deep.equal([]);
  });

  it('works from memory when Redis never started, says so, and writes everything once it appears', async () => {
    const server = await RedisServer.notStarted();
    servers.push(server);
    const store = new RedisSessionStore({ url: server.url, ...FAST });
    stores.push(store);
    const sessions = [0, 1, 2].map((i) =>
      realisticSession(`cdcdcdc${i}-dead-4c61-9a7e-0c4b2d8e6f53`, `never-${i}@198.51.100.20`),
    );
    for (const s of sessions)
      expect(await store.create(s, 'recorder-a', 10_000)).to.deep.include({ status: 'queued', token: 1 });
    const updated = step(sessions[1]!, 3);
    expect((await store.save(updated, 'recorder-a', 1)).status).to.equal('queued');

    // This recorder still finds its own calls (an in-dialog request, a Replaces).
    expect((await store.load(updated.recordingId))?.session).to.deep.equal(updated);
    const dialogId = `${updated.dialog.callId};${updated.dialog.localTag};${updated.dialog.remoteTag}`;
    expect((await store.findByDialog(dialogId))?.session.recordingId).to.equal(updated.recordingId);
    expect(
      (await store.findByCallId('never-2@198.51.100.20')).map((l) => l.session.recordingId),
    ).to.deep.equal([sessions[2]?.recordingId]);
    await until(() => store.health().lastError !== null, 'the first connection error');
    const health = store.health();
    expect(health).to.deep.include({ backend: 'redis', ok: false, degraded: true, pendingWrites: 3 });
    expect(health.lastError).to.match(/ECONNREFUSED/);

    // What only Redis could answer is refused with a clear code, never thrown into a write path.
    expect(await store.acquire(sessions[0]!.recordingId, 'recorder-b', 10_000)).to.deep.include({
      ok: false,
      reason: 'unavailable',
    });
    expect(
      await store.heartbeat(
        'recorder-a',
        {
          ready: true,
          draining: false,
          activeSessions: 3,
          version: '0.1.0',
          counters: { failoversSuffered: 0, recoveriesMade: 0, handovers: 0 },
        },
        15_000,
      ),
    ).to.equal(false);
    const err = await store.load('11111111-2222-3333-4444-555555555555').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreError);
    expect((err as StoreError).code).to.equal('STORE_UNAVAILABLE');

    await server.restart();
    await until(() => !store.health().degraded, 'catch-up', 10_000);
    const admin = new Redis(server.url);
    clients.push(admin);
    expect(await storedReinvites(admin, updated.recordingId)).to.equal(3);
    for (const s of sessions)
      expect(await admin.hget(`siprec:session:{${s.recordingId}}`, 'owner')).to.equal('recorder-a');
    expect(unhandled).to.deep.equal([]);
  });

  it('bounds the queue: beyond maxPendingSessions a new session’s write is dropped and counted', async () => {
    const server = await RedisServer.notStarted();
    servers.push(server);
    const store = new RedisSessionStore({ url: server.url, ...FAST, maxPendingSessions: 2 });
    stores.push(store);
    const ss = [0, 1, 2].map((i) =>
      realisticSession(`efefefe${i}-dead-4c61-9a7e-0c4b2d8e6f54`, `bound-${i}@h`),
    );
    expect((await store.create(ss[0]!, 'recorder-a', 10_000)).status).to.equal('queued');
    expect((await store.create(ss[1]!, 'recorder-a', 10_000)).status).to.equal('queued');
    expect(await store.create(ss[2]!, 'recorder-a', 10_000)).to.deep.include({
      status: 'dropped',
      reason: 'write queue full',
    });
    // A session already queued still takes its newer state (coalesced into its slot).
    expect((await store.save(step(ss[0]!, 1), 'recorder-a', 1)).status).to.equal('queued');
    expect(store.stats()).to.deep.include({ pendingWrites: 2, errors: 1 });
  });
});
