import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SDP_ERROR_CODES } from '../../../../../recorder/src/siprec/sdp/errors.js';
import { repoRoot } from './support/paths.js';

describe('SDP error codes', () => {
  it('documents every code, and every code used in the SDP sources is in the registry', () => {
    const dir = path.join(repoRoot, 'recorder/src/siprec/sdp');
    const used = new Set<string>();
    for (const file of readdirSync(dir)) {
      for (const match of readFileSync(path.join(dir, file), 'utf8').matchAll(/'(SDP_[A-Z_]+)'/g))
        used.add(match[1]!);
    }
    for (const [code, meaning] of Object.entries(SDP_ERROR_CODES))
      expect(meaning, code).to.have.length.greaterThan(10);
    expect([...used].sort()).to.deep.equal(Object.keys(SDP_ERROR_CODES).sort());
  });
});
