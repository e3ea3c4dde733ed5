/**
 * Per-source reception statistics, as RFC 3550 Appendix A computes them: sequence validation with probation and
 * cycle counting (A.1), expected/lost and the fraction lost per report interval (A.3), interarrival jitter (A.8).
 * They fill our receiver reports and the recording sidecar. No allocation per packet; the caller passes the
 * arrival time, so tests control the clock.
 */

import type { RtcpReportBlock } from './rtcp-packet.js';

/** What {@link RtpStreamStats.update} concluded about a packet. */
export const RtpSeqVerdict = {
  /** In sequence (or acceptably reordered) and new: use it. */
  VALID: 0,
  /** The source is still on probation (A.1): not yet enough sequential packets. */
  PROBATION: 1,
  /** Already received (same extended sequence number within the last 128). */
  DUPLICATE: 2,
  /** A large jump: ignored until the next packet confirms it, then the sequence restarts (A.1). */
  BAD: 3,
} as const;
export type RtpSeqVerdict = (typeof RtpSeqVerdict)[keyof typeof RtpSeqVerdict];

/** Options of {@link RtpStreamStats}. */
export interface RtpStreamStatsOptions {
  readonly ssrc: number;
  /** Codec clock rate in Hz (8000 for G.711, 16000 timestamp units… 8000 for G.722, 48000 for Opus). */
  readonly clockRate: number;
  /** Sequential packets needed before a new source is valid (A.1 MIN_SEQUENTIAL, default 2). */
  readonly minSequential?: number;
}

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const DUP_WINDOW = 128;

/** RFC 3550 Appendix A statistics of one SSRC. */
export class RtpStreamStats {
  readonly ssrc: number;
  readonly clockRate: number;
  readonly #minSequential: number;

  // A.1 state
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #probation: number;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #started = false;

  // A.8 state
  #transitValid = false;
  #lastArrivalUnits = 0;
  #lastTimestamp = 0;
  #jitter = 0;

  // Duplicate detection: one bit per extended sequence number within DUP_WINDOW of the highest.
  readonly #seen = new Uint32Array(DUP_WINDOW / 32);
  #seenHigh = -1;

  // SR bookkeeping for LSR/DLSR (§6.4.1).
  #lastSr = 0;
  #lastSrArrivalMs = 0;

  /** Packets counted by {@link update}, including probation and duplicates. */
  packets = 0;
  /** Payload bytes of those packets. */
  bytes = 0;
  duplicates = 0;
  /** Arrival time (ms, the caller's clock) of the first and the last packet; NaN before any. */
  firstArrivalMs = NaN;
  lastArrivalMs = NaN;

  constructor(options: RtpStreamStatsOptions) {
    if (!(options.clockRate > 0) || !Number.isFinite(options.clockRate)) {
      throw Object.assign(new RangeError('RTP clock rate must be a positive number'), {
        code: 'RTP_STATS_INVALID',
      });
    }
    this.ssrc = options.ssrc >>> 0;
    this.clockRate = options.clockRate;
    this.#minSequential = Math.max(1, options.minSequential ?? 2);
    this.#probation = this.#minSequential;
  }

  /**
   * Accounts for one packet of this SSRC. `arrivalMs` is the receive time in milliseconds on any monotonic clock.
   * Returns an {@link RtpSeqVerdict}.
   */
  update(seq: number, timestamp: number, arrivalMs: number, payloadBytes: number): RtpSeqVerdict {
    this.packets++;
    this.bytes += payloadBytes;
    if (this.packets === 1) this.firstArrivalMs = arrivalMs;
    this.lastArrivalMs = arrivalMs;
    if (!this.#started) {
      // A.1: init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL.
      this.#started = true;
      this.#initSeq(seq);
      this.#maxSeq = (seq - 1) & 0xffff;
      this.#probation = this.#minSequential;
    }
    const udelta = (seq - this.#maxSeq) & 0xffff;
    if (this.#probation > 0) {
      if (seq === ((this.#maxSeq + 1) & 0xffff)) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#initSeq(seq);
          this.#received++;
          this.#markSeen(this.#extendedOf(seq));
          this.#updateJitter(timestamp, arrivalMs);
          return RtpSeqVerdict.VALID;
        }
      } else {
        this.#probation = this.#minSequential - 1;
        this.#maxSeq = seq;
      }
      return RtpSeqVerdict.PROBATION;
    }
    if (udelta === 0) {
      // max_seq itself again.
      return this.#duplicate();
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      this.#maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump. If two sequential packets arrive, accept the latter as a restart (the source
      // restarted without telling us); otherwise ignore it.
      if (seq === this.#badSeq) {
        this.#initSeq(seq);
      } else {
        this.#badSeq = (seq + 1) & 0xffff;
        return RtpSeqVerdict.BAD;
      }
    } else if (this.#wasSeen(this.#extendedOf(seq))) {
      // Reordered within MAX_MISORDER, and already received.
      return this.#duplicate();
    }
    this.#received++;
    this.#markSeen(this.#extendedOf(seq));
    this.#updateJitter(timestamp, arrivalMs);
    return RtpSeqVerdict.VALID;
  }

  /** Extended highest sequence number received (A.1: cycles + max_seq). */
  get extendedHighestSeq(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** Packets expected so far (A.3); 0 while on probation. */
  get expected(): number {
    return this.#probation > 0 || !this.#started ? 0 : this.extendedHighestSeq - this.#baseSeq + 1;
  }

  /** Packets counted by the A.1 validation (after probation, duplicates included). */
  get received(): number {
    return this.#received;
  }

  /** Cumulative packets lost (A.3): expected − received; negative when duplicates outnumber losses. */
  get cumulativeLost(): number {
    return this.expected - this.#received;
  }

  /** Interarrival jitter in timestamp units (A.8). */
  get jitter(): number {
    return this.#jitter;
  }

  /** True once the source has passed probation. */
  get valid(): boolean {
    return this.#started && this.#probation === 0;
  }

  /**
   * Records an SR from this source: its NTP timestamp (seconds and fraction) and when it arrived, so the next
   * report block carries LSR and DLSR (§6.4.1).
   */
  noteSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.#lastSr = (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
    this.#lastSrArrivalMs = arrivalMs;
  }

  /**
   * A report block for this source as of `nowMs`, and the start of a new report interval (A.3: the fraction
   * lost covers the packets since the previous call).
   */
  reportBlock(nowMs: number): RtcpReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    this.#expectedPrior = expected;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const dlsr =
      this.#lastSr === 0 ? 0 : Math.max(0, Math.round(((nowMs - this.#lastSrArrivalMs) * 65536) / 1000));
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, this.cumulativeLost)),
      highestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.#jitter),
      lsr: this.#lastSr,
      dlsr,
    };
  }

  #initSeq(seq: number): void {
    // A.1 init_seq
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
    this.#seen.fill(0);
    this.#seenHigh = -1;
    this.#transitValid = false;
  }

  #updateJitter(timestamp: number, arrivalMs: number): void {
    // A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si) in timestamp units; J += (|D| - J) / 16. The timestamp difference
    // is taken modulo 2^32 so a timestamp wrap is not a jitter spike.
    const arrivalUnits = (arrivalMs * this.clockRate) / 1000;
    if (this.#transitValid) {
      const tsDelta = (timestamp - this.#lastTimestamp) | 0;
      const d = Math.abs(arrivalUnits - this.#lastArrivalUnits - tsDelta);
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#transitValid = true;
    this.#lastArrivalUnits = arrivalUnits;
    this.#lastTimestamp = timestamp >>> 0;
  }

  #duplicate(): RtpSeqVerdict {
    this.duplicates++;
    this.#received++; // §6.4.1: "received" includes duplicates, so cumulative loss may go negative.
    return RtpSeqVerdict.DUPLICATE;
  }

  /** The extended number of a packet at or behind max_seq (possibly before a wrap). */
  #extendedOf(seq: number): number {
    return this.#cycles + this.#maxSeq - ((this.#maxSeq - seq) & 0xffff);
  }

  #wasSeen(ext: number): boolean {
    if (this.#seenHigh < 0 || ext > this.#seenHigh || this.#seenHigh - ext >= DUP_WINDOW) return false;
    const bit = ext % DUP_WINDOW;
    return (this.#seen[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  #markSeen(ext: number): void {
    if (ext > this.#seenHigh) {
      // Slots of the numbers skipped on the way (lost so far) are reused: clear them.
      if (this.#seenHigh < 0 || ext - this.#seenHigh >= DUP_WINDOW) {
        this.#seen.fill(0);
      } else {
        for (let e = this.#seenHigh + 1; e <= ext; e++) {
          const bit = e % DUP_WINDOW;
          this.#seen[bit >>> 5]! &= ~(1 << (bit & 31));
        }
      }
      this.#seenHigh = ext;
    } else if (this.#seenHigh - ext >= DUP_WINDOW) {
      return;
    }
    const bit = ext % DUP_WINDOW;
    this.#seen[bit >>> 5]! |= 1 << (bit & 31);
  }
}
