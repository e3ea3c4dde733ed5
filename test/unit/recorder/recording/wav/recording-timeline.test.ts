import { expect } from 'chai';
import {
  RecordingTimeline,
  type RecordingTimelineOptions,
  type TimelineSink,
} from '../../../../../recorder/src/recording/wav/recording-timeline.js';

/** Collects the interleaved output, de-interleaved per channel. */
class CollectSink implements TimelineSink {
  readonly data: number[][];
  constructor(channels: number) {
    this.data = Array.from({ length: channels }, () => []);
  }
  write(samples: Int16Array, frames: number): void {
    const n = this.data.length;
    for (let f = 0; f < frames; f++) for (let c = 0; c < n; c++) this.data[c]!.push(samples[f * n + c]!);
  }
}

function timeline(channels: number, extra: Partial<RecordingTimelineOptions> = {}) {
  const sink = new CollectSink(channels);
  const tl = new RecordingTimeline({ channels, sampleRate: 8000, startMs: 0, sink, ...extra });
  return { tl, sink };
}

const frame = (value: number, n = 160): Int16Array => new Int16Array(n).fill(value);

/** Index of the first sample equal to `value`, and the end of the run of `value` samples it starts. */
function firstRun(data: number[], value: number): [number, number] {
  const start = data.indexOf(value);
  let end = start;
  while (end < data.length && data[end] === value) end++;
  return [start, end];
}

describe('RecordingTimeline', () => {
  it('aligns two channels that start at different times on the wall clock; the file lasts the call', () => {
    const { tl, sink } = timeline(2);
    for (let t = 0; t < 2000; t += 20) {
      if (t >= 100)
        tl.write(0, frame(1000), 160, {
          rtpTimestamp: 5000 + (t - 100) * 8,
          clockRate: 8000,
          sampleRate: 8000,
          arrivalMs: t,
        });
      if (t >= 500)
        tl.write(1, frame(2000), 160, {
          rtpTimestamp: 90 + (t - 500) * 8,
          clockRate: 8000,
          sampleRate: 8000,
          arrivalMs: t,
        });
      tl.tick(t);
    }
    expect(tl.close(2000)).to.equal(16000);
    expect(sink.data[0]!.length).to.equal(16000);
    expect(firstRun(sink.data[0]!, 1000)).to.deep.equal([800, 16000]);
    expect(firstRun(sink.data[1]!, 2000)).to.deep.equal([4000, 16000]);
    expect(sink.data[1]!.slice(0, 4000).every((v) => v === 0)).to.equal(true);
  });

  it('writes silence for a stream that never sends, next to one whose audio arrives in one late burst', () => {
    const { tl, sink } = timeline(3, { latencyMs: 400, blockMs: 100, resyncMs: 1000 });
    for (let t = 0; t < 3000; t += 20) {
      // Channel 0 is steady; channel 2 goes quiet at 1 s and its next 400 ms arrive at once at 1.38 s (a stall
      // at the sender): the burst is placed by timestamp, ahead of where the others have been written.
      tl.write(0, frame(1000), 160, { rtpTimestamp: t * 8, clockRate: 8000, sampleRate: 8000, arrivalMs: t });
      if (t < 1000 || t >= 1400)
        tl.write(2, frame(3000), 160, {
          rtpTimestamp: t * 8,
          clockRate: 8000,
          sampleRate: 8000,
          arrivalMs: t,
        });
      if (t === 1380) {
        for (let b = 1000; b < 1400; b += 20)
          tl.write(2, frame(3000), 160, {
            rtpTimestamp: b * 8,
            clockRate: 8000,
            sampleRate: 8000,
            arrivalMs: t,
          });
      }
      tl.tick(t);
    }
    expect(tl.close(3000)).to.equal(24000);
    expect(sink.data[1]!.every((v) => v === 0)).to.equal(true);
    expect(firstRun(sink.data[0]!, 1000)).to.deep.equal([0, 24000]);
    expect(firstRun(sink.data[2]!, 3000)).to.deep.equal([0, 24000]);
  });

  it('turns a hold (no packets for 2 s, new SSRC afterwards) into exactly 2 s of silence', () => {
    const { tl, sink } = timeline(1);
    for (let t = 0; t < 1000; t += 20) {
      tl.write(0, frame(500), 160, { rtpTimestamp: t * 8, clockRate: 8000, sampleRate: 8000, arrivalMs: t });
    }
    for (let t = 1000; t < 3000; t += 20) tl.tick(t);
    tl.discontinuity(0);
    for (let t = 3000; t < 4000; t += 20) {
      tl.write(0, frame(700), 160, {
        rtpTimestamp: 777777 + t * 8,
        clockRate: 8000,
        sampleRate: 8000,
        arrivalMs: t,
      });
      tl.tick(t);
    }
    tl.close(4000);
    const d = sink.data[0]!;
    expect(d.length).to.equal(32000);
    expect(firstRun(d, 500)).to.deep.equal([0, 8000]);
    expect(d.slice(8000, 24000).every((v) => v === 0)).to.equal(true);
    expect(firstRun(d, 700)).to.deep.equal([24000, 32000]);
  });

  it('places audio after a hold by the wall clock even when the sender froze its RTP timestamps', () => {
    const { tl, sink } = timeline(1);
    for (let t = 0; t < 1000; t += 20) {
      tl.write(0, frame(500), 160, { rtpTimestamp: t * 8, clockRate: 8000, sampleRate: 8000, arrivalMs: t });
    }
    // Resumes at 3 s with timestamps continuing from 1 s: the offset persists, so the channel re-anchors.
    for (let t = 3000; t < 4000; t += 20) {
      tl.write(0, frame(700), 160, {
        rtpTimestamp: (t - 2000) * 8,
        clockRate: 8000,
        sampleRate: 8000,
        arrivalMs: t,
      });
      tl.tick(t);
    }
    tl.close(4000);
    const d = sink.data[0]!;
    // The frames that showed the offset were held back until it was confirmed, then placed from the first.
    expect(firstRun(d, 700)).to.deep.equal([24000, 32000]);
    expect(d.slice(8000, 24000).every((v) => v === 0)).to.equal(true);
    expect(tl.stats(0).reanchors).to.equal(1);
  });

  it('keeps placing by timestamp through a 200 ms network stall followed by a burst', () => {
    const { tl, sink } = timeline(1);
    for (let k = 0; k < 100; k++) {
      const sent = k * 20;
      // Packets sent between 1000 and 1200 ms are stuck until 1200 ms, then arrive together.
      const arrival = sent >= 1000 && sent < 1200 ? 1200 + (sent - 1000) / 100 : sent;
      tl.write(0, frame(k + 1), 160, {
        rtpTimestamp: sent * 8,
        clockRate: 8000,
        sampleRate: 8000,
        arrivalMs: arrival,
      });
      tl.tick(arrival);
    }
    tl.close(2000);
    const d = sink.data[0]!;
    for (let k = 0; k < 100; k++)
      expect(firstRun(d, k + 1), `frame ${k}`).to.deep.equal([k * 160, (k + 1) * 160]);
    expect(tl.stats(0).reanchors).to.equal(0);
  });

  it('fills loss and DTX gaps from RTP timestamps, and drops audio that comes after its slot was written', () => {
    const { tl, sink } = timeline(2, { latencyMs: 100, blockMs: 100 });
    const info = (ts: number, t: number) => ({
      rtpTimestamp: ts,
      clockRate: 8000,
      sampleRate: 8000,
      arrivalMs: t,
    });
    tl.write(0, frame(100), 160, info(0, 0));
    tl.write(0, frame(101), 160, info(480, 60)); // two frames lost
    tl.write(0, frame(102), 160, info(8000, 1000)); // DTX: 0.94 s of silence
    tl.tick(1000);
    tl.write(1, frame(9), 160, info(0, 40)); // channel 1 far too late for t = 40 ms
    tl.close(1020);
    const d = sink.data[0]!;
    expect(firstRun(d, 100)).to.deep.equal([0, 160]);
    expect(d.slice(160, 480).every((v) => v === 0)).to.equal(true);
    expect(firstRun(d, 101)).to.deep.equal([480, 640]);
    expect(firstRun(d, 102)).to.deep.equal([8000, 8160]);
    expect(tl.stats(1).lateSamplesDropped).to.equal(160);
    expect(sink.data[1]!.every((v) => v === 0)).to.equal(true);
  });

  it('keeps every sample of a channel buffered ahead of a late one in place, and silence in its gaps stays silent', () => {
    // Channel 0 runs 300 ms ahead of channel 1's first audio, so blocks go out while later audio of channel 0 waits
    // in its buffer; a 200 ms DTX pause then lands where earlier audio sat: it must come out as zeros.
    const { tl, sink } = timeline(2, { latencyMs: 400, blockMs: 100 });
    const expected = new Array<number>(24000).fill(0);
    for (let t = 0; t < 3000; t += 20) {
      const value = 1 + ((t / 20) % 97);
      if (t < 600 || t >= 800) {
        tl.write(0, frame(value), 160, {
          rtpTimestamp: t * 8,
          clockRate: 8000,
          sampleRate: 8000,
          arrivalMs: t,
        });
        expected.fill(value, t * 8, t * 8 + 160);
      }
      if (t >= 300)
        tl.write(1, frame(7), 160, { rtpTimestamp: t * 8, clockRate: 8000, sampleRate: 8000, arrivalMs: t });
      tl.tick(t);
    }
    expect(tl.close(3000)).to.equal(24000);
    expect(sink.data[0]).to.deep.equal(expected);
    expect(firstRun(sink.data[1]!, 7)).to.deep.equal([2400, 24000]);
  });

  it('pause() and resume() write silence for the paused span and keep the length', () => {
    const { tl, sink } = timeline(1);
    for (let t = 0; t < 3000; t += 20) {
      if (t === 1000) tl.pause(t);
      if (t === 2000) tl.resume(t);
      tl.write(0, frame(300), 160, { rtpTimestamp: t * 8, clockRate: 8000, sampleRate: 8000, arrivalMs: t });
      tl.tick(t);
    }
    tl.close(3000);
    const d = sink.data[0]!;
    expect(d.length).to.equal(24000);
    expect(firstRun(d, 300)).to.deep.equal([0, 8000]);
    expect(d.slice(8000, 16000).every((v) => v === 0)).to.equal(true);
    expect(d.slice(16000).every((v) => v === 300)).to.equal(true);
    expect(tl.stats(0).pausedFrames).to.equal(50);
  });

  it('mixes a G.722 channel (16 kHz audio, 8 kHz RTP clock) with a resampled G.711 channel at 16 kHz', () => {
    const sink = new CollectSink(2);
    const tl = new RecordingTimeline({ channels: 2, sampleRate: 16000, startMs: 0, sink });
    for (let t = 0; t < 1000; t += 20) {
      tl.write(0, frame(1000, 320), 320, {
        rtpTimestamp: t * 8,
        clockRate: 8000,
        sampleRate: 16000,
        arrivalMs: t,
      });
      tl.write(1, frame(1000, 160), 160, {
        rtpTimestamp: t * 8,
        clockRate: 8000,
        sampleRate: 8000,
        arrivalMs: t,
      });
    }
    tl.close(1000);
    expect(sink.data[0]!.length).to.equal(16000);
    expect(firstRun(sink.data[0]!, 1000)).to.deep.equal([0, 16000]);
    // The resampled channel settles on the same level within the resampler's group delay (< 1 ms).
    expect(sink.data[1]!.slice(200, 15800).every((v) => Math.abs(v - 1000) <= 1)).to.equal(true);
  });

  it('keeps two channels with ±0.1 % sender clock drift aligned within 20 ms over a simulated hour', function () {
    this.timeout(60000);
    const rate = 8000;
    const markers: number[][] = [[], []];
    const sink: TimelineSink = {
      // Marker frames (value 30000) are 20 ms long; record where each run starts.
      write(samples, frames) {
        for (let f = 0; f < frames; f++) {
          for (let c = 0; c < 2; c++) {
            const v = samples[f * 2 + c]!;
            const prev = this.prev[c];
            if (v === 30000 && prev !== 30000) markers[c]!.push(this.pos + f);
            this.prev[c] = v;
          }
        }
        this.pos += frames;
      },
      pos: 0,
      prev: [0, 0],
    } as TimelineSink & { pos: number; prev: number[] };
    const tl = new RecordingTimeline({ channels: 2, sampleRate: rate, startMs: 0, sink });
    const hourMs = 3600 * 1000;
    const drift = [1.001, 0.999];
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const next = [0, 0];
    const loud = frame(5000);
    const quiet = frame(50);
    const mark = frame(30000);
    let nextTick = 0;
    for (;;) {
      // The channel whose next frame is due first (real time of frame k is 20·k / drift ms).
      const c = next[0]! / drift[0]! <= next[1]! / drift[1]! ? 0 : 1;
      const k = next[c]!;
      const realMs = (20 * k) / drift[c]!;
      if (realMs >= hourMs) break;
      const arrival = realMs + 20 + random() * 30;
      while (nextTick <= arrival) (tl.tick(nextTick), (nextTick += 20));
      // Markers every 60 s of real time; otherwise 3 s of "speech" then 1 s of quiet.
      const phase = realMs % 60000;
      const pcm = phase < 20 ? mark : realMs % 4000 < 3000 ? loud : quiet;
      tl.write(c, pcm, 160, {
        rtpTimestamp: (1000 * c + 160 * k) >>> 0,
        clockRate: rate,
        sampleRate: rate,
        arrivalMs: arrival,
      });
      next[c] = k + 1;
    }
    expect(tl.close(hourMs)).to.equal(3600 * rate);
    expect(markers[0]).to.have.length(60);
    expect(markers[1]).to.have.length(60);
    let worst = 0;
    for (let i = 0; i < 60; i++) {
      // Each marker belongs at i minutes (+ the 20 ms minimum network delay, common to both channels).
      const expected = (i * 60000 + 20) * 8;
      worst = Math.max(worst, Math.abs(markers[0]![i]! - expected), Math.abs(markers[1]![i]! - expected));
      expect(Math.abs(markers[0]![i]! - markers[1]![i]!), `minute ${i}`).to.be.at.most(160);
    }
    expect(worst / 8, 'worst distance from the wall clock, ms').to.be.at.most(20);
    expect(tl.stats(0).driftSamplesDropped).to.be.within(27000, 30000);
    expect(tl.stats(1).driftSamplesInserted).to.be.within(27000, 30000);
  });
});
