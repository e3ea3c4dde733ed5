import { expect } from 'chai';
import { SipParseError } from '../../../../../recorder/src/sip/message/parse-error.js';
import { parseSipMessage } from '../../../../../recorder/src/sip/message/parser.js';
import { serializeSipMessage } from '../../../../../recorder/src/sip/message/serializer.js';
import { fixture, vector } from '../support.js';

/** A small deterministic PRNG (xorshift32) so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Parses and classifies: a message, or a SipParseError. Anything else thrown fails the test. */
function outcome(data: Buffer, stream = false): string {
  try {
    const msg = parseSipMessage(data, { stream });
    // Whatever parsed must serialize and parse again to the same headers.
    const again = parseSipMessage(serializeSipMessage(msg), { stream: true });
    // Content-Length is rewritten from the body and moved last; every other row must survive unchanged.
    const rows = (m: typeof msg) => [...m.headers.entries()].filter(([n]) => n !== 'Content-Length');
    expect(rows(again)).to.deep.equal(rows(msg));
    expect(again.body.equals(msg.body)).to.equal(true);
    return 'ok';
  } catch (err) {
    if (err instanceof SipParseError) {
      expect(err.status).to.be.oneOf([400, 413, 505]);
      return err.code;
    }
    throw err;
  }
}

/**
 * Best of five runs, in ms: the bound is about the algorithm (linear, bounded), and the best run filters
 * out the scheduling noise of a loaded CI machine.
 */
function timed(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const HEAD = [
  'INVITE sip:srs@198.51.100.1 SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKhostile',
  'From: <sip:src@192.0.2.10>;tag=h1',
  'To: <sip:srs@198.51.100.1>',
  'Call-ID: hostile-1',
  'CSeq: 1 INVITE',
].join('\r\n');

describe('parseSipMessage on hostile input', () => {
  it('never throws anything but SipParseError on 3000 random byte strings', () => {
    const rnd = prng(0x5151);
    const codes = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const len = rnd() % 2048;
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = rnd() & 0xff;
      codes.add(outcome(buf));
    }
    expect(codes.has('ok')).to.equal(false);
  });

  it('never throws anything but SipParseError on 5000 mutations of real INVITEs', () => {
    const seeds = [
      vector('gotest-audiocodes-mediant-ve-7.20A-full-invite.sip'),
      vector('vorpal-oracle-genesys-4stream-invite.sip'),
      fixture('compact-forms-invite.sip'),
      fixture('folded-headers-invite.sip'),
      fixture('lf-only-options.sip'),
    ];
    const rnd = prng(0xc0ffee);
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const seed = seeds[i % seeds.length]!;
      const buf = Buffer.from(seed);
      const mutations = 1 + (rnd() % 8);
      for (let m = 0; m < mutations; m++) {
        const pos = rnd() % buf.length;
        switch (rnd() % 4) {
          case 0:
            buf[pos] = rnd() & 0xff;
            break;
          case 1:
            buf[pos] = [0x0d, 0x0a, 0x3a, 0x20, 0x3b, 0x2c, 0x3c, 0x22][rnd() % 8]!;
            break;
          case 2:
            buf.copyWithin(pos, (pos + 1) % buf.length);
            break;
          default:
            buf[pos] = 0x00;
        }
      }
      const cut = rnd() % 3 === 0 ? buf.subarray(0, rnd() % buf.length) : buf;
      seen.add(outcome(cut, i % 2 === 0));
    }
    // The mutations hit both sides: some still parse, many are rejected with various codes.
    expect(seen.has('ok')).to.equal(true);
    expect(seen.size).to.be.greaterThan(4);
  });

  it('10 000 headers → 413 Too Many Headers, quickly', () => {
    const data = Buffer.from(`${HEAD}\r\n${'X-Filler: a\r\n'.repeat(10000)}\r\n`);
    let code = '';
    const ms = timed(() => (code = outcome(data)));
    expect(code).to.equal('SIP_PARSE_TOO_MANY_HEADERS');
    expect(ms).to.be.lessThan(1000);
  });

  it('a 1 MiB header section → 413, reading at most the 64 KiB limit', () => {
    const data = Buffer.from(`${HEAD}\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`);
    let err: SipParseError | undefined;
    const ms = timed(() => {
      try {
        parseSipMessage(data);
      } catch (e) {
        err = e as SipParseError;
      }
    });
    expect(err?.code).to.equal('SIP_PARSE_HEADERS_TOO_LARGE');
    expect(err?.status).to.equal(413);
    // The headers before the oversized one are still available for an answer.
    expect(err?.partial.headers.get('Call-ID')).to.equal('hostile-1');
    expect(ms).to.be.lessThan(1000);
  });

  it('1 MiB of one endless line without LF, and 200 000 folded continuation lines, stay bounded', () => {
    const endless = Buffer.alloc(1024 * 1024, 0x41);
    let code = '';
    let ms = timed(() => (code = outcome(endless)));
    expect(code).to.equal('SIP_PARSE_HEADERS_TOO_LARGE');
    expect(ms).to.be.lessThan(1000);
    const folded = Buffer.from(`${HEAD}\r\nSubject: x\r\n${' y\r\n'.repeat(200000)}\r\n`);
    ms = timed(() => (code = outcome(folded)));
    expect(code).to.equal('SIP_PARSE_HEADERS_TOO_LARGE');
    expect(ms).to.be.lessThan(1000);
  });

  it('Content-Length -1 and 99999999999 are 400 Bad Content-Length', () => {
    for (const cl of ['-1', '99999999999', '1e3', '0x10', '']) {
      const err = (() => {
        try {
          parseSipMessage(Buffer.from(`${HEAD}\r\nContent-Length: ${cl}\r\n\r\nbody`));
        } catch (e) {
          return e as SipParseError;
        }
        return undefined;
      })();
      expect(err?.code, cl).to.equal('SIP_PARSE_CONTENT_LENGTH');
      expect(err?.reason).to.equal('Bad Content-Length');
    }
  });

  // Speed is measured by bench/invite-path; this only catches a blow-up (super-linear parsing), with room for
  // a loaded CI host.
  it('parses a 4 KB INVITE in a few milliseconds at most on average', () => {
    const raw = vector('gotest-audiocodes-mediant-ve-7.20A-full-invite.sip');
    const n = 200;
    const ms = timed(() => {
      for (let i = 0; i < n; i++) parseSipMessage(raw);
    });
    expect(ms / n).to.be.lessThan(5);
  });
});
