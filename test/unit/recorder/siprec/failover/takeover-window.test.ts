import { expect } from 'chai';
import { TakeoverWindow } from '../../../../../recorder/src/siprec/failover/takeover-window.js';

/** A takeover whose end the test decides. */
function gate(): { promise: Promise<string>; open: (v: string) => void; fail: (e: Error) => void } {
  let open!: (v: string) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<string>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('siprec/failover TakeoverWindow', () => {
  it('runs at most its size at once, the others in arrival order as slots free up, failures included', async () => {
    const window = new TakeoverWindow(2);
    const gates = Array.from({ length: 5 }, () => gate());
    const started: number[] = [];
    const results = gates.map((g, i) =>
      window
        .run(() => {
          started.push(i);
          return g.promise;
        })
        .catch((err: Error) => `failed: ${err.message}`),
    );
    await settle();
    expect(started).to.deep.equal([0, 1]);
    expect(window.waiting).to.equal(3);

    gates[1]!.fail(new Error('store unavailable'));
    await settle();
    expect(started).to.deep.equal([0, 1, 2]);
    gates[0]!.open('a');
    await settle();
    expect(started).to.deep.equal([0, 1, 2, 3]);
    gates[3]!.open('d');
    gates[2]!.open('c');
    await settle();
    expect(started).to.deep.equal([0, 1, 2, 3, 4]);
    expect(window.waiting).to.equal(0);
    gates[4]!.open('e');
    expect(await Promise.all(results)).to.deep.equal(['a', 'failed: store unavailable', 'c', 'd', 'e']);

    // Every slot came back: two run at once again.
    const more = [gate(), gate(), gate()];
    const running: number[] = [];
    const done = more.map((g, i) =>
      window.run(() => {
        running.push(i);
        return g.promise;
      }),
    );
    await settle();
    expect(running).to.deep.equal([0, 1]);
    for (const g of more) g.open('x');
    await Promise.all(done);
  });

  it('refuses a window without room', () => {
    expect(() => new TakeoverWindow(0)).to.throw(RangeError);
  });
});
