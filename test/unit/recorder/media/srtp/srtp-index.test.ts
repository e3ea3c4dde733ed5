import { expect } from 'chai';
import { estimateIndex } from '../../../../../recorder/src/media/srtp/srtp-index.js';
import { ReplayWindow } from '../../../../../recorder/src/media/srtp/replay-window.js';
import { SrtpResult } from '../../../../../recorder/src/media/srtp/srtp-error.js';

describe('SRTP packet index (RFC 3711 §3.3.1, Appendix A)', () => {
  it('starts a new stream at ROC 0 with s_l = SEQ', () => {
    expect(estimateIndex(-1, 0xf17b)).to.equal(0xf17b);
  });

  it('guesses ROC + 1 just after a wrap and ROC − 1 for a late packet from before it', () => {
    expect(estimateIndex(65535, 0)).to.equal(65536);
    expect(estimateIndex(65536 + 3, 65534)).to.equal(65534);
    expect(estimateIndex(3 * 65536 + 40000, 100)).to.equal(4 * 65536 + 100);
    expect(estimateIndex(3 * 65536 + 100, 60000)).to.equal(2 * 65536 + 60000);
  });

  it('keeps the ROC for ordinary steps and reports packets before the first as impossible', () => {
    expect(estimateIndex(65536 + 1000, 1001)).to.equal(65536 + 1001);
    expect(estimateIndex(1000, 60000)).to.equal(-1);
  });
});

describe('ReplayWindow (RFC 3711 §3.3.2)', () => {
  it('accepts new indices, refuses replays and anything behind the window', () => {
    const w = new ReplayWindow(64);
    expect(w.check(1000)).to.equal(0);
    w.accept(1000);
    expect(w.check(1000)).to.equal(SrtpResult.REPLAYED);
    expect(w.check(990)).to.equal(0);
    w.accept(990);
    expect(w.check(990)).to.equal(SrtpResult.REPLAYED);
    expect(w.check(1000 - 63)).to.equal(0);
    expect(w.check(1000 - 64)).to.equal(SrtpResult.TOO_OLD);
  });

  it('forgets slots it slides past, so reused slots are not mistaken for replays', () => {
    const w = new ReplayWindow(64);
    for (let i = 0; i < 64; i++) w.accept(i);
    w.accept(100); // skips 64..99
    for (let i = 64; i < 100; i++) expect(w.check(i), `index ${i}`).to.equal(0);
    w.accept(100 + 64 * 3); // jumps more than a window: everything cleared
    expect(w.check(100 + 64 * 3 - 1)).to.equal(0);
  });

  it('rounds its size up to whole 32-bit words', () => {
    expect(new ReplayWindow(100).size).to.equal(128);
  });
});
