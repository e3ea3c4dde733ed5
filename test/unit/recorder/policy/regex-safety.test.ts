/**
 * Policy patterns run on the SIP thread against values the SRC controls: the patterns that can backtrack
 * exponentially (or worse than cubically) are refused when the policy file is loaded, with a message naming the
 * policy, field and pattern; the ones let through stay fast on a 64 KiB header value.
 */
import { expect } from 'chai';
import { PolicySet } from '../../../../recorder/src/policy/policy-set.js';
import type { PolicyInput } from '../../../../recorder/src/policy/policy.js';
import {
  analyseBacktracking,
  compilePolicyRegex,
} from '../../../../recorder/src/policy/regex-safety/index.js';

const HOSTILE_VALUE = 'a'.repeat(64 * 1024);

function policyFile(source: string, flags = 'u'): string {
  return JSON.stringify({
    version: 1,
    policies: [
      {
        name: 'tenant',
        action: 'reject',
        match: { headers: [{ name: 'x-tenant', regex: { source, flags } }] },
      },
    ],
  });
}

function refusal(source: string, flags = 'u'): string {
  try {
    PolicySet.parse(policyFile(source, flags));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${source} was accepted`);
}

function headerInput(value: string): PolicyInput {
  return {
    sourceAddress: '198.51.100.7',
    header: (n) => (n === 'x-tenant' ? [value] : []),
    metadata: undefined,
  };
}

/** Milliseconds one evaluation of `value` takes (process CPU would hide nothing here: it is one thread). */
function evaluationMs(set: PolicySet, value: string): { ms: number; action: string } {
  const started = process.hrtime.bigint();
  const { action } = set.evaluate(headerInput(value));
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, action };
}

describe('policy regex safety: hostile patterns are refused when loading', () => {
  const cases: [string, RegExp][] = [
    ['(a|aa)*b', /alternatives 1 and 2 can start with the same character, which can take exponential time/],
    ['(a+)+$', /nests quantifiers, which can take exponential time on some inputs/],
    ['^((a+))+$', /nests quantifiers/],
    ['(.*a){20}', /nests quantifiers/],
    ['(a?){20}a{20}', /nests quantifiers/],
    ['(\\w|\\d)+@', /alternatives 1 and 2 can start with the same character/],
    ['(?:x|)*y', /can match the empty string/],
    ['(a)\\1', /uses a backreference/],
    ['.*a.*a.*b', /quantifiers in a row that can take the same characters, .* 4th power of the input length/],
    ['a*a*a*x', /4th power/],
  ];
  for (const [source, message] of cases) {
    it(`${source}`, () => {
      const text = refusal(source);
      expect(text).to.contain(`policy "tenant": match.headers[0].regex: regex ${JSON.stringify(source)}`);
      expect(text).to.match(message);
    });
  }

  it('a 1 KiB pattern of 500 loops in a row, refused without the analysis itself taking long', () => {
    const started = process.hrtime.bigint();
    expect(refusal(`${'a*'.repeat(500)}b`)).to.match(
      /has quantifiers in a row that can take the same characters/,
    );
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(2000);
  });

  it('(K|\\u212A)+ only under the i flag, where the Kelvin sign and K are the same letter', () => {
    expect(() => PolicySet.parse(policyFile('^(K|\\u212A)+$'))).to.not.throw();
    expect(refusal('^(K|\\u212A)+$', 'iu')).to.match(/can start with the same character/);
  });

  it('a header pause trigger glob with many * like any pattern', () => {
    const text = (() => {
      try {
        PolicySet.parse(
          JSON.stringify({
            version: 1,
            policies: [
              {
                name: 'ivr',
                action: 'record',
                pause: {
                  triggers: [{ type: 'header', header: 'X-Pause', pauseOn: '*a*a*a*b', maxPauseMs: 0 }],
                },
              },
            ],
          }),
        );
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(text).to.match(/policy "ivr": pause\.triggers\[0\]\.pauseOn: glob "\*a\*a\*a\*b" has quantifiers/);
  });
});

describe('policy regex safety: the patterns people write are accepted and behave as before', () => {
  const everyday = [
    '^sip:\\+1555.*@pbx\\.example\\.com$',
    '^sip:[0-9]{4}@pbx\\.example\\.com$',
    '.*@lab\\.example\\.com$',
    '^sales$',
    '(foo|bar)+',
    '^(\\d{3}-)+\\d{4}$',
    '^sip:[^@]*@(lab|test)\\.example\\.com$',
    '^.*foo.*$',
    '^[a-z]+\\d*$',
    '^7\\+OTCyox',
  ];
  for (const source of everyday) {
    it(source, () => {
      const compiled = compilePolicyRegex(source, 'iu');
      expect(compiled).to.have.property('regex');
      expect(analyseBacktracking(source, 'iu')).to.include({ safe: true });
    });
  }

  it('a glob with two * (cubic) matches within its first 128 characters only', () => {
    const compiled = compilePolicyRegex('^.*foo.*bar.*$', 'iu');
    if (!('regex' in compiled)) throw new Error('refused');
    expect(compiled.regex.test(`x${'-'.repeat(100)}foo-bar`)).to.equal(true);
    expect(compiled.regex.test(`${'-'.repeat(200)}foo-bar`)).to.equal(false);
  });
});

describe('policy regex safety: a 64 KiB header value stays fast with every pattern let through', () => {
  // The worst accepted shapes: quadratic (unanchored loop, loops in a row) and cubic (two loops unanchored).
  for (const source of ['(a|b)*c', '^a*a*b$', 'a.*a.*b', '.*.*x', '\\d+\\d+x', '^.*a.*a.*b$']) {
    it(source, () => {
      const set = PolicySet.parse(policyFile(source));
      for (const value of [HOSTILE_VALUE, '1'.repeat(64 * 1024), `${HOSTILE_VALUE.slice(1)}\n`]) {
        const { ms, action } = evaluationMs(set, value);
        expect(action).to.equal('record');
        // Unbounded, these take seconds to minutes; bounded they take a few ms. Generous for a loaded machine.
        expect(ms, `${source} on ${value.slice(0, 8)}…`).to.be.below(1000);
      }
    });
  }
});
