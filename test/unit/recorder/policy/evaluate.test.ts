/**
 * Which policy decides a call: priority then name, every match kind (participants with roles from vendor hints or
 * from order, source CIDRs, INVITE headers, metadata fields), the default, and bounded inputs.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../support/recorder-process.js';
import { PolicySet } from '../../../../recorder/src/policy/policy-set.js';
import type { PolicyInput } from '../../../../recorder/src/policy/policy.js';
import { parseMetadata, type RecordingMetadata } from '../../../../recorder/src/siprec/metadata/index.js';
import { goldenPoliciesJson } from './golden.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/recorder-policy');

function metadata(name: string): RecordingMetadata {
  const parsed = parseMetadata(readFileSync(join(FIXTURES, name), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.metadata;
}

function input(opts: {
  source?: string;
  headers?: Record<string, string[]>;
  metadata?: RecordingMetadata;
}): PolicyInput {
  return {
    sourceAddress: opts.source ?? '198.51.100.7',
    header: (name) => opts.headers?.[name] ?? [],
    metadata: opts.metadata,
  };
}

/** Participants rewritten: the golden policies match on AoRs. */
function withAors(aors: string[], base = metadata('metadata-internal-caller.xml')): RecordingMetadata {
  return {
    ...base,
    participants: aors.map((aor, i) => ({ id: `p${i}`, aor, sends: [], receives: [] })),
  };
}

describe('PolicySet evaluation', () => {
  const golden = PolicySet.parse(goldenPoliciesJson());

  it('skips a call whose first participant (the caller, by order) is a four-digit extension', () => {
    const d = golden.evaluate(input({ metadata: metadata('metadata-internal-caller.xml') }));
    expect(d.policy?.name).to.equal('skip-internal');
    expect(d.action).to.equal('skip');
  });

  it('uses the metadata roles when the SRC gives them: a callee extension is not a caller', () => {
    const d = golden.evaluate(input({ metadata: metadata('metadata-oracle-callee-listed-first.xml') }));
    expect(d.policy).to.equal(undefined);
    expect(d.action).to.equal('record');
  });

  it('needs every criterion of sales: callee AoR, source CIDR and tenant header', () => {
    const call = withAors(['sip:+4930123@carrier.example', 'sip:+15557654321@PBX.example.com']);
    const headers = { 'x-recording-tenant': ['Sales'] };
    expect(golden.evaluate(input({ source: '10.20.1.9', headers, metadata: call })).policy?.name).to.equal(
      'sales',
    );
    expect(golden.evaluate(input({ source: '10.21.1.9', headers, metadata: call })).policy).to.equal(
      undefined,
    );
    expect(golden.evaluate(input({ source: '10.20.1.9', metadata: call })).policy).to.equal(undefined);
    const reversed = withAors(['sip:+15557654321@pbx.example.com', 'sip:+4930123@carrier.example']);
    expect(golden.evaluate(input({ source: '10.20.1.9', headers, metadata: reversed })).policy).to.equal(
      undefined,
    );
  });

  it('records by default without metadata, and with an empty policy set', () => {
    expect(golden.evaluate(input({})).action).to.equal('record');
    expect(
      PolicySet.empty().evaluate(input({ metadata: metadata('metadata-internal-caller.xml') })),
    ).to.deep.equal({
      policy: undefined,
      action: 'record',
    });
  });

  describe('every match kind', () => {
    const set = PolicySet.loadSync(join(FIXTURES, 'every-match-kind.json'));
    const decide = (i: PolicyInput): string | undefined => set.evaluate(i).policy?.name;

    it('participant names, with the highest priority first', () => {
      const m = metadata('metadata-oracle-callee-listed-first.xml');
      const vip = {
        ...m,
        participants: m.participants.map((p, i) => (i === 0 ? { ...p, name: 'VIP Customer' } : p)),
      };
      expect(decide(input({ metadata: vip }))).to.equal('vip-by-name');
    });

    it('ties broken by name: extension text (Oracle UCID) before stream label', () => {
      const m = metadata('metadata-oracle-callee-listed-first.xml');
      expect(decide(input({ metadata: m }))).to.equal('a-tie');
      expect(decide(input({ metadata: { ...m, vendor: {}, extensions: [] } }))).to.equal('b-tie');
    });

    it('group id and session id', () => {
      expect(decide(input({ metadata: metadata('metadata-internal-caller.xml') }))).to.equal('group');
      expect(decide(input({ metadata: metadata('metadata-avaya-placeholder.xml') }))).to.equal('session');
    });

    it('source CIDRs (IPv4, IPv6, IPv4-mapped) together with a header', () => {
      const headers = { 'x-recording-tenant': ['LAB'] };
      expect(decide(input({ source: '192.0.2.44', headers }))).to.equal('tenant-header-from-lab');
      expect(decide(input({ source: '2001:db8::5', headers }))).to.equal('tenant-header-from-lab');
      expect(decide(input({ source: '::ffff:192.0.2.44', headers }))).to.equal('tenant-header-from-lab');
      expect(decide(input({ source: '203.0.113.1', headers }))).to.equal(undefined);
      expect(decide(input({ source: '192.0.2.44', headers: { 'x-recording-tenant': ['lab2'] } }))).to.equal(
        undefined,
      );
    });
  });

  it('normalises AoRs sent without scheme, in angle brackets or with parameters', () => {
    for (const aor of [
      '1234@pbx.example.com',
      '<sip:1234@pbx.example.com>',
      'sip:1234@pbx.example.com;user=phone',
    ]) {
      expect(
        golden.evaluate(input({ metadata: withAors([aor, 'sip:+15550000@pbx.example.com']) })).action,
        aor,
      ).to.equal('skip');
    }
  });

  it('tests at most the first 1024 characters of a hostile value (a quadratic pattern stays fast)', () => {
    const set = PolicySet.parse(
      JSON.stringify({
        version: 1,
        policies: [
          {
            name: 'slow-if-unbounded',
            action: 'reject',
            match: { headers: [{ name: 'x-junk', regex: { source: '^a*a*b$', flags: 'u' } }] },
          },
        ],
      }),
    );
    const started = process.hrtime.bigint();
    const d = set.evaluate(input({ headers: { 'x-junk': ['a'.repeat(200_000)] } }));
    expect(d.action).to.equal('record');
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(500);
  });
});
