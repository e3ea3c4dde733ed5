import { expect } from 'chai';
import {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferSink,
} from '../../../../../recorder/src/media/jitter/jitter-buffer.js';

type Event = string;

/** Records the buffer's output as short strings, e.g. "f5@800", "gap@960+160/1", "disc:ssrc". */
function recorder(): { sink: JitterBufferSink; events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    sink: {
      onFrame: (f) => events.push(`f${f.sequence}@${f.timestamp}`),
      onGap: (from, samples, lost) => events.push(`gap@${from}+${samples}/${lost}`),
      onDiscontinuity: (reason) => events.push(`disc:${reason}`),
    },
  };
}

function make(opts: Partial<JitterBufferOptions> = {}): { jb: JitterBuffer; events: Event[] } {
  const { sink, events } = recorder();
  return { jb: new JitterBuffer({ clockRate: 8000, sink, ...opts }), events };
}

const payload = (seq: number): Buffer => Buffer.alloc(160, seq & 0xff);
const SSRC = 0x1234abcd;

describe('JitterBuffer', () => {
  it('releases an in-order stream immediately, with nothing reported missing', () => {
    const { jb, events } = make();
    for (let i = 0; i < 5; i++) {
      jb.push(SSRC, 100 + i, 8000 + i * 160, i === 0, payload(i), i * 20);
      jb.poll(i * 20);
    }
    expect(events).to.deep.equal(['f100@8000', 'f101@8160', 'f102@8320', 'f103@8480', 'f104@8640']);
    expect(jb.stats).to.include({ received: 5, lost: 0, duplicates: 0, late: 0, reordered: 0 });
    expect(jb.buffered).to.equal(0);
  });

  it('puts reordered packets back in order without declaring a loss', () => {
    const { jb, events } = make();
    const arrivals = [0, 2, 1, 3, 5, 4];
    arrivals.forEach((k, i) => {
      jb.push(SSRC, 10 + k, k * 160, false, payload(k), i * 20);
      jb.poll(i * 20);
    });
    expect(events).to.deep.equal(['f10@0', 'f11@160', 'f12@320', 'f13@480', 'f14@640', 'f15@800']);
    expect(jb.stats.reordered).to.equal(2);
    expect(jb.stats.lost).to.equal(0);
  });

  it('declares a hole lost after the depth (60 ms), sized from timestamps, and counts the straggler as late', () => {
    const { jb, events } = make();
    jb.push(SSRC, 1, 0, false, payload(1), 0);
    jb.push(SSRC, 2, 160, false, payload(2), 20);
    jb.poll(20);
    jb.push(SSRC, 4, 480, false, payload(4), 60);
    jb.poll(60);
    jb.poll(119);
    expect(events).to.deep.equal(['f1@0', 'f2@160']);
    jb.poll(120);
    expect(events).to.deep.equal(['f1@0', 'f2@160', 'gap@320+160/1', 'f4@480']);
    expect(jb.push(SSRC, 3, 320, false, payload(3), 130)).to.equal('late');
    expect(jb.stats).to.include({ lost: 1, late: 1 });
  });

  it('sizes gaps from timestamps for 30 ms packets (240 samples), not an assumed 20 ms', () => {
    const { jb, events } = make();
    for (const [seq, t] of [
      [1, 0],
      [2, 30],
      [5, 120],
    ] as const) {
      jb.push(SSRC, seq, seq * 240, false, Buffer.alloc(240), t);
      jb.poll(t);
    }
    jb.poll(200);
    expect(events).to.deep.equal(['f1@240', 'f2@480', 'gap@720+480/2', 'f5@1200']);
  });

  it('drops duplicates, whether still buffered or already released', () => {
    const { jb, events } = make();
    expect(jb.push(SSRC, 1, 0, false, payload(1), 0)).to.equal('buffered');
    expect(jb.push(SSRC, 3, 320, false, payload(3), 1)).to.equal('buffered');
    expect(jb.push(SSRC, 3, 320, false, payload(3), 2)).to.equal('duplicate');
    jb.poll(2);
    expect(jb.push(SSRC, 1, 0, false, payload(1), 3)).to.equal('duplicate');
    expect(jb.stats.duplicates).to.equal(2);
    expect(events).to.deep.equal(['f1@0']);
  });

  it('copes with the 16-bit sequence wrap, reordered across it', () => {
    const { jb, events } = make();
    const order = [65533, 65534, 0, 65535, 1];
    order.forEach((seq, i) => {
      const k = (seq - 65533 + 65536) % 65536;
      jb.push(SSRC, seq, 4294967000 + k * 160, false, payload(k), i * 20);
      jb.poll(i * 20);
    });
    expect(events).to.deep.equal(['f65533@4294967000', 'f65534@4294967160', 'f65535@24', 'f0@184', 'f1@344']);
    expect(jb.stats.lost).to.equal(0);
  });

  it('on an SSRC change releases the old stream, then reports a discontinuity before the new one', () => {
    const { jb, events } = make();
    jb.push(SSRC, 1, 0, false, payload(1), 0);
    jb.push(SSRC, 3, 320, false, payload(3), 20);
    jb.push(0x99, 5000, 123456, true, payload(0), 40);
    jb.poll(40);
    expect(events).to.deep.equal(['f1@0', 'gap@160+160/1', 'f3@320', 'disc:ssrc', 'f5000@123456']);
    expect(jb.stats.ssrcChanges).to.equal(1);
  });

  it('re-syncs on a timestamp jump instead of reporting an hour of silence', () => {
    const { jb, events } = make();
    jb.push(SSRC, 1, 0, false, payload(1), 0);
    jb.push(SSRC, 2, 160 + 8000 * 3600, false, payload(2), 20);
    jb.push(SSRC, 3, 320 + 8000 * 3600, false, payload(3), 40);
    jb.poll(40);
    expect(events).to.deep.equal(['f1@0', 'disc:timestamp', 'f2@28800160', 'f3@28800320']);
  });

  it('treats a marker-bit talkspurt after DTX as silence, not loss', () => {
    const { jb, events } = make();
    jb.push(SSRC, 1, 0, false, payload(1), 0);
    jb.push(SSRC, 2, 160, false, payload(2), 20);
    jb.push(SSRC, 3, 8000, true, payload(3), 1000);
    jb.push(SSRC, 4, 8160, false, payload(4), 1020);
    jb.poll(1020);
    expect(events).to.deep.equal(['f1@0', 'f2@160', 'gap@320+7680/0', 'f3@8000', 'f4@8160']);
    expect(jb.stats.lost).to.equal(0);
  });

  it('ignores one stray packet with a wild sequence number, and restarts when the jump is confirmed', () => {
    const { jb, events } = make();
    jb.push(SSRC, 100, 0, false, payload(0), 0);
    expect(jb.push(SSRC, 30000, 999, false, payload(0), 10)).to.equal('probation');
    jb.push(SSRC, 101, 160, false, payload(1), 20);
    expect(jb.push(SSRC, 40000, 50000, false, payload(0), 30)).to.equal('probation');
    expect(jb.push(SSRC, 40001, 50160, false, payload(0), 40)).to.equal('buffered');
    jb.poll(40);
    expect(events).to.deep.equal(['f100@0', 'f101@160', 'disc:sequence', 'f40001@50160']);
  });

  it('forces the oldest packets out when a hole outlives the capacity, counting every lost packet', () => {
    const { jb, events } = make({ capacity: 8, depthMs: 1000 });
    jb.push(SSRC, 1, 0, false, payload(1), 0);
    for (let s = 3; s <= 12; s++) jb.push(SSRC, s, (s - 1) * 160, false, payload(s), s);
    jb.poll(20);
    expect(events[0]).to.equal('f1@0');
    expect(events[1]).to.equal('gap@160+160/1');
    expect(events.filter((e) => e.startsWith('f'))).to.have.length(11);
    expect(jb.stats.lost).to.equal(1);
    // A burst loss longer than the window: 100 packets (2 s) missing.
    jb.push(SSRC, 113, 112 * 160, false, payload(113), 3000);
    jb.poll(3999);
    expect(events.at(-1)).to.equal('f12@1760');
    jb.poll(4000);
    expect(events.slice(-2)).to.deep.equal([`gap@${12 * 160}+${100 * 160}/100`, `f113@${112 * 160}`]);
    expect(jb.stats.lost).to.equal(101);
  });

  it('refuses oversized payloads and computes RFC 3550 jitter from arrival times', () => {
    const { jb } = make({ maxPayloadBytes: 200 });
    expect(jb.push(SSRC, 1, 0, false, Buffer.alloc(201), 0)).to.equal('oversized');
    for (let i = 0; i < 50; i++) jb.push(SSRC, 10 + i, i * 160, false, payload(i), i * 20 + (i % 2) * 5);
    // Alternating ±5 ms (40 samples) of transit difference converges towards 40.
    expect(jb.stats.jitter).to.be.within(30, 40);
  });

  it('hands out one reused frame object whose payload holds the bytes sent', () => {
    const seen: unknown[] = [];
    const jb = new JitterBuffer({
      clockRate: 8000,
      sink: {
        onFrame: (f) => {
          seen.push(f);
          expect(f.payload.length).to.equal(3);
          expect(f.payload[0]).to.equal(f.sequence);
        },
        onGap: () => undefined,
        onDiscontinuity: () => undefined,
      },
    });
    jb.push(1, 7, 0, false, Buffer.from([7, 7, 7]), 0);
    jb.push(1, 8, 160, false, Buffer.from([8, 8, 8]), 20);
    jb.poll(20);
    expect(seen).to.have.length(2);
    expect(seen[0]).to.equal(seen[1]);
  });

  it('keeps the payloads of two streams apart while both hold reordered packets (shared payload storage)', () => {
    const got: string[] = [];
    const sinkFor = (name: string): JitterBufferSink => ({
      onFrame: (f) =>
        got.push(`${name}${f.sequence}:${f.payload.length}:${f.payload[0]}/${f.payload.at(-1)}`),
      onGap: () => undefined,
      onDiscontinuity: () => undefined,
    });
    const a = new JitterBuffer({ clockRate: 8000, sink: sinkFor('a'), capacity: 32 });
    const b = new JitterBuffer({ clockRate: 48000, sink: sinkFor('b'), capacity: 32 });
    // G.711-sized payloads on one stream, Opus-sized ones (one larger than a pooled piece) on the other; each
    // stream's next packet is missing, so everything after it waits in the buffers at the same time.
    const sizes = [100, 160, 300, 80, 1200, 160];
    a.push(1, 0, 0, false, Buffer.alloc(160, 10), 0);
    b.push(2, 0, 0, false, Buffer.alloc(sizes[0]!, 50), 0);
    for (let k = 2; k <= 5; k++) {
      a.push(1, k, k * 160, false, Buffer.alloc(160, 10 + k), k);
      b.push(2, k, k * 960, false, Buffer.alloc(sizes[k]!, 50 + k), k);
    }
    a.push(1, 1, 160, false, Buffer.alloc(160, 11), 6);
    b.push(2, 1, 960, false, Buffer.alloc(sizes[1]!, 51), 6);
    a.poll(6);
    b.poll(6);
    expect(got).to.deep.equal([
      'a0:160:10/10',
      'a1:160:11/11',
      'a2:160:12/12',
      'a3:160:13/13',
      'a4:160:14/14',
      'a5:160:15/15',
      'b0:100:50/50',
      'b1:160:51/51',
      'b2:300:52/52',
      'b3:80:53/53',
      'b4:1200:54/54',
      'b5:160:55/55',
    ]);
    expect(a.buffered + b.buffered).to.equal(0);
  });

  it('takes the payload from inside the datagram and keeps its own copy while the packet waits', () => {
    const got: number[][] = [];
    const jb = new JitterBuffer({
      clockRate: 8000,
      sink: {
        onFrame: (f) => got.push([...f.payload]),
        onGap: () => undefined,
        onDiscontinuity: () => undefined,
      },
    });
    // One datagram buffer reused for every packet: a header (12 bytes, or 20 with a header extension), the
    // payload, 2 bytes of padding.
    const datagram = Buffer.alloc(30);
    const send = (seq: number, now: number, header: number, length: number): void => {
      datagram.fill(0xee);
      datagram.fill(seq + 1, header, header + length);
      jb.push(SSRC, seq, seq * 4, false, datagram, now, header, length);
    };
    send(0, 0, 12, 4);
    send(2, 1, 20, 4); // waits for 1; the datagram is overwritten by the next packets
    send(3, 2, 12, 6);
    send(1, 3, 12, 4);
    jb.poll(3);
    send(4, 4, 12, 4);
    jb.poll(4);
    expect(got).to.deep.equal([
      [1, 1, 1, 1],
      [2, 2, 2, 2],
      [3, 3, 3, 3],
      [4, 4, 4, 4, 4, 4],
      [5, 5, 5, 5],
    ]);
  });

  it('still tells a duplicate from a late packet 100 sequence numbers back (the reorder limit)', () => {
    const { jb } = make();
    for (let k = 0; k <= 120; k++) {
      jb.push(SSRC, k, k * 160, false, payload(k), k * 20);
      jb.poll(k * 20);
    }
    // 20 was released 100 packets ago: seen, so a copy of it is a duplicate.
    expect(jb.push(SSRC, 20, 20 * 160, false, payload(20), 2500)).to.equal('duplicate');
    // 125 was never received; after 126 and 127 pass it, it is late.
    jb.push(SSRC, 126, 126 * 160, false, payload(126), 2520);
    jb.push(SSRC, 127, 127 * 160, false, payload(127), 2540);
    jb.poll(2700);
    expect(jb.push(SSRC, 125, 125 * 160, false, payload(125), 2700)).to.equal('late');
    expect(jb.stats).to.include({ duplicates: 1, late: 1 });
  });
});
