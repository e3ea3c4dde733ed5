/**
 * RFC 4733 telephone-events into DTMF events: what the sidecar's `dtmf[]` shows for the packet patterns real
 * senders produce (sip-tester's dtmf_2833 captures: updates every 20 ms, the end packet three times).
 */
import { expect } from 'chai';
import {
  DtmfTracker,
  MAX_DTMF_EVENTS,
  dtmfDigit,
} from '../../../../../recorder/src/media/receiver/dtmf-tracker.js';

/** One event payload (§2.3): event, E bit, volume 10, duration. */
function event(code: number, duration: number, end = false): Buffer {
  return Buffer.from([code, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
}

/** The packets of one key press as sip-tester's capture sends them: 7 updates, then the end three times. */
function press(t: DtmfTracker, code: number, timestamp: number, atMs: number, endDuration = 2240): void {
  for (let i = 0; i < 7; i++) t.onPacket(event(code, i * 320), timestamp, atMs + i * 20);
  for (let i = 0; i < 3; i++) t.onPacket(event(code, endDuration, true), timestamp, atMs + 140);
}

describe('DtmfTracker (RFC 4733)', () => {
  it('turns a key press with its three end packets into one event with start and duration', () => {
    const t = new DtmfTracker('caller', 0, 8000);
    press(t, 1, 13280, 1000);
    expect(t.events).to.deep.equal([
      { digit: '1', label: 'caller', channel: 0, atMs: 1000, durationMs: 280 },
    ]);
  });

  it('keeps presses apart by timestamp, including the same digit twice', () => {
    const t = new DtmfTracker('1', 0, 8000);
    press(t, 5, 1000, 0);
    press(t, 5, 9000, 1000);
    press(t, 11, 17000, 2000);
    expect(t.events.map((e) => e.digit)).to.deep.equal(['5', '5', '#']);
  });

  it('closes an event whose end packets were all lost when the next one starts, with the longest duration seen', () => {
    const t = new DtmfTracker('1', 1, 8000);
    for (let i = 1; i <= 4; i++) t.onPacket(event(9, i * 160), 500, i * 20);
    press(t, 0, 4000, 1000);
    expect(t.events.map((e) => [e.digit, e.durationMs])).to.deep.equal([
      ['9', 80],
      ['0', 280],
    ]);
  });

  it('closes an open event at the end of the stream', () => {
    const t = new DtmfTracker(null, 0, 8000);
    t.onPacket(event(10, 400), 100, 0);
    t.flush();
    expect(t.events).to.deep.equal([{ digit: '*', label: null, channel: 0, atMs: 0, durationMs: 50 }]);
  });

  it('uses the event clock rate for durations (telephone-event/48000 with Opus)', () => {
    const t = new DtmfTracker('1', 0, 48000);
    t.onPacket(event(4, 4800, true), 1, 0);
    expect(t.events[0]!.durationMs).to.equal(100);
  });

  it('names every RFC 4733 §3.2 event and counts short payloads as malformed', () => {
    expect([...Array(17).keys()].map(dtmfDigit).join(',')).to.equal('0,1,2,3,4,5,6,7,8,9,*,#,A,B,C,D,flash');
    expect(dtmfDigit(200)).to.equal('event-200');
    const t = new DtmfTracker('1', 0, 8000);
    t.onPacket(Buffer.from([1, 0x80]), 1, 0);
    expect(t.malformed).to.equal(1);
    expect(t.events).to.have.length(0);
  });

  it('keeps at most MAX_DTMF_EVENTS events from a hostile source and counts the rest', () => {
    const t = new DtmfTracker('1', 0, 8000);
    for (let i = 0; i < MAX_DTMF_EVENTS + 25; i++) t.onPacket(event(1, 160, true), i * 1000, i);
    expect(t.events).to.have.length(MAX_DTMF_EVENTS);
    expect(t.dropped).to.equal(25);
  });
});
