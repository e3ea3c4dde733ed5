/**
 * 2 000 recording sessions with unique Call-IDs against the running recorder, in waves of 250 concurrent calls
 * (all INVITEs of a wave, then all BYEs). Afterwards nothing may be left behind: no active session (gauge and API),
 * every RTP port of the range bindable again, one final sidecar per call, and resident memory back near the level
 * measured after a warm-up.
 */
import { expect } from 'chai';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { allocateRtpRange, startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import {
  SipClient,
  dialogOf,
  inDialogRequest,
  token,
  type SipMessageIn,
} from '../../../support/sip-client.js';
import { expectStillServing, siprecInvite } from '../../../support/siprec-invite.js';

const WAVE = 250;
const WAVES = 8;

/** A gauge's value from the Prometheus text exposition. */
function metric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`metric ${name} not exposed`);
  return Number(match[1]);
}

async function metrics(recorder: RecorderProcess): Promise<string> {
  const res = await recorder.http('/metrics');
  expect(res.status).to.equal(200);
  return String(res.body);
}

/**
 * Local UDP ports of the sockets process `pid` holds (Linux: its fd table joined with /proc/net/udp by inode).
 * Binding the range ourselves would not do: any process's ephemeral ports may fall inside it.
 */
async function udpPortsOf(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const inode = cols[9];
      if (local && inode && inodes.has(inode)) ports.push(parseInt(local.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

describe('2 000 sessions against the running recorder leave nothing behind', function () {
  this.timeout(180_000);
  let recorder: RecorderProcess;
  let client: SipClient;
  // Room for two waves: ports of a wave just ended may still be closing in the media workers.
  const rtp = allocateRtpRange(2400);

  before(async () => {
    recorder = await startRecorder({
      MEDIA_TIMEOUT: '0',
      RTP_PORT_MIN: String(rtp.min),
      RTP_PORT_MAX: String(rtp.max),
    });
    client = await SipClient.open('udp', { host: '127.0.0.1', port: recorder.sipPort });
  });
  after(async () => {
    client?.close();
    await recorder?.stop();
  });

  /** `count` concurrent calls: every INVITE, then every ACK and BYE. Returns the statuses seen. */
  async function wave(count: number): Promise<{ invites: number[]; byes: number[] }> {
    const invites = Array.from({ length: count }, () =>
      siprecInvite({
        transport: 'udp',
        localPort: client.localPort,
        remotePort: recorder.sipPort,
        callId: `${token(8)}@many.test`,
      }),
    );
    const answers = await Promise.all(invites.map((inv) => client.request(inv, 20_000)));
    const finals = answers.map((r) => r.at(-1));
    const dialogs = finals.map((ok, i) =>
      ok?.status === 200 ? dialogOf(invites[i]!, ok, 'udp', client.localPort) : undefined,
    );
    for (const d of dialogs) if (d) client.send(inDialogRequest(d, 'ACK'));
    const byes = await Promise.all(
      dialogs.map((d) =>
        d ? client.request(inDialogRequest(d, 'BYE'), 20_000) : Promise.resolve<SipMessageIn[]>([]),
      ),
    );
    return {
      invites: finals.map((f) => f?.status ?? 0),
      byes: byes.map((b) => b.at(-1)?.status ?? 0),
    };
  }

  it('records 2 000 calls and then has no session, no bound RTP port or socket and no memory growth', async () => {
    // Warm-up at full concurrency: V8, the allocator and the media workers reach their working size here.
    for (let i = 0; i < 2; i++) expect(new Set((await wave(WAVE)).invites)).to.deep.equal(new Set([200]));
    await new Promise((r) => setTimeout(r, 500));
    const warm = await metrics(recorder);
    const baseline = metric(warm, 'siprec_process_resident_memory_bytes');
    const baselineFds = metric(warm, 'siprec_process_open_fds');

    const started = Date.now();
    for (let i = 0; i < WAVES; i++) {
      const result = await wave(WAVE);
      expect(
        result.invites.filter((s) => s !== 200),
        `wave ${i} INVITEs`,
      ).to.deep.equal([]);
      expect(
        result.byes.filter((s) => s !== 200),
        `wave ${i} BYEs`,
      ).to.deep.equal([]);
    }
    const elapsed = Date.now() - started;

    await new Promise((r) => setTimeout(r, 1000));
    const after = await metrics(recorder);
    const rss = metric(after, 'siprec_process_resident_memory_bytes');
    process.stdout.write(
      `      2 000 calls in ${elapsed} ms; RSS ${(baseline / 2 ** 20).toFixed(1)} MiB after warm-up, ` +
        `${(rss / 2 ** 20).toFixed(1)} MiB after; open fds ${baselineFds} → ${metric(after, 'siprec_process_open_fds')}\n`,
    );
    const total = WAVE * (WAVES + 2);
    expect(metric(after, 'siprec_active_sessions')).to.equal(0);
    expect(metric(after, 'siprec_sessions_total')).to.equal(total);
    expect(metric(after, 'siprec_rtp_ports_in_use')).to.equal(0);
    expect((await recorder.http('/api/sessions')).body).to.deep.equal({ sessions: [] });
    expect(metric(after, 'siprec_process_open_fds'), 'sockets and files closed').to.be.at.most(
      baselineFds + 2,
    );
    const held = await udpPortsOf(recorder.child.pid!);
    expect(held, 'the SIP socket is seen, so the lookup works').to.include(recorder.sipPort);
    expect(
      held.filter((p) => p >= rtp.min && p <= rtp.max),
      'RTP ports still bound',
    ).to.deep.equal([]);
    // RSS is a high-water mark: the allocator keeps what 250 concurrent calls needed, and the SIP core holds each
    // finished transaction for 64·T1 = 32 s, i.e. all of these calls. Measured on a loaded 2-core box: +24 % to
    // +45 % after 2 000 calls, flat from the sixth wave on; heap snapshots after 2 000 and 4 000 calls differ by
    // under 40 KB. The bound catches a leak of ~80 KiB per call; the fd, port and session checks above are exact.
    expect(rss, 'RSS back near the warm-up level').to.be.lessThan(baseline * 1.75 + 16 * 2 ** 20);
    const finals = (await readdir(recorder.recordingDir)).filter((f) => f.endsWith('.json'));
    expect(finals).to.have.length(total);
    await expectStillServing(recorder);
  });
});
