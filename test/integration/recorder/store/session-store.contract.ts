/**
 * The behaviour every `SessionStore` must have (DESIGN.md §4), run against the in-memory store and against Redis.
 * Lease and heartbeat expiry use a shared fake clock (time is the one thing tests fake); everything else is real.
 */
import { expect } from 'chai';
import { Dialog } from '../../../../recorder/src/sip/dialog/dialog.js';
import { parseSipMessage } from '../../../../recorder/src/sip/message/parser.js';
import { EncryptionKey } from '../../../../recorder/src/store/encryption-key.js';
import type {
  RecorderInfo,
  SessionStore,
  StoreClock,
  WriteOutcome,
} from '../../../../recorder/src/store/session-store.js';
import { StoreError } from '../../../../recorder/src/store/store-error.js';
import type { StoredSession } from '../../../../recorder/src/store/stored-session.js';
import { offeredKey, ourKey, realisticSession } from './realistic-session.js';

export interface StoreHarness {
  /** A store as one recorder sees it; all stores of a harness share one backend (one Redis, one memory backend). */
  open(opts: { clock: StoreClock; encryptionKey?: EncryptionKey }): Promise<SessionStore>;
  /** A session's stored values as they are at rest. */
  raw(recordingId: string): Promise<Record<string, string>>;
  /** Closes the stores opened since the last reset and forgets all data. */
  reset(): Promise<void>;
}

/** A clock the test moves by hand. */
export class ManualClock implements StoreClock {
  t = 1_772_442_900_000;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const LEASE = 10_000;
const HEARTBEAT_TTL = 15_000;
const SESSION_TIMEOUT = 60_000;
const KEY_A = EncryptionKey.fromBase64('q2VjcmV0LWtleS1mb3Itc2lwcmVjLXN0b3JlLXRlc3Q=');
const KEY_B = EncryptionKey.fromBase64('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=');

function info(activeSessions = 1): RecorderInfo {
  return {
    ready: true,
    draining: false,
    activeSessions,
    version: '0.1.0',
    address: '10.0.0.5:5060',
    counters: { failoversSuffered: 0, recoveriesMade: 0, handovers: 0 },
  };
}

function withReinvites(s: StoredSession, n: number, at: number): StoredSession {
  return {
    ...s,
    lastSignalAt: at,
    dialog: { ...s.dialog, remoteCSeq: s.dialog.remoteCSeq + n },
    counters: { ...s.counters, reinvites: n },
  };
}

export function sessionStoreContract(name: string, harness: StoreHarness): void {
  describe(`SessionStore contract: ${name}`, function () {
    let clock: ManualClock;
    let a: SessionStore;
    let b: SessionStore;

    beforeEach(async () => {
      clock = new ManualClock();
      a = await harness.open({ clock });
      b = await harness.open({ clock });
    });

    afterEach(() => harness.reset());

    it('round-trips a full session and continues its dialog (Dialog.fromJSON of the loaded snapshot)', async () => {
      const session = realisticSession('3f1c0b8e-5d2a-4c61-9a7e-0c4b2d8e6f11');
      const created = await a.create(session, 'recorder-a', LEASE);
      expect(created).to.deep.include({ status: 'written', token: 1 });

      const loaded = await b.load(session.recordingId);
      expect(loaded?.session).to.deep.equal(session);
      expect(loaded).to.deep.include({
        owner: 'recorder-a',
        token: 1,
        revision: 1,
        leaseUntil: clock.t + LEASE,
      });
      // Another recorder can answer the SRC's next request from what was stored: same dialog, same route set.
      const dialog = Dialog.fromJSON(loaded?.session.dialog);
      const bye = dialog.createRequest('BYE');
      expect(bye.uri).to.equal('sip:src@198.51.100.20:5060;transport=tcp');
      expect(bye.headers.getAll('Route')).to.deep.equal([
        '<sip:198.51.100.30;lr;transport=tcp>',
        '<sip:sbc-edge.example.net;lr;transport=tcp>',
      ]);
      expect(bye.headers.get('CSeq')).to.equal('1 BYE');
      expect(loaded?.session.streams[1]?.srtp?.remoteKeySalt).to.equal(offeredKey(session.sdp.offer, 1));
    });

    it('finds a session by dialog id and by Call-ID (Replaces, RFC 3891), and nothing for strangers', async () => {
      const session = realisticSession('9b0e6a4f-1111-4c61-9a7e-0c4b2d8e6f12');
      await a.create(session, 'recorder-a', LEASE);
      const dialog = Dialog.fromJSON(session.dialog);
      // An in-dialog request from the SRC carries our tag in To and its tag in From (§12.2.2).
      expect((await b.findByDialog(dialog.id))?.session.recordingId).to.equal(session.recordingId);
      const byCallId = await b.findByCallId(session.callId);
      expect(byCallId.map((l) => l.session.recordingId)).to.deep.equal([session.recordingId]);
      expect(await b.findByDialog(`${session.callId};other-tag;src-8f2e61`)).to.equal(undefined);
      expect(await b.findByCallId('unknown@198.51.100.20')).to.deep.equal([]);
      expect(await b.load('00000000-0000-0000-0000-000000000000')).to.equal(undefined);
    });

    it('after INVITE/Replaces moved a session, finds it by the new dialog and Call-ID only (RFC 3891 §3)', async () => {
      const s = realisticSession('0d9e8f7a-1212-4c61-9a7e-0c4b2d8e6f22', 'replaced@198.51.100.20');
      await a.create(s, 'recorder-a', LEASE);
      const replacedDialog = Dialog.fromJSON(s.dialog).id;
      clock.advance(LEASE + 1);
      const took = await b.takeOver(s.recordingId, 'recorder-b', LEASE);
      if (!took.ok) throw new Error(`takeOver refused: ${took.reason}`);
      // The SRC's INVITE with Replaces opened a new dialog (its own Call-ID and tags) continuing the recording.
      const moved: StoredSession = {
        ...s,
        callId: 'replacing@198.51.100.20',
        dialog: {
          ...s.dialog,
          callId: 'replacing@198.51.100.20',
          localTag: 'srs-b-41d7',
          remoteTag: 'src-9a0c',
        },
      };
      expect((await b.save(moved, 'recorder-b', took.token)).status).to.equal('written');

      for (const store of [a, b]) {
        const found = await store.findByDialog(Dialog.fromJSON(moved.dialog).id);
        expect(found?.session.recordingId).to.equal(s.recordingId);
        expect(found?.session.dialog.localTag).to.equal('srs-b-41d7');
        const byCallId = await store.findByCallId('replacing@198.51.100.20');
        expect(byCallId.map((l) => l.session.recordingId)).to.deep.equal([s.recordingId]);
        // The replaced dialog has ended: a late request on it must not reach the new one.
        expect(await store.findByDialog(replacedDialog)).to.equal(undefined);
        expect(await store.findByCallId('replaced@198.51.100.20')).to.deep.equal([]);
      }
    });

    it('applies writes of one session in call order: the last state wins, revisions never go back', async () => {
      const s0 = realisticSession('c5d3a2b1-2222-4c61-9a7e-0c4b2d8e6f13');
      await a.create(s0, 'recorder-a', LEASE);
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          a.save(withReinvites(s0, i + 1, s0.startedAt + i), 'recorder-a', 1),
        ),
      );
      const revisions = outcomes.map((o) => (o.status === 'written' ? o.revision : -1));
      expect(revisions).to.not.include(-1);
      for (let i = 1; i < revisions.length; i++) expect(revisions[i]).to.be.at.least(revisions[i - 1] ?? 0);
      const loaded = await b.load(s0.recordingId);
      expect(loaded?.session.counters.reinvites).to.equal(60);
      expect(loaded?.session.dialog.remoteCSeq).to.equal(s0.dialog.remoteCSeq + 60);
    });

    it('writes only what changed without losing the rest (metadata update, then re-INVITE)', async () => {
      const s0 = realisticSession('d1e2f3a4-3333-4c61-9a7e-0c4b2d8e6f14');
      await a.create(s0, 'recorder-a', LEASE);
      const update = {
        receivedAt: new Date(s0.startedAt + 5000).toISOString(),
        method: 'UPDATE',
        document: s0.metadata.raw[0]?.document.replace('complete', 'partial') ?? '',
      };
      const s1 = { ...s0, metadata: { ...s0.metadata, raw: [...s0.metadata.raw, update] } };
      expect((await a.save(s1, 'recorder-a', 1)).status).to.equal('written');
      const s2 = {
        ...withReinvites(s1, 1, s0.startedAt + 9000),
        sdp: { ...s1.sdp, offerVersion: '2', answerVersion: 2 },
      };
      expect((await a.save(s2, 'recorder-a', 1)).status).to.equal('written');
      expect((await b.load(s0.recordingId))?.session).to.deep.equal(s2);
    });

    it('fences: a replaced owner can neither write, renew nor release, and tokens only grow', async () => {
      const s = realisticSession('e4f5a6b7-4444-4c61-9a7e-0c4b2d8e6f15');
      await a.create(s, 'recorder-a', LEASE);
      const early = await b.acquire(s.recordingId, 'recorder-b', LEASE);
      expect(early).to.deep.equal({
        ok: false,
        reason: 'owned',
        owner: 'recorder-a',
        leaseUntil: clock.t + LEASE,
      });

      clock.advance(LEASE + 1);
      const won = await b.acquire(s.recordingId, 'recorder-b', LEASE);
      expect(won).to.deep.include({ ok: true, token: 2, previousOwner: 'recorder-a' });
      const bState = withReinvites(s, 1, clock.t);
      expect((await b.save(bState, 'recorder-b', 2)).status).to.equal('written');

      const stale: WriteOutcome = await a.save(withReinvites(s, 7, clock.t), 'recorder-a', 1);
      expect(stale).to.deep.equal({ status: 'fenced', owner: 'recorder-b', token: 2 });
      expect((await a.renew(s.recordingId, 'recorder-a', 1, LEASE)).ok).to.equal(false);
      expect(await a.release(s.recordingId, 'recorder-a', 1)).to.equal(false);
      expect((await b.load(s.recordingId))?.session).to.deep.equal(bState);

      expect(await b.renew(s.recordingId, 'recorder-b', 2, LEASE)).to.deep.include({ ok: true, token: 2 });
      expect(await b.release(s.recordingId, 'recorder-b', 2)).to.equal(true);
      // Released (planned handover): free at once, and the next token is higher still.
      expect(await a.acquire(s.recordingId, 'recorder-a', LEASE)).to.deep.include({
        ok: true,
        token: 3,
        previousOwner: '',
      });
    });

    it('takeOver succeeds only once the lease expired or the owner stopped heartbeating, and counts it', async () => {
      const s = realisticSession('f7a8b9c0-5555-4c61-9a7e-0c4b2d8e6f16');
      await a.heartbeat('recorder-a', info(), HEARTBEAT_TTL);
      await b.heartbeat('recorder-b', info(0), HEARTBEAT_TTL);
      await a.create(s, 'recorder-a', 60_000);
      expect(await b.takeOver(s.recordingId, 'recorder-b', LEASE)).to.deep.include({
        ok: false,
        reason: 'owned',
      });

      // recorder-a dies: its heartbeat lapses long before its (long) lease would.
      clock.advance(HEARTBEAT_TTL + 1);
      await b.heartbeat('recorder-b', info(0), HEARTBEAT_TTL);
      const took = await b.takeOver(s.recordingId, 'recorder-b', LEASE);
      expect(took).to.deep.include({ ok: true, token: 2, previousOwner: 'recorder-a' });
      expect((await b.load(s.recordingId))?.owner).to.equal('recorder-b');

      // recorder-a restarts on the same id: the store kept the failover it could not count itself.
      await a.heartbeat('recorder-a', info(0), HEARTBEAT_TTL);
      const live = await b.liveRecorders();
      expect(live.map((r) => [r.recorderId, r.storeCounters])).to.deep.equal([
        ['recorder-a', { failovers: 1, recoveries: 0 }],
        ['recorder-b', { failovers: 0, recoveries: 1 }],
      ]);
      expect(live[0]).to.deep.include({ address: '10.0.0.5:5060', version: '0.1.0', ready: true });
    });

    it('two recorders racing takeOver on one session: exactly one wins, every round', async function () {
      this.timeout(30_000);
      const c = await harness.open({ clock });
      const s = realisticSession('0a1b2c3d-6666-4c61-9a7e-0c4b2d8e6f17');
      await a.create(s, 'recorder-a', LEASE);
      let lastToken = 1;
      for (let round = 0; round < 100; round++) {
        // Whoever owns it has "died" (lease and heartbeat lapsed); both racers are alive.
        clock.advance(HEARTBEAT_TTL + 1);
        await Promise.all([
          b.heartbeat('recorder-b', info(1), HEARTBEAT_TTL),
          c.heartbeat('recorder-c', info(1), HEARTBEAT_TTL),
        ]);
        const results = await Promise.all([
          b.takeOver(s.recordingId, 'recorder-b', LEASE),
          c.takeOver(s.recordingId, 'recorder-c', LEASE),
        ]);
        const winners = results.filter((r) => r.ok);
        expect(winners, `round ${round}`).to.have.length(1);
        const token = winners[0]?.ok === true ? winners[0].token : 0;
        expect(token).to.equal(lastToken + 1);
        lastToken = token;
      }
    });

    it('a dead recorder’s sessions become orphans; exactly one survivor claims and finalises each', async () => {
      const c = await harness.open({ clock });
      const ids = ['11111111-7777-4c61-9a7e-0c4b2d8e6f18', '22222222-7777-4c61-9a7e-0c4b2d8e6f18'];
      await a.heartbeat('recorder-a', info(2), HEARTBEAT_TTL);
      for (const [i, id] of ids.entries())
        await a.create(realisticSession(id, `orphan-${i}@198.51.100.20`), 'recorder-a', LEASE);
      const ended = realisticSession('33333333-7777-4c61-9a7e-0c4b2d8e6f18', 'ended@198.51.100.20');
      await a.create(ended, 'recorder-a', LEASE);
      await a.save({ ...ended, state: 'ended', endedAt: clock.t, endReason: 'bye' }, 'recorder-a', 1);
      expect(await b.orphans(clock.now())).to.deep.equal([]);

      clock.advance(LEASE + 1);
      const orphans = await b.orphans(clock.now());
      expect(orphans.map((o) => o.recordingId).sort()).to.deep.equal(ids);
      expect(orphans[0]).to.deep.include({ owner: 'recorder-a' });
      // Not yet SESSION_TIMEOUT past the lease: the SRC may still come back to another recorder.
      expect(await b.orphans(clock.now(), SESSION_TIMEOUT)).to.deep.equal([]);

      clock.advance(SESSION_TIMEOUT);
      for (const id of ids) {
        const claims = await Promise.all([
          b.claimOrphan(id, 'recorder-b', LEASE),
          c.claimOrphan(id, 'recorder-c', LEASE),
        ]);
        expect(claims.filter((r) => r.ok)).to.have.length(1);
        const idx = claims.findIndex((r) => r.ok);
        const claim = claims[idx];
        const winner = idx === 0 ? b : c;
        const winnerId = idx === 0 ? 'recorder-b' : 'recorder-c';
        const token = claim?.ok === true ? claim.token : 0;
        expect(token).to.equal(2);
        const s = (await winner.load(id))?.session;
        if (s === undefined) throw new Error('orphan vanished');
        const final: StoredSession = { ...s, state: 'ended', endedAt: clock.t, endReason: 'orphaned' };
        expect((await winner.save(final, winnerId, token)).status).to.equal('written');
        expect(await winner.release(id, winnerId, token)).to.equal(true);
        expect(await b.claimOrphan(id, 'recorder-b', LEASE)).to.deep.equal({ ok: false, reason: 'ended' });
      }
      expect(await c.orphans(clock.now())).to.deep.equal([]);
    });

    it('lists live recorders only, with what they published', async () => {
      await a.heartbeat('recorder-a', info(3), HEARTBEAT_TTL);
      clock.advance(HEARTBEAT_TTL - 1000);
      await b.heartbeat('recorder-b', { ...info(0), draining: true }, HEARTBEAT_TTL);
      expect((await a.liveRecorders()).map((r) => r.recorderId)).to.deep.equal(['recorder-a', 'recorder-b']);
      clock.advance(2000);
      const live = await a.liveRecorders();
      expect(live.map((r) => [r.recorderId, r.draining, r.activeSessions])).to.deep.equal([
        ['recorder-b', true, 0],
      ]);
    });

    it('keeps SRTP keys encrypted at rest; the wrong key or no key gives a clear error', async () => {
      const enc = await harness.open({ clock, encryptionKey: KEY_A });
      const s = realisticSession('44444444-8888-4c61-9a7e-0c4b2d8e6f19');
      await enc.create(s, 'recorder-a', LEASE);
      const raw = JSON.stringify(await harness.raw(s.recordingId));
      for (const i of [0, 1]) {
        const theirs = Buffer.from(offeredKey(s.sdp.offer, i), 'base64');
        for (const secret of [theirs, ourKey(s.recordingId, i)]) {
          expect(raw).to.not.include(secret.toString('base64'));
          expect(raw).to.not.include(secret.toString('hex'));
          expect(raw).to.not.include(secret.subarray(0, 16).toString('base64'));
        }
      }
      expect(raw).to.include('enc1:');
      expect(raw).to.not.include('a=crypto'); // the SDP carries the same keys (RFC 4568 inline:)
      expect(
        (await (await harness.open({ clock, encryptionKey: KEY_A })).load(s.recordingId))?.session,
      ).to.deep.equal(s);

      const wrong = await harness.open({ clock, encryptionKey: KEY_B });
      const err = await wrong.load(s.recordingId).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(StoreError);
      expect((err as StoreError).code).to.equal('STORE_DECRYPT_FAILED');
      expect((err as StoreError).message).to.match(/STORE_ENCRYPTION_KEY differs/);
      const none = await a.load(s.recordingId).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((none as StoreError).code).to.equal('STORE_KEY_MISSING');
    });

    it('refuses a session that breaks a bound, without storing anything', async () => {
      const s = realisticSession('55555555-9999-4c61-9a7e-0c4b2d8e6f20');
      const tooMany = {
        ...s,
        streams: Array.from({ length: 65 }, (_, i) => ({ ...s.streams[0]!, mediaIndex: i })),
      };
      const out = await a.create(tooMany, 'recorder-a', LEASE);
      expect(out.status).to.equal('dropped');
      expect(await a.load(s.recordingId)).to.equal(undefined);
      expect(a.stats().errors).to.be.greaterThan(0);
    });

    it('reports healthy when the backend is reachable', () => {
      expect(a.health()).to.deep.include({ ok: true, degraded: false, pendingWrites: 0 });
    });

    it('finds a session by the dialog id of the SRC’s BYE (Dialog.idOfRequest)', async () => {
      const s = realisticSession('66666666-aaaa-4c61-9a7e-0c4b2d8e6f21', 'bye-lookup@198.51.100.20');
      await a.create(s, 'recorder-a', LEASE);
      const bye = parseSipMessage(
        Buffer.from(
          [
            'BYE sip:srs@192.0.2.50:5060;transport=tcp SIP/2.0',
            'Via: SIP/2.0/TCP 198.51.100.30:5060;branch=z9hG4bK-proxy-1',
            'Via: SIP/2.0/TCP 198.51.100.20:5060;branch=z9hG4bK-sbc-77a9;rport',
            'Max-Forwards: 69',
            'From: "Contact Centre SRC" <sip:src@198.51.100.20>;tag=src-8f2e61',
            `To: <sip:srs@192.0.2.50>;tag=${s.dialog.localTag}`,
            'Call-ID: bye-lookup@198.51.100.20',
            'CSeq: 7002 BYE',
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        ),
      );
      if (bye.type !== 'request') throw new Error('BYE expected');
      expect((await b.findByDialog(Dialog.idOfRequest(bye)))?.session.recordingId).to.equal(s.recordingId);
    });
  });
}
