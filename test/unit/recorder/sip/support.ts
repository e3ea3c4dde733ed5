import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  MessageSource,
  SendTarget,
  SipTransportLayer,
} from '../../../../recorder/src/sip/transport/types.js';

/** The repository root, found from this compiled file's location (dist/test/… or test/…). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

/** A fixture of ours under test/fixtures/sip/. */
export function fixture(name: string): Buffer {
  return readFileSync(path.join(repoRoot(), 'test/fixtures/sip', name));
}

/** A shared interop vector (never copied into the repo). */
export function vector(name: string): Buffer {
  return readFileSync(path.resolve(repoRoot(), '../shared/interop/vectors', name));
}

/** Builds a message from lines joined by CRLF, with an empty line and the body appended. */
export function sipText(lines: string[], body = ''): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body);
}

/** A deterministic random source: bytes counting up from `seed`. */
export function countingRandom(seed = 1): (n: number) => Buffer {
  let v = seed;
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = v++ & 0xff;
    return b;
  };
}

/** A sent message as the in-memory transport saw it. */
export interface SentMessage {
  data: Buffer;
  text: string;
  target: SendTarget;
}

/** An in-memory SipTransportLayer that records what the core sends; `failNext` makes sends reject. */
export class RecordingTransport implements SipTransportLayer {
  readonly sent: SentMessage[] = [];
  failNext = 0;

  send(data: Buffer, target: SendTarget): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(Object.assign(new Error('send failed'), { code: 'SIP_TRANSPORT_SEND_FAILED' }));
    }
    this.sent.push({ data, text: data.toString('utf8'), target });
    return Promise.resolve();
  }

  /** Status lines / request lines of everything sent, in order. */
  firstLines(): string[] {
    return this.sent.map((m) => m.text.slice(0, m.text.indexOf('\r\n')));
  }
}

/** A UDP source as a transport would report it. */
export const UDP_SOURCE: MessageSource = {
  protocol: 'udp',
  remoteAddress: '192.0.2.10',
  remotePort: 5070,
  localAddress: '198.51.100.1',
  localPort: 5060,
};

/** A TCP source with a connection id. */
export const TCP_SOURCE: MessageSource = {
  protocol: 'tcp',
  remoteAddress: '192.0.2.20',
  remotePort: 40112,
  localAddress: '198.51.100.1',
  localPort: 5060,
  connectionId: 'tcp-7',
};
