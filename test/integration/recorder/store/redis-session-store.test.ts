import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisSessionStore } from '../../../../recorder/src/store/redis-session-store.js';
import type { SessionStore } from '../../../../recorder/src/store/session-store.js';
import { RedisServer } from '../../../support/redis-server.js';
import { ManualClock, sessionStoreContract } from './session-store.contract.js';
import { connected } from './store-waits.js';
import { realisticSession } from './realistic-session.js';

const PREFIX = 'siprec:';
let server: RedisServer;
let admin: Redis;
const opened: SessionStore[] = [];

describe('Redis session store (real redis-server)', () => {
  before(async function () {
    this.timeout(20_000);
    server = await RedisServer.start();
    admin = new Redis(server.url, { lazyConnect: true });
    await admin.connect();
  });

  after(async () => {
    admin.disconnect();
    await server.cleanup();
  });

  sessionStoreContract('redis', {
    open: async ({ clock, encryptionKey }) => {
      const store = new RedisSessionStore({
        url: server.url,
        prefix: PREFIX,
        clock,
        ...(encryptionKey !== undefined ? { encryptionKey } : {}),
      });
      opened.push(store);
      await connected(store);
      return store;
    },
    raw: (recordingId) => admin.hgetall(`${PREFIX}session:{${recordingId}}`),
    reset: async () => {
      for (const s of opened.splice(0)) await s.close();
      await admin.flushall();
    },
  });

  describe('RedisSessionStore', () => {
    const stores: RedisSessionStore[] = [];
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      await admin.flushall();
    });

    it('puts a TTL on every key it writes; an ended session expires sooner', async () => {
      const clock = new ManualClock();
      const store = new RedisSessionStore({
        url: server.url,
        clock,
        sessionTtlMs: 7_200_000,
        endedTtlMs: 600_000,
      });
      stores.push(store);
      await connected(store);
      const live = realisticSession('aaaaaaaa-1111-4c61-9a7e-0c4b2d8e6f40', 'ttl-a@198.51.100.20');
      const ended = realisticSession('bbbbbbbb-1111-4c61-9a7e-0c4b2d8e6f41', 'ttl-b@198.51.100.20');
      await store.heartbeat(
        'recorder-a',
        {
          ready: true,
          draining: false,
          activeSessions: 1,
          version: '0.1.0',
          counters: { failoversSuffered: 0, recoveriesMade: 0, handovers: 0 },
        },
        15_000,
      );
      await store.create(live, 'recorder-a', 10_000);
      await store.create(ended, 'recorder-a', 10_000);
      await store.save({ ...ended, state: 'ended', endedAt: clock.t, endReason: 'bye' }, 'recorder-a', 1);
      clock.advance(20_000);
      await store.takeOver(live.recordingId, 'recorder-b', 10_000); // writes recorder counters too

      const keys = await admin.keys('*');
      expect(keys.every((k) => k.startsWith(PREFIX))).to.equal(true);
      expect(keys.length).to.be.at.least(9);
      for (const key of keys) {
        const ttl = await admin.pttl(key);
        expect(ttl, key).to.be.greaterThan(0);
      }
      expect(await admin.pttl(`${PREFIX}session:{${ended.recordingId}}`)).to.be.at.most(600_000);
      expect(await admin.pttl(`${PREFIX}session:{${live.recordingId}}`)).to.be.above(600_000);
      expect(await admin.pttl(`${PREFIX}recorder:recorder-a`)).to.be.at.most(15_000);
    });

    it('counts the commands and bytes it sends: one script call per write', async () => {
      const store = new RedisSessionStore({ url: server.url });
      stores.push(store);
      await connected(store);
      const s = realisticSession('cccccccc-1111-4c61-9a7e-0c4b2d8e6f42');
      const before = store.stats();
      await store.create(s, 'recorder-a', 10_000);
      const afterCreate = store.stats();
      expect(afterCreate.commands - before.commands).to.equal(1);
      const full = afterCreate.bytesSent - before.bytesSent;
      expect(full).to.be.greaterThan(Buffer.byteLength(s.sdp.offer) * 2);
      // A re-INVITE bumps the CSeq (core) only: far fewer bytes than the first write.
      await store.save(
        { ...s, dialog: { ...s.dialog, remoteCSeq: s.dialog.remoteCSeq + 1 } },
        'recorder-a',
        1,
      );
      const delta = store.stats().bytesSent - afterCreate.bytesSent;
      expect(delta).to.be.lessThan(full / 2);
      expect(store.stats().writes).to.equal(2);
    });
  });
});
