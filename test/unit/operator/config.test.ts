import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../operator/src/config.js';

const IMAGE = 'ghcr.io/siprec-k8s/siprec-recorder:0.1.0';

describe('operator config', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, [], IMAGE);
    expect(c).to.deep.include({
      leaderElection: true,
      leaderElectionNamespace: 'default',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2000,
      metricsPort: 8080,
      logLevel: 'info',
      recorderImage: IMAGE,
      watchNamespace: '',
    });
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('takes flags over the environment', () => {
    const c = loadConfig(
      { WATCH_NAMESPACE: 'a', METRICS_PORT: '9000', POD_NAMESPACE: 'siprec-system', POD_NAME: 'op-1' },
      ['--watch-namespace=b', '--leader-election', 'false', '--metrics-port=0'],
      IMAGE,
    );
    expect(c).to.deep.include({
      watchNamespace: 'b',
      leaderElection: false,
      metricsPort: 0,
      leaderElectionNamespace: 'siprec-system',
      identity: 'op-1',
    });
  });

  it('reports every bad setting at once', () => {
    let error: unknown;
    try {
      loadConfig(
        { LOG_LEVEL: 'loud', METRICS_PORT: '70000', LEASE_DURATION: 'long', WORKERS: '0' },
        ['--nope'],
        IMAGE,
      );
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems).to.deep.equal([
      'unknown argument --nope',
      'LOG_LEVEL=loud is not one of trace, debug, info, warn, error, fatal, silent',
      'LEASE_DURATION=long is not a duration such as 15s',
      'METRICS_PORT=70000 is not an integer in 0-65535',
      'WORKERS=0 is not an integer in 1-256',
      'RENEW_DEADLINE must be shorter than LEASE_DURATION',
    ]);
  });
});
