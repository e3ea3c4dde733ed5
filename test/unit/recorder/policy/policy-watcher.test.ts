/**
 * Hot reload of POLICY_FILE as Kubernetes updates a ConfigMap volume: the file is a symlink through `..data`, which
 * is swapped to a new timestamped directory. A valid new file replaces the policies; a bad one is logged and the
 * previous policies stay.
 */
import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { REPO_ROOT } from '../../../support/recorder-process.js';
import { PolicySet } from '../../../../recorder/src/policy/policy-set.js';
import { PolicyWatcher } from '../../../../recorder/src/policy/policy-watcher.js';
import type { PolicyFileError } from '../../../../recorder/src/policy/policy-error.js';
import { goldenPoliciesJson } from './golden.js';
import { ConfigMapVolume } from '../../../support/policy/configmap-volume.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/recorder-policy');

const logger = pino({ level: 'silent' });

describe('PolicyWatcher', () => {
  let volume: ConfigMapVolume;
  let watcher: PolicyWatcher | undefined;

  beforeEach(() => {
    volume = new ConfigMapVolume(goldenPoliciesJson());
  });

  afterEach(() => {
    watcher?.stop();
    watcher = undefined;
    volume.remove();
  });

  it('reloads after the ..data symlink swap and keeps the old set when the new file is bad', async () => {
    const reloaded: PolicySet[] = [];
    const refused: PolicyFileError[] = [];
    watcher = new PolicyWatcher({
      path: volume.path,
      initial: PolicySet.loadSync(volume.path),
      logger,
      onReload: (set) => reloaded.push(set),
      onInvalid: (err) => refused.push(err),
    });
    await watcher.check();
    expect(reloaded, 'an unchanged file is not a reload').to.have.length(0);

    volume.update(readFileSync(join(FIXTURES, 'every-match-kind.json'), 'utf8'));
    await watcher.check();
    expect(reloaded).to.have.length(1);
    expect(watcher.current.names[0]).to.equal('vip-by-name');

    volume.update(readFileSync(join(FIXTURES, 'invalid-many.json'), 'utf8'));
    await watcher.check();
    await watcher.check();
    expect(refused, 'a bad file is reported once').to.have.length(1);
    expect(refused[0]?.problems.join('\n')).to.contain('policy "archive-it"');
    expect(watcher.current.names[0], 'previous policies in force').to.equal('vip-by-name');

    volume.update(goldenPoliciesJson());
    await watcher.check();
    expect(watcher.current.names).to.deep.equal(['skip-internal', 'sales']);
  });

  it('notices a swap on its own (directory watch or poll)', async () => {
    let reloads = 0;
    watcher = new PolicyWatcher({
      path: volume.path,
      initial: PolicySet.loadSync(volume.path),
      logger,
      pollMs: 200,
      onReload: () => reloads++,
    });
    watcher.start();
    volume.update(readFileSync(join(FIXTURES, 'every-match-kind.json'), 'utf8'));
    const deadline = Date.now() + 3000;
    while (reloads === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(reloads).to.equal(1);
    expect(watcher.current.names).to.include('tenant-header-from-lab');
  });

  it('keeps the policies when the file disappears', async () => {
    watcher = new PolicyWatcher({ path: volume.path, initial: PolicySet.loadSync(volume.path), logger });
    rmSync(join(volume.dir, '..data'));
    await watcher.check();
    expect(watcher.current.names).to.deep.equal(['skip-internal', 'sales']);
  });
});
