import { expect } from 'chai';
import { WorkQueue } from '../../../../operator/src/runtime/work-queue.js';
import { FakeClock } from '../support/fake-clock.js';

/** Takes whatever is immediately available. */
async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length > 0) out.push((await q.get())!);
  return out;
}

describe('operator runtime: work queue', () => {
  it('deduplicates a key that is already waiting', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (const k of ['ns/a', 'ns/b', 'ns/a', 'ns/a']) q.add(k);
    expect(await drain(q)).to.deep.equal(['ns/a', 'ns/b']);
  });

  it('never hands out a key twice at once; a key added while processing comes back after done()', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    expect(q.length, 'not while it is being processed').to.equal(0);
    q.done(key!);
    expect(await drain(q)).to.deep.equal(['ns/a']);
  });

  it('backs off exponentially per key, and forget() resets it', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('ns/a'))).to.deep.equal([100, 200, 400, 800, 1000]);
    q.forget('ns/a');
    expect(q.addRateLimited('ns/a')).to.equal(100);
    expect(q.failures('ns/b')).to.equal(0);
  });

  it('delays addAfter on the clock and keeps the earliest deadline', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('ns/a', 5000);
    q.addAfter('ns/a', 1000);
    q.addAfter('ns/a', 9000);
    clock.advance(999);
    expect(q.length).to.equal(0);
    clock.advance(1);
    expect(await drain(q)).to.deep.equal(['ns/a']);
    clock.advance(10_000);
    expect(q.length, 'later deadlines were dropped').to.equal(0);
  });

  it('wakes a waiting worker, reports depth, and releases workers on shutdown', async () => {
    const depths: number[] = [];
    const q = new WorkQueue({ clock: new FakeClock(), onDepth: (d) => depths.push(d) });
    const waiting = q.get();
    q.add('ns/a');
    expect(await waiting).to.equal('ns/a');
    q.add('ns/b');
    q.add('ns/c');
    expect(depths.at(-1)).to.equal(2);
    const idle = [q.get(), q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(idle)).to.deep.equal(['ns/b', 'ns/c', undefined]);
  });
});
