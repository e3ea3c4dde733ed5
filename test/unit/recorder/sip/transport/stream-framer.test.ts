import { expect } from 'chai';
import { SipFramingError, TRANSPORT_ERROR_CODES } from '../../../../../recorder/src/sip/transport/errors.js';
import { StreamFramer, type StreamFrame } from '../../../../../recorder/src/sip/transport/stream-framer.js';
import {
  FULL_INVITES,
  bigMessage,
  loadFixture,
  loadVector,
  seededRandom,
} from '../../../../support/sip-transport/fixtures.js';

const messages = (frames: StreamFrame[]): Buffer[] =>
  frames.flatMap((f) => (f.kind === 'message' ? [f.data] : []));
const errorOf = (frames: StreamFrame[]): SipFramingError | undefined => {
  const last = frames.at(-1);
  return last?.kind === 'error' ? last.error : undefined;
};
const feed = (framer: StreamFramer, chunks: Buffer[]): StreamFrame[] => chunks.flatMap((c) => framer.push(c));

describe('StreamFramer', () => {
  describe('real SIPREC INVITEs (shared vectors, Content-Length recomputed)', () => {
    for (const name of FULL_INVITES) {
      const invite = loadVector(name);

      it(`frames ${name} split in two at every byte offset`, () => {
        for (let cut = 1; cut < invite.length; cut++) {
          const frames = feed(new StreamFramer(), [invite.subarray(0, cut), invite.subarray(cut)]);
          expect(frames, `cut at ${cut}`).to.have.length(1);
          expect(messages(frames)[0]?.equals(invite), `cut at ${cut}`).to.equal(true);
        }
      });

      it(`frames ${name} fed one byte at a time`, () => {
        const framer = new StreamFramer();
        const frames: StreamFrame[] = [];
        for (let i = 0; i < invite.length; i++) frames.push(...framer.push(invite.subarray(i, i + 1)));
        expect(messages(frames)).to.have.length(1);
        expect(messages(frames)[0]?.equals(invite)).to.equal(true);
        expect(framer.bufferedBytes).to.equal(0);
      });
    }

    it('splits several messages, keep-alives and an LF-only message arriving in one chunk', () => {
      const [oracle, audiocodes] = FULL_INVITES.map(loadVector);
      const compact = loadFixture('options-compact-length.sip');
      const lfOnly = loadFixture('info-lf-only.sip');
      const stream = Buffer.concat([
        Buffer.from('\r\n\r\n'),
        oracle!,
        audiocodes!,
        Buffer.from('\r\n\r\n'),
        compact,
        lfOnly,
      ]);
      const frames = new StreamFramer().push(stream);
      expect(frames.map((f) => f.kind)).to.deep.equal([
        'ping',
        'message',
        'message',
        'ping',
        'message',
        'message',
      ]);
      const got = messages(frames);
      expect(got[0]!.equals(oracle!)).to.equal(true);
      expect(got[1]!.equals(audiocodes!)).to.equal(true);
      expect(got[2]!.equals(compact)).to.equal(true);
      expect(got[3]!.equals(lfOnly)).to.equal(true);
    });
  });

  describe('Content-Length forms', () => {
    it('reads the compact form "L \\t :   12" and keeps exactly 12 body bytes', () => {
      const message = loadFixture('options-compact-length.sip');
      const frames = new StreamFramer().push(Buffer.concat([message, Buffer.from('OPTIONS')]));
      expect(messages(frames)).to.have.length(1);
      expect(messages(frames)[0]!.toString('latin1').endsWith('\r\n\r\nhello world!')).to.equal(true);
    });

    it('reads a Content-Length folded onto a continuation line', () => {
      const message = loadFixture('update-folded-content-length.sip');
      const frames = new StreamFramer().push(message);
      expect(messages(frames)[0]!.toString('latin1').endsWith('abcde')).to.equal(true);
    });

    it('frames an LF-only message (header end LFLF) with its body', () => {
      const message = loadFixture('info-lf-only.sip');
      const frames = new StreamFramer().push(message);
      expect(messages(frames)[0]!.equals(message)).to.equal(true);
    });

    it('frames a 200 KiB message delivered in random chunks', () => {
      const message = bigMessage(200 * 1024);
      const random = seededRandom(42);
      const framer = new StreamFramer();
      const frames: StreamFrame[] = [];
      for (let pos = 0; pos < message.length;) {
        const size = 1 + Math.floor(random() * 9000);
        frames.push(...framer.push(message.subarray(pos, pos + size)));
        pos += size;
      }
      expect(frames).to.have.length(1);
      expect(messages(frames)[0]!.equals(message)).to.equal(true);
    });

    it('accepts a header section just under 64 KiB', () => {
      const filler = 'X-Filler: ' + 'a'.repeat(1000) + '\r\n';
      const head = 'OPTIONS sip:srs@192.0.2.10 SIP/2.0\r\n' + filler.repeat(60) + 'Content-Length: 0\r\n\r\n';
      expect(head.length)
        .to.be.greaterThan(60_000)
        .and.lessThan(64 * 1024);
      const frames = new StreamFramer().push(Buffer.from(head));
      expect(messages(frames)).to.have.length(1);
    });
  });

  describe('keep-alives (RFC 5626 §3.5.1)', () => {
    it('reports one ping per double CRLF, even split across chunks, and none for a single CRLF pong', () => {
      const framer = new StreamFramer();
      expect(framer.push(Buffer.from('\r\n'))).to.deep.equal([]);
      expect(framer.push(Buffer.from('\r\n'))).to.deep.equal([{ kind: 'ping' }]);
      expect(framer.push(Buffer.from('\r\n\r\n\r\n\r\n'))).to.deep.equal([
        { kind: 'ping' },
        { kind: 'ping' },
      ]);
      expect(framer.push(Buffer.from('\n\n\n'))).to.deep.equal([]);
    });
  });

  describe('hostile and broken input', () => {
    const cases: [string, keyof typeof TRANSPORT_ERROR_CODES][] = [
      ['options-no-content-length.sip', 'SIP_FRAMING_CONTENT_LENGTH_MISSING'],
      ['response-no-content-length.sip', 'SIP_FRAMING_CONTENT_LENGTH_MISSING'],
      ['invite-negative-content-length.sip', 'SIP_FRAMING_CONTENT_LENGTH_INVALID'],
      ['message-hex-content-length.sip', 'SIP_FRAMING_CONTENT_LENGTH_INVALID'],
      ['invite-conflicting-content-length.sip', 'SIP_FRAMING_CONTENT_LENGTH_INVALID'],
      ['invite-huge-content-length.sip', 'SIP_FRAMING_BODY_TOO_LARGE'],
    ];
    for (const [file, code] of cases) {
      it(`${file} → ${code} (status 400) with the header section kept for the answer`, () => {
        const framer = new StreamFramer();
        const frames = framer.push(loadFixture(file));
        const error = errorOf(frames);
        expect(error?.code).to.equal(code);
        expect(error?.status).to.equal(400);
        expect(error?.headerSection?.toString('latin1')).to.match(/^[A-Z]+ sip:|^SIP\/2\.0/);
        expect(framer.failed).to.equal(true);
        expect(framer.push(loadFixture('options-compact-length.sip'))).to.deep.equal([]);
      });
    }

    it('refuses a body above a configured limit', () => {
      const frames = new StreamFramer({ maxBodyBytes: 100 }).push(bigMessage(101));
      expect(errorOf(frames)?.code).to.equal('SIP_FRAMING_BODY_TOO_LARGE');
    });

    it('stops endless headers at the limit, holding at most the limit in memory', () => {
      const framer = new StreamFramer();
      const line = Buffer.from('X-Endless: ' + 'b'.repeat(500) + '\r\n');
      let error: SipFramingError | undefined;
      let peak = 0;
      for (let i = 0; i < 2000 && error === undefined; i++) {
        error = errorOf(framer.push(line));
        peak = Math.max(peak, framer.bufferedBytes);
      }
      expect(error?.code).to.equal('SIP_FRAMING_HEADER_TOO_LARGE');
      expect(error?.headerSection).to.equal(undefined);
      expect(peak).to.be.at.most(64 * 1024);
      expect(framer.bufferedBytes).to.equal(0);
    });

    it('costs linear time and bounded memory for a 1-byte trickle into a 64 KiB header', () => {
      const header = Buffer.from('OPTIONS sip:srs@192.0.2.10 SIP/2.0\r\n' + 'X-Slow: c\r\n'.repeat(5950));
      expect(header.length).to.be.lessThan(64 * 1024);
      const measure = (bytes: number): number => {
        const framer = new StreamFramer();
        const start = process.hrtime.bigint();
        for (let i = 0; i < bytes; i++) framer.push(header.subarray(i, i + 1));
        expect(framer.bufferedBytes).to.be.at.most(2 * bytes + 1024);
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      const best = (bytes: number): number => Math.min(measure(bytes), measure(bytes), measure(bytes));
      const quarter = best(header.length / 4);
      const full = best(header.length);
      // Re-scanning the buffer per byte would be ~2·10⁹ byte comparisons here (seconds) and 16× the quarter's
      // time; linear is ~4× and tens of milliseconds. The floor keeps a busy CI machine from flaking.
      expect(full).to.be.lessThan(Math.max(quarter * 8, 250));
    });
  });
});
