import { expect } from 'chai';
import { RtpSeqVerdict, RtpStreamStats } from '../../../../../recorder/src/media/rtp/rtp-stats.js';

/** Feeds seqs at 20 ms / 160 samples spacing (G.711), starting at `t0` ms; returns the verdicts. */
function feed(stats: RtpStreamStats, seqs: number[], t0 = 0): number[] {
  return seqs.map((seq, i) => stats.update(seq & 0xffff, (seq * 160) >>> 0, t0 + i * 20, 160));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('RtpStreamStats (RFC 3550 Appendix A)', () => {
  it('keeps a new source on probation until two packets are in sequence (A.1)', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    expect(s.update(1000, 0, 0, 160)).to.equal(RtpSeqVerdict.PROBATION);
    expect(s.valid).to.be.false;
    expect(s.expected).to.equal(0);
    expect(s.update(1001, 160, 20, 160)).to.equal(RtpSeqVerdict.VALID);
    expect(s.valid).to.be.true;
    expect(s.packets).to.equal(2);
    expect(s.bytes).to.equal(320);
  });

  it('restarts probation when the first packets are not sequential', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    expect(feed(s, [10, 500, 501])).to.deep.equal([
      RtpSeqVerdict.PROBATION,
      RtpSeqVerdict.PROBATION,
      RtpSeqVerdict.VALID,
    ]);
    expect(s.extendedHighestSeq).to.equal(501);
  });

  it('counts losses and the fraction lost per report interval (A.3)', () => {
    const s = new RtpStreamStats({ ssrc: 7, clockRate: 8000 });
    const seqs = range(100, 200).filter((q) => q % 10 !== 5); // 10 of 100 lost
    feed(s, seqs);
    // Base is the packet that ended probation (101); expected 101..199 = 99, received 89.
    expect(s.expected).to.equal(99);
    expect(s.cumulativeLost).to.equal(10);
    const first = s.reportBlock(2000);
    expect(first.fractionLost).to.equal(Math.floor((10 * 256) / 99));
    expect(first.cumulativeLost).to.equal(10);
    expect(first.highestSeq).to.equal(199);
    expect(first.ssrc).to.equal(7);
    feed(s, range(200, 250), 2000);
    const second = s.reportBlock(3000);
    expect(second.fractionLost, 'nothing lost in the second interval').to.equal(0);
    expect(second.cumulativeLost).to.equal(10);
  });

  it('counts sequence wrap-around as a cycle, not as loss', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    feed(s, range(65530, 65546));
    expect(s.extendedHighestSeq).to.equal(65536 + 9);
    expect(s.cumulativeLost).to.equal(0);
    expect(s.reportBlock(0).highestSeq).to.equal(0x10009);
  });

  it('accepts reordered packets and flags duplicates, which make loss negative as §6.4.1 allows', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    const v = feed(s, [1, 2, 3, 5, 4, 6, 6, 4, 7]);
    expect(v.slice(1, 6).every((x) => x === RtpSeqVerdict.VALID)).to.be.true;
    expect(v[6]).to.equal(RtpSeqVerdict.DUPLICATE);
    expect(v[7]).to.equal(RtpSeqVerdict.DUPLICATE);
    expect(s.duplicates).to.equal(2);
    expect(s.cumulativeLost).to.equal(-2);
  });

  it('detects duplicates across a wrap and forgets slots of lost packets', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    feed(s, [65534, 65535, 1, 2]); // 0 lost
    expect(s.update(0, 0, 100, 160), 'late, not a duplicate').to.equal(RtpSeqVerdict.VALID);
    expect(s.update(65535, 0, 120, 160)).to.equal(RtpSeqVerdict.DUPLICATE);
    // Slots are reused as the sequence moves on: 60 is still remembered, while a 2 arriving 128 numbers late is
    // beyond MAX_MISORDER and treated as a jump (A.1), not as a duplicate.
    feed(s, range(3, 131), 200);
    expect(s.update(130, 0, 3000, 160)).to.equal(RtpSeqVerdict.DUPLICATE);
    expect(s.update(60, 0, 3020, 160)).to.equal(RtpSeqVerdict.DUPLICATE);
    expect(s.update(2, 0, 3040, 160)).to.equal(RtpSeqVerdict.BAD);
    expect(s.duplicates).to.equal(3);
  });

  it('ignores one wild jump, and restarts on a second sequential one (source restart)', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    feed(s, range(10, 20));
    expect(s.update(40000, 0, 500, 160)).to.equal(RtpSeqVerdict.BAD);
    expect(s.update(20, 0, 520, 160)).to.equal(RtpSeqVerdict.VALID);
    expect(s.update(50000, 0, 540, 160)).to.equal(RtpSeqVerdict.BAD);
    expect(s.update(50001, 0, 560, 160)).to.equal(RtpSeqVerdict.VALID);
    expect(s.extendedHighestSeq).to.equal(50001);
    expect(s.expected).to.equal(1);
  });

  it('measures zero jitter for perfect pacing and the offset for alternating jitter (A.8)', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    feed(s, range(0, 100));
    expect(s.jitter).to.equal(0);
    const j = new RtpStreamStats({ ssrc: 2, clockRate: 8000 });
    for (let i = 0; i < 400; i++) j.update(i, i * 160, i * 20 + (i % 2 ? 5 : 0), 160);
    // |D| = 5 ms = 40 timestamp units every packet; J converges to 40.
    expect(j.jitter).to.be.closeTo(40, 0.5);
    expect(j.reportBlock(8000).jitter).to.equal(39);
  });

  it('does not see a timestamp wrap as jitter', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    for (let i = 0; i < 50; i++) s.update(i, (0xffffff00 + i * 160) >>> 0, i * 20, 160);
    expect(s.jitter).to.equal(0);
  });

  it('fills LSR and DLSR from the last SR (§6.4.1)', () => {
    const s = new RtpStreamStats({ ssrc: 1, clockRate: 8000 });
    feed(s, range(0, 10));
    expect(s.reportBlock(200).lsr).to.equal(0);
    s.noteSenderReport(0xeeabb29f, 0x91a9fbe7, 1000);
    const block = s.reportBlock(1500);
    expect(block.lsr).to.equal(0xb29f91a9);
    expect(block.dlsr).to.equal(32768); // 0.5 s in 1/65536 s
  });

  it('rejects a nonsensical clock rate', () => {
    expect(() => new RtpStreamStats({ ssrc: 1, clockRate: 0 }))
      .to.throw(RangeError)
      .with.property('code', 'RTP_STATS_INVALID');
  });
});
