/** MEDIA_WORKERS: default to the cores, validated like every other setting. */
import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from '../../../../recorder/src/config/config.js';

describe('MEDIA_WORKERS', () => {
  it('defaults to the number of cores', () => {
    expect(loadConfig({}).mediaWorkers).to.equal(Math.min(64, availableParallelism()));
  });

  it('takes 1 to 64', () => {
    expect(loadConfig({ MEDIA_WORKERS: '1' }).mediaWorkers).to.equal(1);
    expect(loadConfig({ MEDIA_WORKERS: '64' }).mediaWorkers).to.equal(64);
  });

  it('refuses other values, naming the variable together with the other bad ones', () => {
    for (const bad of ['0', '65', 'two', '-1']) {
      expect(() => loadConfig({ MEDIA_WORKERS: bad }), bad).to.throw(ConfigError, /MEDIA_WORKERS/);
    }
    try {
      loadConfig({ MEDIA_WORKERS: '0', SIP_PORT: 'x' });
      expect.fail('no error');
    } catch (err) {
      expect((err as ConfigError).problems.join('\n'))
        .to.match(/MEDIA_WORKERS/)
        .and.match(/SIP_PORT/);
    }
  });
});
