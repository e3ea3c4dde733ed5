import { parseSipMessage } from '../../../../../recorder/src/sip/message/parser.js';
import type { SipMessage, SipRequest } from '../../../../../recorder/src/sip/message/types.js';
import type { TransactionSender } from '../../../../../recorder/src/sip/transaction/delegates.js';
import type { FakeClock } from '../fake-clock.js';
import { sipText } from '../support.js';

/** What a transaction handed to the transport, and when (fake-clock ms). */
export interface Sent {
  at: number;
  message: SipMessage;
}

/** A TransactionSender that records sends with their time; `fail` makes the next send reject. */
export class RecordingSender implements TransactionSender {
  readonly sent: Sent[] = [];
  fail = false;

  constructor(
    readonly reliable: boolean,
    private readonly clock: FakeClock,
  ) {}

  send(message: SipMessage): Promise<void> {
    if (this.fail) {
      this.fail = false;
      return Promise.reject(new Error('connection reset'));
    }
    this.sent.push({ at: this.clock.now(), message });
    return Promise.resolve();
  }

  /** Times of the sends whose first line matches `re`. */
  timesOf(re: RegExp): number[] {
    return this.sent.filter((s) => re.test(firstLine(s.message))).map((s) => s.at);
  }
}

/** `INVITE sip:…` or `SIP/2.0 200 OK`. */
export function firstLine(m: SipMessage): string {
  return m.type === 'request' ? `${m.method} ${m.uri}` : `SIP/2.0 ${m.status} ${m.reason}`;
}

/** A request as an SRC would send it. */
export function request(
  method: string,
  opts: { branch?: string; cseq?: number; toTag?: string } = {},
): SipRequest {
  const msg = parseSipMessage(
    sipText([
      `${method} sip:srs@198.51.100.1 SIP/2.0`,
      `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${opts.branch ?? 'z9hG4bKtx1'}`,
      'From: <sip:src@192.0.2.10>;tag=src1',
      `To: <sip:srs@198.51.100.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
      'Call-ID: tx-1@192.0.2.10',
      `CSeq: ${opts.cseq ?? 1} ${method}`,
      'Contact: <sip:src@192.0.2.10>',
      'Max-Forwards: 70',
      'Content-Length: 0',
    ]),
  );
  if (msg.type !== 'request') throw new Error('request expected');
  return msg;
}

/** Lets rejected-promise handlers run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
