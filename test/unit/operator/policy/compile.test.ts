import { expect } from 'chai';
import type { RecordingPolicy } from '../../../../operator/src/api/generated/recording-policy.js';
import type { SiprecRecorder } from '../../../../operator/src/api/generated/siprec-recorder.js';
import { compilePolicy } from '../../../../operator/src/policy/compile.js';
import { globToRegex, GlobSyntaxError } from '../../../../operator/src/policy/glob.js';
import { matchesSelector, selectPolicies } from '../../../../operator/src/policy/select.js';
import { loadFixture } from '../support/fixtures.js';

const rx = (r: { source: string; flags: string }) => new RegExp(r.source, r.flags);

describe('operator policy: globs', () => {
  it('matches whole AoRs, case-insensitively, with * ? and classes; everything else literal', () => {
    const aor = rx(globToRegex('sip:+1555*@pbx.example.com'));
    expect(aor.test('sip:+15550001111@pbx.example.com')).to.equal(true);
    expect(aor.test('SIP:+15550001111@PBX.EXAMPLE.COM')).to.equal(true);
    expect(aor.test('sip:+15550001111@pbxXexample.com'), 'dot is literal').to.equal(false);
    expect(aor.test('xsip:+15550001111@pbx.example.com'), 'anchored').to.equal(false);
    expect(rx(globToRegex('sip:10?@*')).test('sip:101@a')).to.equal(true);
    expect(rx(globToRegex('sip:[!0-4]*')).test('sip:5x')).to.equal(true);
    expect(rx(globToRegex('sip:[!0-4]*')).test('sip:3x')).to.equal(false);
    expect(rx(globToRegex('a(b)|c$')).test('a(b)|c$')).to.equal(true);
  });

  it('refuses an unterminated class', () => {
    expect(() => globToRegex('sales[0-9')).to.throw(GlobSyntaxError, /unterminated \[/);
  });
});

describe('operator policy: compile', () => {
  it('compiles the sample policy the recorder will load', () => {
    const result = compilePolicy(loadFixture<RecordingPolicy>('policies/sales-defaulted.yaml'));
    expect(result.valid).to.equal(true);
    if (!result.valid) return;
    expect(result.policy.name).to.equal('sales');
    expect(result.policy.match.headers[0]?.name).to.equal('x-recording-tenant');
    expect(rx(result.policy.match.headers[0]!.regex).test('Sales')).to.equal(true);
    expect(result.policy.match.sourceCIDRs).to.deep.equal(['10.20.0.0/16']);
    expect(result.policy.retention.days).to.equal(90);
  });

  it('reports every broken pattern with the field it is in, and never throws', () => {
    const result = compilePolicy(loadFixture<RecordingPolicy>('policies/invalid-patterns.yaml'));
    expect(result.valid).to.equal(false);
    if (result.valid) return;
    expect(result.problems).to.have.length(3);
    expect(result.problems[0]).to.match(/^match\.participants\[0\]\.pattern: Invalid regular expression/);
    expect(result.problems[1]).to.match(
      /^match\.participants\[1\]\.pattern: regex "\^\(a\+\)\+\$" nests quantifiers/,
    );
    expect(result.problems[2]).to.equal(
      'match.headers[0].pattern: glob "sales[0-9": unterminated [ at position 6',
    );
  });

  it('rejects CIDRs and durations the API server did not check (e.g. an older CRD)', () => {
    const policy = loadFixture<RecordingPolicy>('policies/sales-defaulted.yaml');
    policy.spec.match.sourceCIDRs = ['10.0.0.0/33', '10.0.0.1', 'fe80::/64'];
    policy.spec.pause.triggers = [{ type: 'header', pauseOn: 'on', maxPause: 'soon' }];
    const result = compilePolicy(policy);
    expect(result.valid).to.equal(false);
    if (result.valid) return;
    expect(result.problems).to.deep.equal([
      'match.sourceCIDRs[0]: "10.0.0.0/33" is not a CIDR',
      'match.sourceCIDRs[1]: "10.0.0.1" is not a CIDR',
      'pause.triggers[0].maxPause: "soon" is not a duration',
    ]);
  });

  it('refuses what the recorder would refuse to run on the SIP thread: backtracking regexes and globs', () => {
    const policy = loadFixture<RecordingPolicy>('policies/sales-defaulted.yaml');
    policy.spec.match.participants = [
      { role: 'any', syntax: 'regex', pattern: '(a|aa)*b' },
      { role: 'any', syntax: 'glob', pattern: '*a*a*a*b' },
      { role: 'any', syntax: 'glob', pattern: '*@lab.example.com' },
      { role: 'any', syntax: 'regex', pattern: '^sip:[^@]*@(lab|test)\\.example\\.com$' },
    ];
    policy.spec.pause.triggers = [
      { type: 'header', header: 'X-Pause', pauseOn: '*x*x*x*y', resumeOn: 'resume*', maxPause: '3m' },
    ];
    const result = compilePolicy(policy);
    expect(result.valid).to.equal(false);
    if (result.valid) return;
    expect(result.problems).to.have.length(3);
    expect(result.problems[0]).to.equal(
      'match.participants[0].pattern: regex "(a|aa)*b" repeats a group whose alternatives 1 and 2 can start ' +
        'with the same character, which can take exponential time on some inputs',
    );
    expect(result.problems[1]).to.match(
      /^match\.participants\[1\]\.pattern: glob "\*a\*a\*a\*b" has quantifiers in a row that can take the same characters/,
    );
    expect(result.problems[2]).to.match(
      /^pause\.triggers\[0\]\.pauseOn: glob "\*x\*x\*x\*y" has quantifiers/,
    );
  });
});

describe('operator policy: selection', () => {
  const recorder = loadFixture<SiprecRecorder>('recorders/sample-defaulted.yaml');
  const all = [
    'sales-defaulted',
    'skip-internal-defaulted',
    'other-tenant-defaulted',
    'invalid-patterns',
  ].map((n) => loadFixture<RecordingPolicy>(`policies/${n}.yaml`));

  it('selects by label selector, in priority order then name', () => {
    expect(selectPolicies(recorder, all).policies.map((p) => p.metadata.name)).to.deep.equal([
      'skip-internal',
      'sales',
      'broken',
    ]);
  });

  it('selects by name, and reports names that do not exist', () => {
    const byName = structuredClone(recorder);
    byName.spec.policies = { names: ['support', 'gone'] };
    const selection = selectPolicies(byName, all);
    expect(selection.policies.map((p) => p.metadata.name)).to.deep.equal(['support']);
    expect(selection.missing).to.deep.equal(['gone']);
  });

  it('with no policies block uses every policy of its own namespace only', () => {
    const minimal = loadFixture<SiprecRecorder>('recorders/minimal-defaulted.yaml');
    expect(selectPolicies(minimal, all).policies).to.deep.equal([]);
    const sameNs = structuredClone(minimal);
    sameNs.metadata.namespace = 'calls';
    expect(selectPolicies(sameNs, all).policies).to.have.length(4);
  });

  it('evaluates label selector expressions like the API server', () => {
    const labels = { tier: 'gold', region: 'eu' };
    expect(
      matchesSelector(
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] },
        labels,
      ),
    ).to.equal(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, labels),
    ).to.equal(false);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'vip', operator: 'DoesNotExist' }] }, labels),
    ).to.equal(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'vip', operator: 'Exists' }] }, labels)).to.equal(
      false,
    );
    expect(matchesSelector({ matchLabels: { region: 'us' } }, labels)).to.equal(false);
  });
});
