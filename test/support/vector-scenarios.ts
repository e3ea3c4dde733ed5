/**
 * The SRC-side SIPp scenarios of the shared vectors, prepared to run standalone against the test's recorder:
 * each is copied into a temporary folder at test time (the vectors are never copied into the repo) with
 * - the media actions (`<exec rtp_stream=…>`, `<exec play_pcap_audio=…>`) removed: their audio files are not in
 *   the vectors (INDEX.md);
 * - pauses and timewaits cut to at most 100 ms, so the whole set runs in the integration tier's time budget;
 * - CSV injection fields (`[field0 file="x.csv"]`) written in as the first call would get them (SIPp 3.6 does
 *   not find a second `-inf` file given with a path);
 * - `Call-ID: [call_id]-XX` (drachtio's Sonus scenario) back to `[call_id]`: SIPp drops answers whose Call-ID is
 *   not its own;
 * - per scenario, the documented SIPp authoring bugs fixed only where they stop a compliant SRS (SCENARIO_FIXES).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { VECTORS_DIR } from './recorder-process.js';
import { csvField } from './vector-invites.js';

const SIPP_SUBFOLDER = 'miarec-sipp-siprec-rest/scenarios';
const MAX_PAUSE_MS = 100;

/** A documented authoring bug (INDEX.md §4) and its repair in our copy. */
export interface ScenarioFix {
  readonly why: string;
  readonly apply: (xml: string) => string;
}

/** Rewrites the `<send>` blocks whose message starts with `method`, the `nth` of them (0-based) or all. */
function inSends(method: string, edit: (cdata: string) => string, nth?: number): (xml: string) => string {
  return (xml) => {
    let seen = 0;
    return xml.replace(
      /(<send\b[^>]*>\s*<!\[CDATA\[)([\s\S]*?)(\]\]>)/g,
      (whole, open: string, cdata: string, close: string) => {
        if (!new RegExp(`^\\s*${method}\\s`).test(cdata)) return whole;
        const index = seen++;
        return nth === undefined || nth === index ? `${open}${edit(cdata)}${close}` : whole;
      },
    );
  };
}

const addToTag = (cdata: string): string =>
  cdata.replace(/^(\s*To:[^\n]*?>)(?!\[peer_tag_param\])([ \t]*)$/m, '$1[peer_tag_param]$2');

/**
 * Authoring bugs fixed per scenario, only where a compliant SRS must refuse the message (RFC 3261 §12.2.2: a
 * request without the To-tag is not in the dialog; §17.2.3: an ACK's CSeq method must be ACK).
 */
export const SCENARIO_FIXES: Readonly<Record<string, readonly ScenarioFix[]>> = {
  'miarec-cisco-cube-nbr-no-metadata.sipp.xml': [
    {
      why: 'ACK and BYE lack the To-tag: [peer_tag_param] added',
      apply: (x) => inSends('(ACK|BYE)', addToTag)(x),
    },
  ],
  'miarec-cisco-cube-nbr-transfer-reinvite.sipp.xml': [
    {
      why: 'ACKs and BYE lack the To-tag: [peer_tag_param] added',
      apply: (x) => inSends('(ACK|BYE)', addToTag)(x),
    },
  ],
  'miarec-broadworks-pause-resume-c0000.sipp.xml': [
    {
      why: 'ACK CSeq method INVITE, BYE with "CSeq: n INVITE" and no To-tag: methods set, [peer_tag_param] added',
      apply: (x) =>
        inSends('BYE', (c) => addToTag(c.replace(/^(\s*CSeq:\s*\S+\s+)INVITE/m, '$1BYE')))(
          inSends('ACK', (c) => c.replace(/^(\s*CSeq:\s*\S+\s+)INVITE/m, '$1ACK'))(x),
        ),
    },
  ],
};

/**
 * A BYE whose CSeq number is below an earlier request's is out of order (RFC 3261 §12.2.2: 500). Several MiaRec
 * scenarios have such hand-edited numbers (Webex conference 610644699 after 660944698, Metaswitch 02b/04c legs
 * copied from another leg's trace); the BYE gets the next number.
 */
function renumberStaleBye(xml: string): string {
  let highest = -1;
  return xml.replace(
    /(<send\b[^>]*>\s*<!\[CDATA\[)([\s\S]*?)(\]\]>)/g,
    (whole, open: string, cdata: string, close: string) => {
      const cseq = /^(\s*CSeq:\s*)(\d+)(\s+)(\w+)/m.exec(cdata);
      if (!cseq) return whole;
      const number = Number(cseq[2]);
      const method = cseq[4]!;
      if (method === 'BYE' && number < highest) {
        const fixed = cdata.replace(/^(\s*CSeq:\s*)\d+/m, `$1${highest + 1}`);
        return `${open}${fixed}${close}`;
      }
      if (method !== 'ACK') highest = Math.max(highest, number);
      return whole;
    },
  );
}

/** Scenario ids (relative to the vectors folder) that SIPp can play alone against an SRS. */
export function standaloneScenarios(): string[] {
  const top = readdirSync(VECTORS_DIR)
    .filter((n) => n.endsWith('.sipp.xml'))
    .map((n) => n);
  const rest = walk(join(VECTORS_DIR, SIPP_SUBFOLDER))
    .filter((p) => p.endsWith('.xml'))
    .map((p) => relative(VECTORS_DIR, p));
  return [...top, ...rest].sort().filter((id) => standaloneReason(id) === undefined);
}

/**
 * Why a scenario cannot run alone against an SRS, or undefined when it can: SRS-side (UAS) scenarios, and 3PCC
 * ones that wait for commands from a twin SIPp (`recvCmd`/`sendCmd`).
 */
export function standaloneReason(id: string): string | undefined {
  const xml = readFileSync(join(VECTORS_DIR, id), 'latin1');
  if (!/<send\b[^>]*>\s*<!\[CDATA\[\s*INVITE\s/.test(xml)) return 'SRS-side scenario (sends no INVITE)';
  if (/<(recvCmd|sendCmd)\b/.test(xml)) return '3PCC scenario: needs its twin SIPp instance';
  return undefined;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/**
 * Writes the runnable copy of scenario `id` into `dir`.
 * @returns the copy's path and the list of changes made to it
 */
export async function prepareScenario(id: string, dir: string): Promise<{ path: string; changes: string[] }> {
  let xml = readFileSync(join(VECTORS_DIR, id), 'latin1');
  const changes: string[] = [];
  const media = /<exec\s+(?:rtp_stream|play_pcap_audio)\s*=[^>]*\/>/g;
  if (media.test(xml)) {
    xml = xml.replace(
      /<nop>\s*<action>\s*(?:<exec\s+(?:rtp_stream|play_pcap_audio)\s*=[^>]*\/>\s*)+<\/action>\s*<\/nop>/g,
      '',
    );
    xml = xml.replace(media, '');
    changes.push('media actions removed');
  }
  const before = xml;
  xml = xml.replace(
    /<(pause|timewait)(\s[^>]*?)?milliseconds\s*=\s*"(\d+)"/g,
    (whole, tag: string, attrs = '', ms: string) =>
      Number(ms) > MAX_PAUSE_MS ? `<${tag}${attrs as string}milliseconds="${MAX_PAUSE_MS}"` : whole,
  );
  // A statistical pause (`distribution="normal" mean="180000"`, 16b) becomes a fixed one.
  xml = xml.replace(/<pause\s+distribution=[^>]*\/>/g, `<pause milliseconds="${MAX_PAUSE_MS}"/>`);
  if (xml !== before) changes.push(`pauses cut to ${MAX_PAUSE_MS} ms`);
  if (/\[field\d+ file=/.test(xml)) {
    xml = xml.replace(/\[field(\d+) file="([^"]+)"\]/g, (_m, n: string, file: string) =>
      csvField(file, Number(n)),
    );
    changes.push('CSV fields written in');
  }
  if (/\[call_id\]-XX/.test(xml)) {
    xml = xml.replace(/\[call_id\]-XX/g, '[call_id]');
    changes.push('Call-ID suffix -XX removed');
  }
  for (const fix of SCENARIO_FIXES[basename(id)] ?? []) {
    xml = fix.apply(xml);
    changes.push(fix.why);
  }
  const renumbered = renumberStaleBye(xml);
  if (renumbered !== xml) {
    xml = renumbered;
    changes.push("BYE CSeq below the dialog's last one (hand-edited number) renumbered");
  }
  const path = join(dir, basename(id));
  await writeFile(path, xml, 'latin1');
  return { path, changes };
}
