import { expect } from 'chai';

import { SiprecBodyError } from '../../../../../recorder/src/siprec/body/errors.js';
import { MAX_PARTS, parseMultipart } from '../../../../../recorder/src/siprec/body/multipart.js';
import { readFixture, toCrlf } from '../helpers/vectors.js';

function thrown(fn: () => unknown): SiprecBodyError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(SiprecBodyError);
    return err as SiprecBodyError;
  }
  throw new Error('expected a SiprecBodyError');
}

describe('siprec/body parseMultipart', () => {
  for (const [ending, convert] of [
    ['LF-only', (b: Buffer) => b],
    ['CRLF', toCrlf],
  ] as const) {
    describe(`${ending} bodies`, () => {
      it('matches delimiters with transport padding, ignores whitespace preamble and epilogue', () => {
        const { parts, warnings } = parseMultipart(
          convert(readFixture('multipart-transport-padding.txt')),
          'pad-b',
        );
        expect(parts.map((p) => p.contentType)).to.deep.equal([
          'application/sdp',
          'application/rs-metadata+xml',
        ]);
        expect(parts[0]!.body.toString())
          .to.match(/^v=0\r?\n/)
          .and.match(/a=sendonly\r?\n$/);
        expect(parts[1]!.disposition?.type).to.equal('recording-session');
        expect(parts[1]!.body.toString()).to.match(/<\/recording>$/);
        expect(warnings).to.deep.equal(['content after the closing delimiter ignored']);
      });

      it('reads part headers without a space after the colon and honours a consistent per-part Content-Length', () => {
        const { parts, warnings } = parseMultipart(
          convert(readFixture('multipart-metadata-first.txt')),
          'UniqueBroadWorksBoundary',
        );
        expect(parts.map((p) => p.contentType)).to.deep.equal([
          'application/rs-metadata+xml',
          'application/sdp',
        ]);
        expect(parts[0]!.headers.get('content-disposition')).to.equal('recording-session');
        const metadata = parts[0]!.body.toString();
        if (ending === 'LF-only') {
          // 147 bytes declared = the document without the blank line: honoured, the trailing whitespace cut.
          expect(metadata.endsWith('</recording_metadata>')).to.equal(true);
        } else {
          // Counted on the LF form, the declaration no longer fits the CRLF one: ignored, nothing lost.
          expect(metadata.trimEnd().endsWith('</recording_metadata>')).to.equal(true);
          expect(warnings.some((w) => w.includes('Content-Length 147 disagrees'))).to.equal(true);
        }
        // The SDP part declares 99 bytes but has fewer: the declaration is ignored, the content kept whole.
        expect(parts[1]!.body.toString()).to.match(/m=audio 4000 RTP\/AVP 0$/);
        expect(warnings.some((w) => w.includes('Content-Length 0099 disagrees'))).to.equal(true);
      });

      it('splits only on the exact declared delimiter at the start of a line', () => {
        const { parts } = parseMultipart(convert(readFixture('multipart-fake-delimiters.txt')), 'b1');
        expect(parts).to.have.length(2);
        const sdp = parts[0]!.body.toString();
        for (const line of ['--b1x', '--b1-x', ' --b1', '---b1', '--metaswitch-boundary ']) {
          expect(sdp.split(/\r?\n/)).to.include(line);
        }
        expect(parts[1]!.contentType).to.equal('application/rs-metadata');
      });

      it('accepts a missing closing delimiter and keeps unknown parts with their disposition', () => {
        const { parts, warnings } = parseMultipart(
          convert(readFixture('multipart-no-closing-gtd.txt')),
          'uniqueBoundary',
        );
        expect(parts.map((p) => p.contentType)).to.deep.equal([
          'application/sdp',
          'application/gtd',
          'application/rs-metadata+xml',
        ]);
        expect(parts[0]!.disposition?.params.get('handling')).to.equal('required');
        expect(parts[1]!.disposition?.type).to.equal('signal');
        expect(parts[2]!.body.toString().trimEnd()).to.match(/<\/recording>$/);
        expect(warnings).to.include('missing closing delimiter');
      });
    });
  }

  it('takes a part without header section as a body of unknown type', () => {
    const body = Buffer.from('--x\r\n\r\nhello\r\n--x\r\nnot: a header\r\n\r\nplain\r\n--x--\r\n');
    const { parts } = parseMultipart(body, 'x');
    expect(parts[0]!.contentType).to.equal('');
    expect(parts[0]!.body.toString()).to.equal('hello');
    expect(parts[1]!.headers.get('not')).to.equal('a header');
  });

  it('unfolds folded part headers and skips empty parts', () => {
    const body = Buffer.from('--x\n--x\nContent-Type:\n application/sdp\n\nv=0\n--x--');
    const { parts, warnings } = parseMultipart(body, 'x');
    expect(parts).to.have.length(1);
    expect(parts[0]!.contentType).to.equal('application/sdp');
    expect(warnings).to.include('empty part #1 skipped');
  });

  describe('hostile input: typed errors in bounded time', () => {
    it('a boundary absent from the body → 400', () => {
      const err = thrown(() =>
        parseMultipart(Buffer.from('v=0\r\nm=audio 1 RTP/AVP 0\r\n'), 'uniqueBoundary'),
      );
      expect(err.code).to.equal('MULTIPART_BOUNDARY_NOT_FOUND');
      expect(err.status).to.equal(400);
    });

    it('10 000 parts → MULTIPART_TOO_MANY_PARTS without splitting them all', () => {
      const body = Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(10_000) + '--b--\r\n');
      const started = process.hrtime.bigint();
      const err = thrown(() => parseMultipart(body, 'b'));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(err.code).to.equal('MULTIPART_TOO_MANY_PARTS');
      expect(ms).to.be.below(1000);
    });

    it(`exactly ${MAX_PARTS} parts are still accepted`, () => {
      const body = Buffer.from(
        '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(MAX_PARTS) + '--b--\r\n',
      );
      expect(parseMultipart(body, 'b').parts).to.have.length(MAX_PARTS);
    });

    it('a body over 1 MiB → 413', () => {
      const err = thrown(() => parseMultipart(Buffer.alloc(1024 * 1024 + 1, 0x41), 'b'));
      expect(err.code).to.equal('BODY_TOO_LARGE');
      expect(err.status).to.equal(413);
    });

    it('an empty or absurd boundary → 400', () => {
      expect(thrown(() => parseMultipart(Buffer.from('--\r\n'), '')).code).to.equal('MULTIPART_BAD_BOUNDARY');
      expect(thrown(() => parseMultipart(Buffer.from('x'), 'a'.repeat(300))).status).to.equal(400);
    });

    it('a part with endless headers → 400', () => {
      const body = Buffer.from(`--b\r\n${'X-H: v\r\n'.repeat(1000)}\r\nbody\r\n--b--`);
      expect(thrown(() => parseMultipart(body, 'b')).code).to.equal('MULTIPART_PART_HEADERS_TOO_LARGE');
    });

    it('random bytes never crash: a typed error or parts', () => {
      let seed = 42;
      const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
      for (let round = 0; round < 200; round++) {
        const bytes = Buffer.alloc(2048, 0);
        for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
        // Sprinkle delimiters so that the splitter has something to chew on.
        const body = Buffer.concat([
          Buffer.from('--r\r\n'),
          bytes,
          Buffer.from('\r\n--r\n'),
          bytes.subarray(0, 300),
        ]);
        const result = parseMultipart(body, 'r');
        expect(result.parts.length).to.be.at.most(MAX_PARTS);
      }
    });
  });
});
