/**
 * RFC 4733 telephone-events of one stream turned into DTMF events (digit, start, duration) for the sidecar.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 * §2.5.1: every packet of one event carries the event's start as its RTP timestamp and the duration so far; the
 * last one has E set and is sent three times (§2.5.1.4). A new timestamp starts a new event; an event whose end
 * packets were all lost is closed by the next one (or at the end of the stream) with the longest duration seen.
 * Packets come in sequence order (after the jitter buffer), so retransmitted ends are recognised by timestamp.
 */
import type { DtmfEvent } from '../engine/engine-protocol.js';

/** RFC 4733 §3.2 event codes 0–16. */
const DIGITS = '0123456789*#ABCD';

/** Events kept per stream at most; a hostile source must not grow memory without bound. */
export const MAX_DTMF_EVENTS = 1000;

/** The digit name of an event code. */
export function dtmfDigit(event: number): string {
  if (event < DIGITS.length) return DIGITS[event]!;
  return event === 16 ? 'flash' : `event-${event}`;
}

/** Tracks the telephone-events of one stream. */
export class DtmfTracker {
  readonly events: DtmfEvent[] = [];
  /** Payloads shorter than the 4-byte event block. */
  malformed = 0;
  /** Events beyond {@link MAX_DTMF_EVENTS}, not kept. */
  dropped = 0;
  #label: string | null;
  #channel: number;
  #clockRate: number;
  #open = false;
  #ended = false;
  #timestamp = 0;
  #event = 0;
  #duration = 0;
  #startMs = 0;

  constructor(label: string | null, channel: number, clockRate: number) {
    this.#label = label;
    this.#channel = channel;
    this.#clockRate = clockRate > 0 ? clockRate : 8000;
  }

  /** Follows a re-negotiation (label, channel or event clock rate may change). */
  reconfigure(label: string | null, channel: number, clockRate: number): void {
    this.#label = label;
    this.#channel = channel;
    this.#clockRate = clockRate > 0 ? clockRate : 8000;
  }

  /** One telephone-event payload, in sequence order, with the arrival time of its packet. */
  onPacket(payload: Uint8Array, timestamp: number, arrivalMs: number): void {
    if (payload.length < 4) {
      this.malformed++;
      return;
    }
    const event = payload[0]!;
    const end = (payload[1]! & 0x80) !== 0;
    const duration = (payload[2]! << 8) | payload[3]!;
    if (this.#open && timestamp === this.#timestamp && event === this.#event) {
      if (duration > this.#duration) this.#duration = duration;
      if (end && !this.#ended) {
        this.#ended = true;
        this.#emit();
      }
      return;
    }
    // A new event: close the previous one if its end never came.
    if (this.#open && !this.#ended) this.#emit();
    this.#open = true;
    this.#ended = end;
    this.#timestamp = timestamp;
    this.#event = event;
    this.#duration = duration;
    this.#startMs = arrivalMs;
    if (end) this.#emit();
  }

  /** Closes an event still open (end of stream, or a discontinuity). */
  flush(): void {
    if (this.#open && !this.#ended) this.#emit();
    this.#open = false;
  }

  #emit(): void {
    this.#ended = true;
    if (this.events.length >= MAX_DTMF_EVENTS) {
      this.dropped++;
      return;
    }
    this.events.push({
      digit: dtmfDigit(this.#event),
      label: this.#label,
      channel: this.#channel,
      atMs: this.#startMs,
      durationMs: Math.round((this.#duration * 1000) / this.#clockRate),
    });
  }
}
