#!/usr/bin/env node
/**
 * Composition root of `siprec-operator`: configuration, logger, metrics, API client, the operator,
 * leader election, the health/metrics server and graceful shutdown on SIGTERM/SIGINT (stop handing
 * out work, finish the reconciles in flight, stop the informers, release the Lease).
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ConfigError, loadConfig, usage, type OperatorConfig } from './config.js';
import { Operator } from './operator.js';
import { systemClock } from './runtime/clock.js';
import { startHealthServer } from './runtime/health-server.js';
import { KubeClient } from './runtime/kube-client.js';
import { LeaderElector } from './runtime/leader-elector.js';
import { OperatorMetrics } from './runtime/metrics.js';
import { operatorVersion } from './version.js';

function loadKubeConfig(config: OperatorConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else if (config.inCluster) kc.loadFromCluster();
  else kc.loadFromFile(path.join(homedir(), '.kube', 'config'));
  return kc;
}

async function main(): Promise<number> {
  const version = operatorVersion();
  let config: OperatorConfig;
  try {
    config = loadConfig(process.env, process.argv.slice(2), `ghcr.io/siprec-k8s/siprec-recorder:${version}`);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\n${usage()}`);
      return 2;
    }
    throw err;
  }
  if (config.showVersion) {
    process.stdout.write(`siprec-operator ${version}\n`);
    return 0;
  }
  if (config.showHelp) {
    process.stdout.write(usage());
    return 0;
  }

  const logger = pino({
    level: config.logLevel,
    base: { component: 'siprec-operator', identity: config.identity },
  });
  const metrics = new OperatorMetrics();
  const client = await KubeClient.create(loadKubeConfig(config), { observe: metrics.observeRequest });
  const operator = new Operator({
    client,
    clock: systemClock,
    logger,
    metrics,
    watchNamespace: config.watchNamespace,
    recorderImage: config.recorderImage,
    workers: config.workers,
    resyncMs: config.resyncMs,
  });

  let shuttingDown = false;
  let exitCode = 0;
  let resolveExit: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (resolveExit = resolve));

  const elector = config.leaderElection
    ? new LeaderElector({
        client,
        namespace: config.leaderElectionNamespace,
        name: config.leaderElectionId,
        identity: config.identity,
        clock: systemClock,
        logger,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        onStartedLeading: () => {
          metrics.leader.set(1);
          operator
            .start()
            .catch((err: unknown) =>
              logger.error({ err: (err as Error).message }, 'operator failed to start'),
            );
        },
        onStoppedLeading: () => {
          // Another replica may already lead: stop at once rather than reconcile alongside it.
          metrics.leader.set(0);
          exitCode = 1;
          void shutdown('lost the lease');
        },
      })
    : undefined;

  const health = await startHealthServer({
    host: config.metricsHost,
    port: config.metricsPort,
    registry: metrics.registry,
    // A standby is ready (it is doing its job: waiting); a leader once its caches are synced.
    ready: () => (elector && !elector.leading ? true : operator.ready()),
  });
  logger.info(
    { port: health.port, version, watchNamespace: config.watchNamespace || '*' },
    'metrics server listening',
  );

  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ reason }, 'shutting down');
    await operator.stop();
    await elector?.stop();
    await health.close();
    client.close();
    logger.info('stopped');
    resolveExit();
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  if (elector) elector.start();
  else {
    metrics.leader.set(1);
    await operator.start();
  }
  await exited;
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`siprec-operator: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
