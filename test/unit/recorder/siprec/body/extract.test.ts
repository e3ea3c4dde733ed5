import { expect } from 'chai';

import { SiprecBodyError } from '../../../../../recorder/src/siprec/body/errors.js';
import { extractSiprecBody } from '../../../../../recorder/src/siprec/body/extract.js';
import type { SiprecBody } from '../../../../../recorder/src/siprec/body/types.js';
import {
  boundaryOf,
  header,
  readFixture,
  readVector,
  sdpLabels,
  sipVector,
  sippMessages,
  toCrlf,
  vectorNames,
} from '../helpers/vectors.js';

function extractError(fn: () => unknown): SiprecBodyError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(SiprecBodyError);
    return err as SiprecBodyError;
  }
  throw new Error('expected a SiprecBodyError');
}

/** m-line count of each multipart vector's SDP (from the files themselves). */
const MLINES: Record<string, number> = {
  'drachtio-oracle-acme-invite.multipart.txt': 2,
  'drachtio-broadworks-invite-garbled.multipart.txt': 1,
  'drachtio-cisco-cube-inactive-invite.multipart.txt': 2,
  'vorpal-oracle-2021-invite-g729-ucid.multipart.txt': 2,
};

describe('siprec/body extractSiprecBody', () => {
  describe('every multipart vector: exactly one SDP and one metadata document', () => {
    const names = vectorNames('.multipart.txt');
    it('finds the 19 multipart vectors', () => expect(names).to.have.length(19));
    for (const name of names) {
      for (const [ending, convert] of [
        ['LF', (b: Buffer) => b],
        ['CRLF', toCrlf],
      ] as const) {
        it(`${name} (${ending})`, () => {
          const raw = convert(readVector(name));
          const body = extractSiprecBody(`multipart/mixed;boundary=${boundaryOf(raw)}`, raw);
          expect(body.sdp, 'sdp').to.match(/^v=0\r?\n/);
          expect(body.sdp).to.not.include('--');
          expect(body.metadata, 'metadata').to.not.equal(undefined);
          expect(body.metadata!.raw).to.match(/<\/(?:tns:)?recording(?:_metadata)?>\s*$/);
          expect(sdpLabels(body.sdp!)).to.have.length(MLINES[name] ?? 2);
          expect(body.otherParts.map((p) => p.contentType)).to.deep.equal(
            name.includes('gtd-part') ? ['application/gtd'] : [],
          );
        });
      }
    }
  });

  it('locates garbled BroadWorks metadata by its disposition when it comes first', () => {
    const raw = readVector('drachtio-broadworks-invite-garbled.multipart.txt');
    const body = extractSiprecBody('multipart/mixed;boundary=UniqueBroadWorksBoundary', raw);
    expect(body.metadata!.contentType).to.equal('application/ +xml');
    expect(body.sdp).to.include('a=label:1');
    expect(body.warnings).to.include('metadata found by disposition in a part of type "application/ +xml"');
  });

  it('keeps the Cisco CUBE ISUP part aside, with its disposition', () => {
    const raw = readVector('drachtio-cisco-cube-invite-gtd-part.multipart.txt');
    const body = extractSiprecBody('multipart/mixed;boundary=uniqueBoundary', raw);
    expect(body.otherParts[0]!.disposition?.type).to.equal('signal');
    expect(body.otherParts[0]!.body.toString()).to.include('GCI,91036128574411e789f9d0ff56c3c658');
  });

  it('full INVITE captures (.sip): SDP and metadata with their stale Content-Length ignored', () => {
    const names = vectorNames('.sip');
    expect(names).to.have.length(5);
    for (const name of names) {
      const msg = sipVector(name);
      const body = extractSiprecBody(header(msg, 'content-type', 'c'), msg.body);
      expect(body.sdp, name).to.match(/^v=0/);
      expect(body.metadata, name).to.not.equal(undefined);
    }
  });

  describe('SIPp scenarios: every message body is usable', () => {
    const kinds = new Map<string, number>();
    const note = (kind: string): void => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    };
    for (const name of vectorNames('.sipp.xml')) {
      it(name, () => {
        for (const msg of sippMessages(name)) {
          if (msg.body.length === 0) continue;
          const ct = header(msg, 'content-type', 'c');
          const body: SiprecBody = extractSiprecBody(ct, msg.body, header(msg, 'content-disposition'));
          if (ct?.toLowerCase().startsWith('multipart/')) {
            expect(body.sdp, msg.startLine).to.match(/^v=0/);
            expect(body.metadata, msg.startLine).to.not.equal(undefined);
            note('multipart');
          } else if (body.metadata !== undefined) {
            expect(body.sdp).to.equal(undefined);
            note('metadata-only');
          } else {
            expect(body.sdp, msg.startLine).to.match(/^v=0/);
            note('sdp-only');
          }
        }
      });
    }
    it('covers multipart, metadata-only UPDATE and SDP-only re-INVITE bodies', () => {
      expect(kinds.get('multipart')).to.be.at.least(20);
      expect(kinds.get('metadata-only')).to.be.at.least(8);
      expect(kinds.get('sdp-only')).to.be.at.least(10);
    });
  });

  it('the Avaya SBCE UPDATE (application/rs-metadata, recording-session) is metadata only', () => {
    const update = sippMessages('miarec-avaya-sbce-dummy-participant-then-update.sipp.xml').find((m) =>
      m.startLine.startsWith('UPDATE'),
    )!;
    const body = extractSiprecBody(
      header(update, 'content-type'),
      update.body,
      header(update, 'content-disposition'),
    );
    expect(body.metadata!.contentType).to.equal('application/rs-metadata');
    expect(body.metadata!.raw).to.include('sip:7204541001@10.64.110.32');
  });

  it('plain SDP in any case, e.g. application/SDP (RFC example) and Cisco NBR', () => {
    expect(extractSiprecBody('application/SDP', Buffer.from('v=0\r\n')).sdp).to.equal('v=0\r\n');
    const nbr = readVector('drachtio-cisco-nbr-no-metadata.sdp');
    const body = extractSiprecBody('application/sdp', nbr);
    expect(body.sdp).to.include('a=label:1');
    expect(body.metadata).to.equal(undefined);
  });

  it('a whole-body metadata document with a garbled type is recognised by Content-Disposition', () => {
    const body = extractSiprecBody(
      'application/xml',
      Buffer.from('<recording/>'),
      'recording-session;handling=required',
    );
    expect(body.metadata).to.deep.equal({ raw: '<recording/>', contentType: 'application/xml' });
  });

  it('an empty body (BYE, ACK) holds nothing', () => {
    expect(extractSiprecBody(undefined, Buffer.alloc(0))).to.deep.equal({ otherParts: [], warnings: [] });
    expect(extractSiprecBody('application/sdp', Buffer.from('\r\n')).sdp).to.equal(undefined);
  });

  it('a body without Content-Type is recognised as SDP or XML, with a warning', () => {
    const sdp = extractSiprecBody(undefined, Buffer.from('v=0\r\n'));
    expect(sdp.sdp).to.equal('v=0\r\n');
    expect(sdp.warnings).to.deep.equal(['body without Content-Type taken as SDP']);
    expect(extractSiprecBody(undefined, Buffer.from(' <recording/>')).metadata).to.not.equal(undefined);
  });

  it('the SDP part is found by disposition when its type is missing', () => {
    const raw = Buffer.from('--b\r\nContent-Disposition: session\r\n\r\nv=0\r\n--b--\r\n');
    const body = extractSiprecBody('multipart/mixed; boundary=b', raw);
    expect(body.sdp).to.equal('v=0');
    expect(body.warnings).to.include('SDP found in a part of type ""');
  });

  it('a truncated metadata part still yields the SDP and the raw fragment', () => {
    const body = extractSiprecBody(
      'multipart/mixed; boundary=sonus-content-delim',
      readFixture('multipart-truncated-metadata.txt'),
    );
    expect(body.sdp).to.include('a=label:1');
    expect(body.metadata!.raw).to.include('<tns:na');
    expect(body.warnings).to.include('missing closing delimiter');
  });

  describe('bodies we cannot use: typed errors with the SIP status to answer', () => {
    it('unsupported type → 415', () => {
      const err = extractError(() => extractSiprecBody('text/html', Buffer.from('<html/>')));
      expect(err.code).to.equal('UNSUPPORTED_BODY_TYPE');
      expect(err.status).to.equal(415);
      expect(extractError(() => extractSiprecBody(undefined, Buffer.from('\x00\x01binary'))).status).to.equal(
        415,
      );
    });

    it('multipart without boundary → 400', () => {
      const err = extractError(() =>
        extractSiprecBody('multipart/mixed', readVector('drachtio-avaya-sbce-invite.multipart.txt')),
      );
      expect(err.code).to.equal('MULTIPART_NO_BOUNDARY');
      expect(err.status).to.equal(400);
    });

    it('boundary absent from the body (the AWS snippet with its {{boundary}} placeholder) → 400', () => {
      const snippet = readVector('rfc7866ex-via-awsdocs-invite-audio-video-4streams-snippet.txt').toString(
        'latin1',
      );
      const content = snippet.slice(snippet.indexOf('\n\n') + 2);
      const err = extractError(() =>
        extractSiprecBody('multipart/mixed;boundary={{boundary}}', Buffer.from(content, 'latin1')),
      );
      expect(err.code).to.equal('MULTIPART_BOUNDARY_NOT_FOUND');
      expect(err.status).to.equal(400);
    });

    it('a 10 MB body → 413 at once', () => {
      const started = Date.now();
      const err = extractError(() =>
        extractSiprecBody('multipart/mixed;boundary=b', Buffer.alloc(10_000_000, 0x2d)),
      );
      expect(err.status).to.equal(413);
      expect(Date.now() - started).to.be.below(1000);
    });
  });
});

describe('siprec/body extractSiprecBody on a body already taken apart', () => {
  const sdp =
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
  const xml = '<?xml version="1.0"?><recording xmlns="urn:ietf:params:xml:ns:recording:1"/>';
  const multipart = Buffer.from(
    `--b1\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n` +
      `--b1\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n${xml}\r\n--b1--\r\n`,
  );

  it('gives the same parts again for the same request body (the session store reads it a second time)', () => {
    const first = extractSiprecBody('multipart/mixed;boundary=b1', multipart);
    const again = extractSiprecBody('multipart/mixed;boundary=b1', multipart);
    expect(again).to.equal(first);
    expect(again.sdp).to.equal(sdp);
    expect(again.metadata?.raw).to.equal(xml);
  });

  it('reads the body anew under another Content-Type or Content-Disposition', () => {
    const body = Buffer.from(xml);
    expect(extractSiprecBody('application/rs-metadata+xml', body).metadata?.raw).to.equal(xml);
    expect(extractError(() => extractSiprecBody('text/plain', body)).code).to.equal('UNSUPPORTED_BODY_TYPE');
    const byDisposition = extractSiprecBody('text/plain', body, 'recording-session');
    expect(byDisposition.metadata?.contentType).to.equal('text/plain');
    expect(byDisposition.warnings).to.have.length(1);
  });
});
