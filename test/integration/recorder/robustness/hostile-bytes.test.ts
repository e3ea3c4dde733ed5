/**
 * Bytes no SRC should send, sent to the running recorder: random datagrams and streams, broken Content-Length
 * values, a header section that never ends, a 10 MB body. What an operator would notice is asserted: the right
 * error answer where one is possible (400, RFC 3261 §21.4.1 / §18.3), a closed connection where the stream cannot be
 * resynchronised, and a recorder that is still alive and recording calls afterwards.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { SipClient, parseSipMessage, token, type ClientTransport } from '../../../support/sip-client.js';
import { expectStillServing } from '../../../support/siprec-invite.js';

/** A request whose Content-Length line is `contentLength` verbatim, with a small body. */
function requestWithLength(
  transport: ClientTransport,
  localPort: number,
  remotePort: number,
  contentLength: string,
): Buffer {
  return Buffer.from(
    [
      `OPTIONS sip:srs@127.0.0.1:${remotePort} SIP/2.0`,
      `Via: SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${localPort};branch=z9hG4bK${token()};rport`,
      'Max-Forwards: 70',
      `From: <sip:hostile@127.0.0.1>;tag=${token()}`,
      `To: <sip:srs@127.0.0.1:${remotePort}>`,
      `Call-ID: ${token(8)}@hostile.test`,
      'CSeq: 1 OPTIONS',
      `Content-Length: ${contentLength}`,
      '',
      'v=0',
    ].join('\r\n'),
    'latin1',
  );
}

/** Opens a raw TCP connection; resolves with what the recorder sent back once it closes (or after `ms`). */
async function tcpExchange(
  port: number,
  write: (socket: Socket) => Promise<void> | void,
  ms: number,
): Promise<{ reply: string; closedByPeer: boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let reply = '';
  let closedByPeer = false;
  socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedByPeer = true;
      resolve();
    }),
  );
  await write(socket);
  await Promise.race([closed, new Promise((r) => setTimeout(r, ms))]);
  socket.destroy();
  return { reply, closedByPeer };
}

describe('hostile bytes against the running recorder', function () {
  this.timeout(60_000);
  let recorder: RecorderProcess;

  before(async () => {
    recorder = await startRecorder({ MEDIA_TIMEOUT: '0' });
  });
  after(async () => {
    await recorder?.stop();
  });

  it('survives 2 000 random datagrams and 50 TCP connections of random bytes', async () => {
    const udp = await SipClient.open('udp', { host: '127.0.0.1', port: recorder.sipPort });
    for (let i = 0; i < 2000; i++) {
      // Some start like SIP so the parser gets past the first line.
      const prefix = i % 3 === 0 ? 'INVITE sip:x SIP/2.0\r\n' : '';
      udp.send(Buffer.concat([Buffer.from(prefix), randomBytes(1 + ((i * 7919) % 1400))]));
    }
    udp.close();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        tcpExchange(
          recorder.sipPort,
          (s) => {
            s.write(randomBytes(1 + ((i * 104729) % 65536)));
            s.end();
          },
          500,
        ),
      ),
    );
    await expectStillServing(recorder, 'udp');
    await expectStillServing(recorder, 'tcp');
  });

  for (const [label, value] of [
    ['negative', '-5'],
    ['non-numeric', 'abc'],
    ['huge', '99999999999999999999999'],
  ] as const) {
    it(`answers a ${label} Content-Length with 400 over UDP and over TCP (then closes the connection)`, async () => {
      const udp = await SipClient.open('udp', { host: '127.0.0.1', port: recorder.sipPort });
      const request = requestWithLength('udp', udp.localPort, recorder.sipPort, value);
      const callId = parseSipMessage(request).headers.get('call-id')?.[0];
      udp.send(request);
      const answer = await udp.next((m) => m.headers.get('call-id')?.[0] === callId, 3000);
      udp.close();
      expect(answer?.status).to.equal(400);

      const tcp = await tcpExchange(
        recorder.sipPort,
        (s) => void s.write(requestWithLength('tcp', s.localPort ?? 0, recorder.sipPort, value)),
        3000,
      );
      expect(tcp.reply).to.match(/^SIP\/2\.0 400 /);
      expect(tcp.closedByPeer).to.equal(true);
      await expectStillServing(recorder, 'tcp');
    });
  }

  it('closes a TCP connection whose header section never ends (2 MB of headers) and keeps serving', async () => {
    const started = Date.now();
    const result = await tcpExchange(
      recorder.sipPort,
      async (s) => {
        s.write(`INVITE sip:srs@127.0.0.1:${recorder.sipPort} SIP/2.0\r\n`);
        const chunk = Buffer.from(
          'X-Endless: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(1000),
        );
        for (let sent = 0; sent < 2 * 1024 * 1024 && !s.destroyed; sent += chunk.length) {
          if (!s.write(chunk)) await new Promise((r) => setTimeout(r, 5));
        }
      },
      5000,
    );
    expect(result.closedByPeer).to.equal(true);
    expect(Date.now() - started).to.be.lessThan(10_000);
    await expectStillServing(recorder, 'tcp');
  });

  it('refuses a 10 MB body over TCP with 400 and closes, without buffering it', async () => {
    const size = 10 * 1024 * 1024;
    const result = await tcpExchange(
      recorder.sipPort,
      async (s) => {
        s.write(requestWithLength('tcp', s.localPort ?? 0, recorder.sipPort, String(size)).subarray(0, -3));
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let sent = 0; sent < size && !s.destroyed; sent += chunk.length) {
          if (!s.write(chunk)) await new Promise((r) => setTimeout(r, 5));
        }
      },
      5000,
    );
    expect(result.reply).to.match(/^SIP\/2\.0 400 /);
    expect(result.closedByPeer).to.equal(true);
    await expectStillServing(recorder, 'tcp');
  });
});
