import { expect } from 'chai';
import {
  MAX_PAUSE_INTERVALS,
  PauseIntervals,
} from '../../../../../recorder/src/siprec/session/pause-intervals.js';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('PauseIntervals', () => {
  it('opens a span on the first hold and closes it on resume; repeated signals change nothing', () => {
    const p = new PauseIntervals();
    p.set('hold', true, T0 + 1000);
    p.set('hold', true, T0 + 2000); // a second inactive re-INVITE while held
    p.set('hold', false, T0 + 5000);
    p.set('hold', false, T0 + 6000);
    expect(p.toSidecar(T0 + 9000)).to.deep.equal([
      { reason: 'hold', start: iso(T0 + 1000), end: iso(T0 + 5000) },
    ]);
  });

  it('keeps hold and pause apart, and ends a span still open with the call', () => {
    const p = new PauseIntervals();
    p.set('pause', true, T0 + 1000);
    p.set('hold', true, T0 + 2000);
    p.set('pause', false, T0 + 3000);
    expect(p.isOpen('hold')).to.be.true;
    expect(p.toSidecar(undefined)[1]).to.deep.equal({ reason: 'hold', start: iso(T0 + 2000), end: null });
    expect(p.toSidecar(T0 + 8000)).to.deep.equal([
      { reason: 'pause', start: iso(T0 + 1000), end: iso(T0 + 3000) },
      { reason: 'hold', start: iso(T0 + 2000), end: iso(T0 + 8000) },
    ]);
  });

  it('survives the session store: from(toJSON()) gives the same sidecar', () => {
    const p = new PauseIntervals();
    p.set('hold', true, T0);
    p.set('hold', false, T0 + 10);
    p.set('pause', true, T0 + 20);
    const copy = PauseIntervals.from(JSON.parse(JSON.stringify(p.toJSON())) as ReturnType<typeof p.toJSON>);
    expect(copy.toSidecar(T0 + 30)).to.deep.equal(p.toSidecar(T0 + 30));
    copy.set('pause', false, T0 + 25);
    expect(p.isOpen('pause'), 'the copy is independent').to.be.true;
  });

  it('an SRC toggling hold forever keeps the list bounded, covering every held instant', () => {
    const p = new PauseIntervals();
    for (let i = 0; i < 5 * MAX_PAUSE_INTERVALS; i++) {
      p.set('hold', true, T0 + i * 100);
      p.set('hold', false, T0 + i * 100 + 50);
    }
    const spans = p.toSidecar(T0 + 1e6);
    expect(spans).to.have.length(MAX_PAUSE_INTERVALS);
    expect(spans[0]!.start).to.equal(iso(T0));
    expect(spans.at(-1)!.end).to.equal(iso(T0 + (5 * MAX_PAUSE_INTERVALS - 1) * 100 + 50));
  });
});
