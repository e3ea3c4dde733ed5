/**
 * Loading POLICY_FILE: the operator's own golden policies.json, every match kind, and documents that must be
 * refused with a message naming the policy and the field.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../support/recorder-process.js';
import { PolicySet } from '../../../../recorder/src/policy/policy-set.js';
import { PolicyFileError } from '../../../../recorder/src/policy/policy-error.js';
import { goldenPoliciesJson } from './golden.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/recorder-policy');

function refusal(load: () => unknown): PolicyFileError {
  try {
    load();
  } catch (err) {
    expect(err).to.be.instanceOf(PolicyFileError);
    return err as PolicyFileError;
  }
  throw new Error('the document was accepted');
}

describe('PolicySet loading', () => {
  it("loads the operator's golden policies.json in evaluation order with its pause rules", () => {
    const set = PolicySet.parse(goldenPoliciesJson(), 'policies.json');
    expect(set.names).to.deep.equal(['skip-internal', 'sales']);
    const sales = set.get('sales')!;
    expect(sales.action).to.equal('record');
    expect(sales.retentionDays).to.equal(90);
    expect(sales.pause.triggers).to.deep.equal([
      { type: 'dtmf', pauseOn: '*1', resumeOn: '*2', maxPauseMs: 180_000 },
    ]);
    expect(sales.match.sourceCidrs.contains('10.20.3.4')).to.equal(true);
    expect(set.headerNames).to.deep.equal(new Set(['x-recording-tenant']));
  });

  it('loads a file with every match kind, ties ordered by name', async () => {
    const set = await PolicySet.load(join(FIXTURES, 'every-match-kind.json'));
    expect(set.names).to.deep.equal([
      'vip-by-name',
      'a-tie',
      'b-tie',
      'group',
      'session',
      'tenant-header-from-lab',
    ]);
    const lab = set.get('tenant-header-from-lab')!;
    expect(lab.pause.triggers[1]).to.include({ type: 'header', header: 'x-pci', maxPauseMs: 0 });
    expect(set.get('vip-by-name')!.pause.allowApi).to.equal(false);
  });

  it('refuses a document with every problem listed, each naming its policy and field', () => {
    const err = refusal(() => PolicySet.loadSync(join(FIXTURES, 'invalid-many.json')));
    expect(err.code).to.equal('POLICY_FILE_INVALID');
    const text = err.problems.join('\n');
    expect(text).to.match(
      /policy "broken-group": match\.participants\[0\]\.regex: Invalid regular expression/,
    );
    expect(text).to.contain(
      'policy "backtracking": match.participants[0].regex: regex "^(a+)+$" nests quantifiers',
    );
    expect(text).to.contain('policy "archive-it": action "archive" must be one of record, skip, reject');
    expect(text).to.contain('policy "stateful-flag": match.headers[0].regex: flags "gu" may only combine');
    expect(text).to.match(/policy "bad-cidr": match\.sourceCIDRs: /);
    expect(text).to.contain('policy "bad-field": match.metadata[0].field "callerName" must be one of');
    expect(text).to.contain('policy "bad-trigger": pause.triggers[0].pauseOn "*1x" must be a DTMF sequence');
    expect(text).to.contain('policy "archive-it": name: another policy has the same name');
    expect(err.message).to.contain(join(FIXTURES, 'invalid-many.json'));
  });

  it('refuses an unknown layout version, broken JSON and a missing file', () => {
    expect(
      refusal(() => PolicySet.loadSync(join(FIXTURES, 'unsupported-version.json'))).problems,
    ).to.deep.equal(['version 2 is not supported (this recorder reads version 1)']);
    expect(refusal(() => PolicySet.loadSync(join(FIXTURES, 'truncated.json'))).problems[0]).to.match(
      /^not JSON: /,
    );
    const missing = refusal(() => PolicySet.loadSync(join(FIXTURES, 'no-such-file.json')));
    expect(missing.code).to.equal('POLICY_FILE_UNREADABLE');
    expect(missing.message).to.contain('ENOENT');
  });

  it('accepts a hand-written maxPause duration and applies the defaults the CRD has', () => {
    const set = PolicySet.parse(
      JSON.stringify({
        version: 1,
        policies: [
          {
            name: 'hand',
            action: 'record',
            pause: { triggers: [{ type: 'dtmf', pauseOn: '#9', maxPause: '90s' }] },
          },
          { name: 'bare', action: 'skip' },
        ],
      }),
    );
    expect(set.get('hand')!.pause.triggers[0]).to.deep.equal({
      type: 'dtmf',
      pauseOn: '#9',
      resumeOn: undefined,
      maxPauseMs: 90_000,
    });
    const bare = set.get('bare')!;
    expect(bare.priority).to.equal(0);
    expect(bare.pause.allowApi).to.equal(true);
    expect(bare.match.sourceCidrs.isEmpty).to.equal(true);
  });
});
