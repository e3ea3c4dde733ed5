/**
 * The policy engine on real recording sessions: the decision at the INVITE (skip answers every stream inactive and
 * configures no media), record ↔ skip on metadata updates, DTMF and header pause triggers with maxPause on a fake
 * clock, and the API guard (403 when allowApi is false, 409 for a call that is not recorded).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { REPO_ROOT } from '../../../support/recorder-process.js';
import { PolicyEngine } from '../../../../recorder/src/policy/policy-engine.js';
import { PolicySet } from '../../../../recorder/src/policy/policy-set.js';
import type { PauseTimers } from '../../../../recorder/src/policy/pause-rules.js';
import type { RecorderControl } from '../../../../recorder/src/http/http-server.js';
import { parseSipMessage, SipHeaders, type SipRequest } from '../../../../recorder/src/sip/message/index.js';
import { Dialog } from '../../../../recorder/src/sip/dialog/dialog.js';
import { RecordingSession } from '../../../../recorder/src/siprec/session/recording-session.js';
import { emptyStream } from '../../../../recorder/src/siprec/session/stream-state.js';
import type { NegotiationResult } from '../../../../recorder/src/siprec/session/media-negotiator.js';
import type { DtmfEvent } from '../../../../recorder/src/media/engine/engine-protocol.js';
import { goldenPoliciesJson } from './golden.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/recorder-policy');
const SOURCE = {
  protocol: 'udp',
  remoteAddress: '10.20.0.5',
  remotePort: 5060,
  localAddress: '127.0.0.1',
  localPort: 5080,
} as const;

function invite(extra: string[] = []): SipRequest {
  const text = [
    'INVITE sip:srs@127.0.0.1:5080 SIP/2.0',
    'Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bKpolicy1',
    'From: <sip:src@10.20.0.5>;tag=src1',
    'To: <sip:srs@127.0.0.1>',
    'Call-ID: policy-unit@10.20.0.5',
    'CSeq: 1 INVITE',
    'Contact: <sip:src@10.20.0.5:5060>',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseSipMessage(Buffer.from(text)) as SipRequest;
}

function newSession(request: SipRequest, metadataFile?: string): RecordingSession {
  const session = new RecordingSession({
    recordingId: 'rec-1',
    dialog: Dialog.fromInvite(request, SOURCE, 'srs1', '<sip:srs@127.0.0.1:5080>'),
    source: SOURCE,
    startedAt: 1_700_000_000_000,
    siprec: true,
    classifiedBy: 'require',
    localSessionId: '1',
    correlationHeaders: {},
  });
  if (metadataFile) session.applyMetadata(readFileSync(join(FIXTURES, metadataFile), 'utf8'), 'INVITE', 0);
  return session;
}

/** Fake time for maxPause. */
class FakeTimers implements PauseTimers {
  now = 0;
  readonly #due = new Map<NodeJS.Timeout, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    const handle = { unref: () => handle } as unknown as NodeJS.Timeout;
    this.#due.set(handle, { at: this.now + ms, fn });
    return handle;
  }
  clearTimeout(t: NodeJS.Timeout): void {
    this.#due.delete(t);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [h, t] of [...this.#due]) {
      if (t.at <= this.now) {
        this.#due.delete(h);
        t.fn();
      }
    }
  }
}

function dtmf(digits: string, label = '1', atMs = 1000): DtmfEvent[] {
  return [...digits].map((digit, i) => ({ digit, label, channel: 0, atMs: atMs + i * 300, durationMs: 120 }));
}

describe('PolicyEngine', () => {
  let set: PolicySet;
  let session: RecordingSession;
  let timers: FakeTimers;
  const decisions: { policy: string; action: string }[] = [];
  let engine: PolicyEngine;

  beforeEach(() => {
    set = PolicySet.parse(goldenPoliciesJson());
    timers = new FakeTimers();
    decisions.length = 0;
    engine = new PolicyEngine({
      policies: () => set,
      logger: pino({ level: 'silent' }),
      clock: { now: () => timers.now },
      decisions: { inc: (labels) => decisions.push(labels) },
      // The session layer's pause: the recording's flag (the media timeline is the integration tests' business).
      setPaused: (id, paused) => {
        if (id === session.recordingId) session.paused = paused;
      },
      sessionOf: (id) => (id === session.recordingId ? session : undefined),
      agent: 'recorder-0',
      timers,
    });
  });

  it('skip at the INVITE: every accepted stream answered inactive, no media configured, sidecar skipped', () => {
    session = newSession(invite(), 'metadata-internal-caller.xml');
    const decision = engine.decide(session, invite().headers);
    expect(decision.action).to.equal('skip');
    const streams = [emptyStream(0), emptyStream(1)].map((s, i) => ({
      ...s,
      accepted: true,
      direction: 'recvonly' as const,
      ports: { rtpPort: 20_000 + 2 * i, rtcpPort: 20_001 + 2 * i },
      codec: { name: 'PCMU' as const, pt: 0, clockRate: 8000 } as never,
      channel: i,
    }));
    const negotiation: NegotiationResult = {
      streams,
      answer: streams.map((s) => ({ accepted: true, port: s.ports.rtpPort, direction: 'recvonly' as const })),
      released: [],
    };
    const shaped = engine.shapeAnswer(session, negotiation);
    expect(shaped.answer.map((a) => a.direction)).to.deep.equal(['inactive', 'inactive']);
    session.streams = shaped.streams;
    expect(engine.mediaStreams(session)).to.deep.equal([]);
    session.end('bye', 5000);
    const doc = session.toSidecar('recorder-0');
    expect(doc.endReason).to.equal('skipped');
    expect(doc.policy).to.deep.include({ name: 'skip-internal', action: 'skip', sessionEndReason: 'bye' });
    expect(decisions).to.deep.equal([{ policy: 'skip-internal', action: 'skip' }]);
  });

  it('reject names the policy in Reason and Warning', () => {
    set = PolicySet.parse(JSON.stringify({ version: 1, policies: [{ name: 'no-lab', action: 'reject' }] }));
    session = newSession(invite());
    const decision = engine.decide(session, invite().headers);
    expect(decision.action).to.equal('reject');
    expect(engine.refusalHeaders(decision)).to.deep.equal([
      ['Reason', 'SIP;cause=480;text="recording refused by policy no-lab"'],
      ['Warning', '399 recorder-0 "recording refused by policy no-lab"'],
    ]);
  });

  it('a metadata update switches record → skip (pause) and back (resume)', () => {
    session = newSession(invite(), 'metadata-avaya-placeholder.xml');
    expect(engine.decide(session, invite().headers).action).to.equal('record');
    session.applyMetadata(readFileSync(join(FIXTURES, 'metadata-internal-caller.xml'), 'utf8'), 'UPDATE', 1);
    engine.reevaluate(session);
    expect(session.paused).to.equal(true);
    expect(session.policy?.action).to.equal('skip');
    session.applyMetadata(
      readFileSync(join(FIXTURES, 'metadata-oracle-callee-listed-first.xml'), 'utf8'),
      'UPDATE',
      2,
    );
    engine.reevaluate(session);
    expect(session.paused).to.equal(false);
    expect(session.toSidecar('r').policy).to.deep.include({ name: null, action: 'record' });
    expect((session.toSidecar('r').policy as { decisions: unknown[] }).decisions).to.have.length(3);
    expect(decisions.map((d) => d.policy)).to.deep.equal(['(default)', 'skip-internal', '(default)']);
  });

  it('DTMF *1 pauses, *2 resumes, maxPause resumes on its own; digits on the other stream do not mix', () => {
    session = newSession(invite(['X-Recording-Tenant: sales']));
    session.applyMetadata(
      readFileSync(join(FIXTURES, 'metadata-internal-caller.xml'), 'utf8').replace(
        'sip:1234@pbx.example.com',
        'sip:+4930123@carrier.example',
      ),
      'INVITE',
      0,
    );
    expect(engine.decide(session, invite(['X-Recording-Tenant: sales']).headers).policy?.name).to.equal(
      'sales',
    );
    engine.onDtmf('rec-1', [...dtmf('*', '1'), ...dtmf('1', '2', 1100)]);
    expect(session.paused, '* and 1 on different streams').to.equal(false);
    engine.onDtmf('rec-1', dtmf('*1'));
    expect(session.paused).to.equal(true);
    engine.onDtmf('rec-1', dtmf('4111111111111111*2', '1', 5000));
    expect(session.paused).to.equal(false);
    engine.onDtmf('rec-1', dtmf('*1', '1', 20_000));
    expect(session.paused).to.equal(true);
    timers.advance(179_999);
    expect(session.paused).to.equal(true);
    timers.advance(1);
    expect(session.paused, 'maxPause 3m').to.equal(false);
  });

  it('API pause: 403 when the policy forbids it, 409 for a skipped call, else paused alongside triggers', () => {
    set = PolicySet.parse(
      JSON.stringify({
        version: 1,
        policies: [
          {
            name: 'locked',
            priority: 2,
            action: 'record',
            match: { sourceCIDRs: ['10.20.0.0/16'] },
            pause: { allowApi: false },
          },
        ],
      }),
    );
    const control: RecorderControl = {
      health: () => ({ ready: true, draining: false, reasons: [] }),
      listSessions: () => [],
      getSession: () => undefined,
      drain: () => undefined,
      pause: () => false,
      resume: () => false,
    };
    const api = engine.guard(control);
    session = newSession(invite());
    engine.decide(session, invite().headers);
    expect(api.pause('rec-1')).to.deep.include({ status: 403 });
    expect(api.pause('unknown')).to.equal(false);

    set = PolicySet.parse(goldenPoliciesJson());
    session = newSession(invite(), 'metadata-internal-caller.xml');
    engine.decide(session, invite().headers);
    expect(api.resume('rec-1')).to.deep.include({ status: 409 });

    session = newSession(invite());
    engine.decide(session, invite().headers);
    expect(api.pause('rec-1')).to.equal(true);
    expect(session.paused).to.equal(true);
    expect(api.resume('rec-1')).to.equal(true);
    expect(session.paused).to.equal(false);
  });

  it('header triggers pause and resume on in-dialog requests', () => {
    set = PolicySet.loadSync(join(FIXTURES, 'every-match-kind.json'));
    const request = invite(['X-Recording-Tenant: lab']);
    const lab = { ...SOURCE, remoteAddress: '192.0.2.10' };
    session = new RecordingSession({
      recordingId: 'rec-1',
      dialog: Dialog.fromInvite(request, lab, 'srs1', '<sip:srs@127.0.0.1>'),
      source: lab,
      startedAt: 0,
      siprec: true,
      classifiedBy: 'require',
      localSessionId: '1',
      correlationHeaders: {},
    });
    const decision = engine.decide(session, request.headers);
    expect(decision.policy?.name).to.equal('tenant-header-from-lab');
    // Rejected at the INVITE in production; here the rules are exercised on a session decided `record` meanwhile.
    set = PolicySet.parse(
      readFileSync(join(FIXTURES, 'every-match-kind.json'), 'utf8').replace(
        '"action": "reject",\n      "match": {\n        "sourceCIDRs"',
        '"action": "record",\n      "match": {\n        "sourceCIDRs"',
      ),
    );
    engine.reevaluate(session);
    expect(session.policy?.action).to.equal('record');
    engine.onRequest(session, new SipHeaders([['X-PCI', 'Pause-Now']]));
    expect(session.paused).to.equal(true);
    engine.onRequest(session, new SipHeaders([['X-PCI', 'resume']]));
    expect(session.paused).to.equal(false);
  });
});
