/**
 * An independent check of our SDP answers against the rules every SRC relies on (INTEROP §5 "Your answer", §7,
 * RFC 3264 §6): it re-parses the answer with sdp-transform rather than trusting our own parser.
 */
import { parse } from 'sdp-transform';
import { parseOffer } from '../../../../../../recorder/src/siprec/sdp/parse-offer.js';
import type { AnswerStream, SdpOffer } from '../../../../../../recorder/src/siprec/sdp/types.js';

/** Every rule the answer breaks; empty when it is one every SRC accepts. */
export function answerProblems(offer: SdpOffer, streams: readonly AnswerStream[], answer: string): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };

  check(answer.endsWith('\r\n'), 'answer does not end with CRLF');
  check(!/[^\r]\n/.test(answer) && !/\r(?!\n)/.test(answer), 'answer has a line ending other than CRLF');
  const lines = answer.split('\r\n').slice(0, -1);
  check(
    lines.every((line) => /^[a-z]=\S/.test(line)),
    'answer has a line that is not <type>=<value>',
  );
  const [v, o, s, c, t] = lines;
  check(v === 'v=0', 'first line is not v=0');
  check(/^o=\S+ \d+ \d+ IN IP[46] \S+$/.test(o ?? ''), `bad o= line ${o}`);
  check(s === 's=-', 's= is not "s=-"');
  check(/^c=IN IP[46] \S+$/.test(c ?? ''), `bad session c= line ${c}`);
  check(t === 't=0 0', 't= is not "t=0 0"');

  const ours = parseOffer(answer);
  check(ours.ok, 'our own parser refuses the answer');

  const parsed = parse(answer);
  check(parsed.version === 0, 'sdp-transform sees no version');
  check(
    parsed.media.length === offer.media.length,
    `${parsed.media.length} m-lines for ${offer.media.length} offered`,
  );

  offer.media.forEach((offered, i) => {
    const m = parsed.media[i];
    const stream = streams[i];
    const where = `m-line ${i}`;
    if (m === undefined || stream === undefined) return;
    check(m.type === offered.kind, `${where}: media ${m.type} instead of ${offered.kind}`);
    check(m.protocol === offered.protocol, `${where}: protocol ${m.protocol} instead of ${offered.protocol}`);
    const label = (m as { label?: string | number }).label;
    check(
      (label === undefined ? undefined : String(label)) === offered.label,
      `${where}: label ${label} instead of ${offered.label}`,
    );
    const direction = m.direction;
    check(direction === 'recvonly' || direction === 'inactive', `${where}: direction ${direction}`);
    if (offered.onHold || offered.direction === 'inactive' || offered.direction === 'recvonly') {
      check(
        direction === 'inactive',
        `${where}: offered ${offered.direction}/hold but answered ${direction}`,
      );
    }
    const formats = String(m.payloads ?? '')
      .split(' ')
      .filter((f) => f.length > 0);
    check(formats.length > 0, `${where}: no formats`);
    const rejected = !stream.accepted || offered.port === 0;
    if (rejected) {
      check(m.port === 0, `${where}: rejected stream with port ${m.port}`);
      check(
        formats.join(' ') === offered.formats.join(' '),
        `${where}: rejected stream lost its offered formats`,
      );
      check((m.crypto ?? []).length === 0, `${where}: crypto on a rejected stream`);
      return;
    }
    check(m.port === stream.port, `${where}: port ${m.port} instead of ${stream.port}`);
    check(
      formats.every((f) => offered.formats.includes(f)),
      `${where}: answered formats ${formats.join(' ')} not all offered`,
    );
    check(formats[0] === String(stream.codec?.pt), `${where}: first format is not the chosen codec`);
    const srtp = /SAVP/i.test(offered.protocol);
    const crypto = m.crypto ?? [];
    check(
      crypto.length === (srtp ? 1 : 0),
      `${where}: ${crypto.length} a=crypto lines on ${offered.protocol}`,
    );
    for (const line of crypto) {
      const offeredLine = offered.crypto.find((x) => x.tag === line.id);
      check(offeredLine !== undefined, `${where}: crypto tag ${line.id} not offered`);
      check(offeredLine?.suite === line.suite, `${where}: crypto suite changed`);
      check(
        !(offeredLine?.keyParams ?? '').includes(line.config.replace(/^inline:/, '').split('|')[0] ?? '?'),
        `${where}: offered key echoed`,
      );
    }
    check(m.rtcpMux === undefined || offered.rtcpMux, `${where}: a=rtcp-mux that was not offered`);
    check(m.ptime === offered.ptime, `${where}: ptime ${m.ptime} instead of ${offered.ptime}`);
    const rtp = m.rtp ?? [];
    check(
      formats.every((f) => rtp.some((r) => String(r.payload) === f)),
      `${where}: a format without a=rtpmap`,
    );
  });
  return problems;
}
