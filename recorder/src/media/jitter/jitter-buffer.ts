/**
 * Per-stream reorder/jitter buffer keyed on RTP sequence number and timestamp (RFC 3550 §5.1, App. A.1).
 *
 * Packets are held for up to `depthMs` after their arrival so that late ones can be put back in order;
 * the next expected packet is released as soon as it is there. When the head of the line is still missing
 * after the depth, the hole is declared lost and reported with its length in samples, taken from the RTP
 * timestamps rather than an assumed 20 ms. Duplicates and packets that come after their slot was released
 * are dropped and counted. An SSRC change, a sequence jump (confirmed by a second packet, as in App. A.1)
 * or a timestamp jump is reported as a discontinuity, so the caller re-anchors on the wall clock instead of
 * inserting hours of silence.
 *
 * No timers: the caller drives time through `push(…, now)` and `poll(now)`. Nothing is allocated per packet
 * once the slot pool is warm: packets are copied into pooled buffers, and released frames are handed out
 * through one reused {@link JitterFrame} object that is only valid during the callback.
 */

/** A released frame. The object and its payload are reused: copy what you keep beyond the callback. */
export interface JitterFrame {
  payload: Buffer;
  ssrc: number;
  sequence: number;
  /** Sequence number extended with wrap cycles (monotonic within one SSRC). */
  extendedSequence: number;
  timestamp: number;
  marker: boolean;
  /** Wall-clock arrival time (ms) given to `push`. */
  arrivalMs: number;
}

/** Why the stream lost continuity before the next frame. */
export type DiscontinuityReason = 'ssrc' | 'sequence' | 'timestamp';

/** Receives the buffer's output, in order. */
export interface JitterBufferSink {
  /** The next frame in sequence order. */
  onFrame(frame: JitterFrame): void;
  /**
   * Audio missing before the next frame: `samples` (RTP clock units) starting at `fromTimestamp`.
   * `lostPackets` is 0 for a silence gap between talkspurts (DTX: sequence contiguous, timestamps jump).
   */
  onGap(fromTimestamp: number, samples: number, lostPackets: number): void;
  /** The next frame does not continue the previous timeline; place it by its arrival time. */
  onDiscontinuity(reason: DiscontinuityReason): void;
}

/** Options of {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /** RTP clock rate of the payload format (8000 for G.722 too, 48000 for Opus). */
  readonly clockRate: number;
  readonly sink: JitterBufferSink;
  /** How long a packet may wait for a missing predecessor, ms; default 60. */
  readonly depthMs?: number;
  /** Packets held at most (power of two); beyond it the oldest are forced out. Default 64. */
  readonly capacity?: number;
  /** A timestamp step larger than this (ms) is a jump, not silence; default 3000. */
  readonly maxGapMs?: number;
  /** Larger payloads are refused; default 4096 bytes. */
  readonly maxPayloadBytes?: number;
}

/** What `push` did with a packet. */
export type PushResult = 'buffered' | 'duplicate' | 'late' | 'probation' | 'oversized';

/** Counters for the sidecar and metrics. */
export interface JitterStats {
  received: number;
  duplicates: number;
  late: number;
  lost: number;
  reordered: number;
  discontinuities: number;
  ssrcChanges: number;
  oversized: number;
  /** Interarrival jitter (RFC 3550 §6.4.1), in RTP clock units. */
  jitter: number;
}

/** RFC 3550 App. A.1 limits. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/**
 * Recently received extended sequence numbers, to tell duplicates from late packets. A packet more than
 * MAX_MISORDER behind the highest one is a jump (probation), never looked up here, so a ring just above
 * MAX_MISORDER tells every case apart: 512 bytes per stream instead of 8 KiB.
 */
const SEEN_RING = 128;

/**
 * Packet storage, shared by every buffer of the thread (a media worker runs one event loop). In-order packets
 * are released as soon as they arrive, so a stream holds storage only while a packet waits for a missing
 * predecessor: most of the time none. A G.711 datagram (172 B, 182 under SRTP) and common Opus ones fit a pooled
 * piece; larger ones get their own buffer, dropped on release.
 */
const POOLED_PACKET_BYTES = 256;
/** Pieces kept for reuse (1 MiB): far more than the packets all streams of a worker hold at once. */
const POOL_LIMIT = 4096;

/**
 * Storage for one datagram, with a view of its payload that is reused while the payload's place stays the same
 * (it does for the whole of a stream, whose header length does not change).
 */
class Piece {
  view: Buffer;
  viewOffset = 0;
  constructor(readonly buf: Buffer) {
    this.view = buf.subarray(0, 0);
  }
}

const piecePool: Piece[] = [];
const NO_PIECE = new Piece(Buffer.alloc(0));

class Slot {
  ext = -1;
  sequence = 0;
  timestamp = 0;
  marker = false;
  arrivalMs = 0;
  piece: Piece = NO_PIECE;

  /** Keeps a copy of `packet`, whose payload is the `length` bytes from `offset`. */
  store(packet: Buffer, offset: number, length: number): void {
    const size = packet.length;
    let piece = this.piece;
    if (piece.buf.length < size) {
      piece =
        size <= POOLED_PACKET_BYTES
          ? (piecePool.pop() ?? new Piece(Buffer.allocUnsafe(POOLED_PACKET_BYTES)))
          : new Piece(Buffer.allocUnsafe(size));
      this.piece = piece;
    }
    // The whole datagram, with TypedArray#set: copying only the payload (Buffer#copy from an offset, or a view
    // to set from) would make an object per packet, and a byte loop is slower than the memcpy.
    piece.buf.set(packet);
    if (piece.viewOffset !== offset || piece.view.length !== length) {
      piece.view = piece.buf.subarray(offset, offset + length);
      piece.viewOffset = offset;
    }
  }

  /** Gives the storage back once the frame has been handed on (its payload is valid only in the callback). */
  recycle(): void {
    const piece = this.piece;
    if (piece.buf.length === POOLED_PACKET_BYTES && piecePool.length < POOL_LIMIT) piecePool.push(piece);
    this.piece = NO_PIECE;
  }
}

/** Reorder/jitter buffer for one received RTP stream. */
export class JitterBuffer {
  readonly stats: JitterStats = {
    received: 0,
    duplicates: 0,
    late: 0,
    lost: 0,
    reordered: 0,
    discontinuities: 0,
    ssrcChanges: 0,
    oversized: 0,
    jitter: 0,
  };
  readonly #sink: JitterBufferSink;
  readonly #clockRate: number;
  readonly #depthMs: number;
  readonly #maxGap: number;
  readonly #maxPayload: number;
  readonly #mask: number;
  readonly #ring: Slot[];
  readonly #seen = new Int32Array(SEEN_RING).fill(-1);
  readonly #frame: JitterFrame = {
    payload: Buffer.alloc(0),
    ssrc: 0,
    sequence: 0,
    extendedSequence: 0,
    timestamp: 0,
    marker: false,
    arrivalMs: 0,
  };
  #started = false;
  #ssrc = 0;
  #maxExt = 0;
  #nextExt = 0;
  #lastExt = -1;
  #buffered = 0;
  #probe = -1;
  #released = false;
  #lastTs = 0;
  #frameSamples = 0;
  #pendingDiscontinuity: DiscontinuityReason | undefined;
  #lastTransit = 0;
  #haveTransit = false;

  constructor(options: JitterBufferOptions) {
    const capacity = options.capacity ?? 64;
    if (!Number.isInteger(capacity) || capacity < 4 || (capacity & (capacity - 1)) !== 0 || capacity > 512) {
      throw new RangeError('capacity must be a power of two between 4 and 512');
    }
    if (!(options.clockRate > 0)) throw new RangeError('clockRate must be positive');
    this.#sink = options.sink;
    this.#clockRate = options.clockRate;
    this.#depthMs = options.depthMs ?? 60;
    this.#maxGap = ((options.maxGapMs ?? 3000) * options.clockRate) / 1000;
    this.#maxPayload = options.maxPayloadBytes ?? 4096;
    this.#mask = capacity - 1;
    this.#ring = Array.from({ length: capacity }, () => new Slot());
  }

  /** Packets currently held. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Offers one authenticated RTP packet, arrived at wall-clock `now` (ms). Its payload is the `payloadLength`
   * bytes of `packet` from `payloadOffset` (the whole of `packet` by default): the receive path passes the
   * datagram itself rather than a view of its payload, which would be an object per packet.
   */
  push(
    ssrc: number,
    sequence: number,
    timestamp: number,
    marker: boolean,
    packet: Buffer,
    now: number,
    payloadOffset = 0,
    payloadLength = packet.length - payloadOffset,
  ): PushResult {
    this.stats.received++;
    if (payloadLength > this.#maxPayload) {
      this.stats.oversized++;
      return 'oversized';
    }
    if (!this.#started || ssrc !== this.#ssrc) {
      if (this.#started) {
        this.flush();
        this.stats.ssrcChanges++;
        this.#restart(ssrc, sequence, 'ssrc');
      } else {
        this.#started = true;
        this.#restart(ssrc, sequence, undefined);
      }
    }
    let delta = (sequence - (this.#maxExt & 0xffff)) & 0xffff;
    if (delta >= 0x8000) delta -= 0x10000;
    if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
      // A jump: believe it only when the next packet follows it (RFC 3550 App. A.1 probation).
      if (this.#probe !== sequence) {
        this.#probe = (sequence + 1) & 0xffff;
        return 'probation';
      }
      this.flush();
      this.#restart(ssrc, sequence, 'sequence');
      delta = 0;
    }
    this.#probe = -1;
    const ext = this.#maxExt + delta;
    if (ext < this.#nextExt) {
      if (this.#seen[ext % SEEN_RING] === ext) {
        this.stats.duplicates++;
        return 'duplicate';
      }
      this.stats.late++;
      return 'late';
    }
    if (this.#seen[ext % SEEN_RING] === ext || this.#ring[ext & this.#mask]!.ext === ext) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    this.#updateJitter(timestamp, now);
    if (ext < this.#maxExt) this.stats.reordered++;
    // No room in the window: force the oldest out; holes skipped over are counted as lost on release.
    while (ext - this.#nextExt > this.#mask) {
      if (this.#buffered > 0) this.#release(this.#head());
      else this.#nextExt = ext - this.#mask;
    }
    const slot = this.#ring[ext & this.#mask]!;
    slot.ext = ext;
    slot.sequence = sequence;
    slot.timestamp = timestamp >>> 0;
    slot.marker = marker;
    slot.arrivalMs = now;
    slot.store(packet, payloadOffset, payloadLength);
    this.#seen[ext % SEEN_RING] = ext;
    if (ext > this.#maxExt) this.#maxExt = ext;
    this.#buffered++;
    return 'buffered';
  }

  /** Releases whatever is due at wall-clock `now`: frames in order, and holes older than the depth as gaps. */
  poll(now: number): void {
    while (this.#buffered > 0) {
      const next = this.#ring[this.#nextExt & this.#mask]!;
      if (next.ext === this.#nextExt) {
        this.#release(next);
        continue;
      }
      const head = this.#head();
      if (now - head.arrivalMs < this.#depthMs) break;
      this.#release(head);
    }
  }

  /** Releases everything held, in order (end of stream, or before an SSRC change). */
  flush(): void {
    while (this.#buffered > 0) this.#release(this.#head());
  }

  #restart(ssrc: number, sequence: number, reason: DiscontinuityReason | undefined): void {
    this.#ssrc = ssrc;
    // Start extended numbers at 2^16 so that a reordered predecessor of the first packet stays ≥ 0.
    this.#maxExt = 0x10000 + sequence;
    this.#nextExt = this.#maxExt;
    this.#lastExt = this.#maxExt - 1;
    this.#released = false;
    this.#frameSamples = 0;
    this.#haveTransit = false;
    this.#seen.fill(-1);
    if (reason) {
      this.stats.discontinuities++;
      this.#pendingDiscontinuity = reason;
    }
  }

  #head(): Slot {
    for (let ext = this.#nextExt; ext <= this.#maxExt; ext++) {
      const slot = this.#ring[ext & this.#mask]!;
      if (slot.ext === ext) return slot;
    }
    // Unreachable while #buffered > 0; keeps the type honest.
    throw new Error('jitter buffer bookkeeping broken');
  }

  #release(slot: Slot): void {
    const sink = this.#sink;
    const lostPackets = slot.ext - this.#lastExt - 1;
    if (this.#pendingDiscontinuity) {
      const reason = this.#pendingDiscontinuity;
      this.#pendingDiscontinuity = undefined;
      sink.onDiscontinuity(reason);
    } else if (this.#released) {
      const step = (slot.timestamp - this.#lastTs) | 0;
      if (step < 0 || step > this.#maxGap) {
        this.stats.discontinuities++;
        sink.onDiscontinuity('timestamp');
      } else {
        // Length of the last released frame: known from earlier contiguous pairs, else shared evenly.
        const frame = this.#frameSamples > 0 ? this.#frameSamples : Math.round(step / (lostPackets + 1));
        const gap = step - frame;
        if (gap > 0) sink.onGap((this.#lastTs + frame) >>> 0, gap, lostPackets);
        if (lostPackets === 0 && !slot.marker && step > 0) this.#frameSamples = step;
      }
    }
    this.stats.lost += lostPackets;
    const f = this.#frame;
    f.payload = slot.piece.view;
    f.ssrc = this.#ssrc;
    f.sequence = slot.sequence;
    f.extendedSequence = slot.ext;
    f.timestamp = slot.timestamp;
    f.marker = slot.marker;
    f.arrivalMs = slot.arrivalMs;
    this.#lastTs = slot.timestamp;
    this.#released = true;
    this.#nextExt = slot.ext + 1;
    this.#lastExt = slot.ext;
    slot.ext = -1;
    this.#buffered--;
    sink.onFrame(f);
    slot.recycle();
  }

  /** RFC 3550 App. A.8: J += (|D| - J) / 16, with D from arrival and RTP timestamp differences. */
  #updateJitter(timestamp: number, now: number): void {
    const arrival = (now * this.#clockRate) / 1000;
    const transit = arrival - (timestamp >>> 0);
    if (this.#haveTransit) {
      let d = transit - this.#lastTransit;
      // Timestamp wrap between the two packets.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.stats.jitter += (Math.abs(d) - this.stats.jitter) / 16;
    }
    this.#lastTransit = transit;
    this.#haveTransit = true;
  }
}
