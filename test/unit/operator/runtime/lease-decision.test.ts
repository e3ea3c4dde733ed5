import { expect } from 'chai';
import {
  decideLease,
  microTime,
  type LeaseObservation,
  type LeaseSpec,
} from '../../../../operator/src/runtime/lease-decision.js';
import { FakeClock } from '../support/fake-clock.js';

const DURATION = 15_000;

describe('operator runtime: leader election decision', () => {
  it('creates the Lease when there is none', () => {
    const clock = new FakeClock();
    const d = decideLease(undefined, { record: '', observedAtMs: 0 }, clock.now(), 'op-a', DURATION);
    expect(d.action).to.equal('create');
    if (d.action !== 'create') return;
    expect(d.spec).to.deep.equal({
      holderIdentity: 'op-a',
      leaseDurationSeconds: 15,
      acquireTime: '2025-01-15T10:00:00.000000Z',
      renewTime: '2025-01-15T10:00:00.000000Z',
      leaseTransitions: 0,
    });
  });

  it('a standby waits while the holder keeps renewing, and takes over a lease duration after the last change it saw', () => {
    const clock = new FakeClock();
    const seen: LeaseObservation = { record: '', observedAtMs: 0 };
    let lease: LeaseSpec = {
      holderIdentity: 'op-a',
      leaseDurationSeconds: 15,
      renewTime: microTime(clock.now()),
      leaseTransitions: 2,
    };
    expect(decideLease(lease, seen, clock.now(), 'op-b', DURATION).action).to.equal('wait');
    // The leader renews every 2 s: the standby keeps waiting.
    for (let i = 0; i < 10; i++) {
      clock.advance(2000);
      lease = { ...lease, renewTime: microTime(clock.now()) };
      const d = decideLease(lease, seen, clock.now(), 'op-b', DURATION);
      expect(d.action).to.equal('wait');
      if (d.action === 'wait') expect(d.expiresInMs).to.equal(DURATION);
    }
    // The leader dies: nothing changes any more.
    clock.advance(14_999);
    expect(decideLease(lease, seen, clock.now(), 'op-b', DURATION).action).to.equal('wait');
    clock.advance(1);
    const d = decideLease(lease, seen, clock.now(), 'op-b', DURATION);
    expect(d.action).to.equal('update');
    if (d.action !== 'update') return;
    expect(d.spec.holderIdentity).to.equal('op-b');
    expect(d.spec.leaseTransitions).to.equal(3);
    expect(d.spec.acquireTime).to.equal(microTime(clock.now()));
  });

  it('judges expiry by its own clock, not by the (possibly skewed) renewTime written in the Lease', () => {
    const clock = new FakeClock();
    const seen: LeaseObservation = { record: '', observedAtMs: 0 };
    // The holder's clock is an hour behind: its renewTime looks long expired.
    const lease: LeaseSpec = {
      holderIdentity: 'op-a',
      leaseDurationSeconds: 15,
      renewTime: microTime(clock.now() - 3_600_000),
    };
    expect(decideLease(lease, seen, clock.now(), 'op-b', DURATION).action).to.equal('wait');
  });

  it('the holder renews without a transition, keeping its acquire time; a released lease is free at once', () => {
    const clock = new FakeClock();
    const acquired = microTime(clock.now() - 60_000);
    const mine: LeaseSpec = {
      holderIdentity: 'op-a',
      leaseDurationSeconds: 15,
      acquireTime: acquired,
      leaseTransitions: 4,
    };
    const renew = decideLease(mine, { record: '', observedAtMs: 0 }, clock.now(), 'op-a', DURATION);
    expect(renew.action).to.equal('update');
    if (renew.action === 'update')
      expect(renew.spec).to.include({ acquireTime: acquired, leaseTransitions: 4, holderIdentity: 'op-a' });
    const released: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 4 };
    const take = decideLease(released, { record: '', observedAtMs: 0 }, clock.now(), 'op-b', DURATION);
    expect(take.action).to.equal('update');
  });
});
