import { expect } from 'chai';
import { portSlices } from '../../../../../recorder/src/media/engine/media-engine.js';

describe('portSlices (RTP range split between media workers)', () => {
  const slices = (workers: number, portMin: number, portMax: number): [number, number][] =>
    portSlices({ workers, host: '127.0.0.1', portMin, portMax }).map((s) => [s.firstPort, s.pairCount]);

  it('gives the smallest accepted range (two pairs) to one worker, so a two-stream recording fits', () => {
    expect(slices(2, 20000, 20003)).to.deep.equal([[20000, 2]]);
    expect(slices(8, 20000, 20003)).to.deep.equal([[20000, 2]]);
  });

  it('never leaves a worker with a single pair', () => {
    expect(slices(2, 20000, 20005)).to.deep.equal([[20000, 3]]);
    for (let pairs = 2; pairs <= 40; pairs++) {
      for (const workers of [1, 2, 3, 4, 16]) {
        const got = slices(workers, 30000, 30000 + pairs * 2 - 1);
        expect(
          got.every(([, count]) => count >= 2),
          `${workers} workers, ${pairs} pairs`,
        ).to.equal(true);
        expect(got.reduce((sum, [, count]) => sum + count, 0)).to.equal(pairs);
      }
    }
  });

  it('splits a wide range evenly into contiguous even-aligned slices, one per worker', () => {
    expect(slices(2, 20001, 29999)).to.deep.equal([
      [20002, 2499],
      [25000, 2500],
    ]);
  });
});
