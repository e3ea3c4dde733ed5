/**
 * The operator's configuration: environment variables, each mirrored by a `--flag` (flags win),
 * validated once with every problem reported together, then frozen. The only module that reads the
 * environment (main.ts hands it in).
 */
import { hostname } from 'node:os';
import { parseDuration } from './builders/duration.js';

/** Validated operator settings. */
export interface OperatorConfig {
  /** Path of a kubeconfig; empty: in-cluster when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config. */
  readonly kubeconfig: string;
  readonly inCluster: boolean;
  /** Namespace to watch; '' for all. */
  readonly watchNamespace: string;
  readonly leaderElection: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionId: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly metricsHost: string;
  /** 0 picks a free port (logged). */
  readonly metricsPort: number;
  readonly logLevel: string;
  readonly recorderImage: string;
  readonly workers: number;
  readonly resyncMs: number;
  readonly showVersion: boolean;
  readonly showHelp: boolean;
}

/** Error listing every invalid setting. */
export class ConfigError extends Error {
  readonly code = 'OPERATOR_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid operator configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Every setting: env name, flag name, default, meaning. */
export const SETTINGS = [
  ['KUBECONFIG', '--kubeconfig', '', 'kubeconfig file (default: in-cluster, else ~/.kube/config)'],
  ['WATCH_NAMESPACE', '--watch-namespace', '', 'namespace to watch (default: all)'],
  ['LEADER_ELECTION', '--leader-election', 'true', 'campaign for the Lease before reconciling'],
  [
    'LEADER_ELECTION_NAMESPACE',
    '--leader-election-namespace',
    '',
    'namespace of the Lease (default: POD_NAMESPACE, else default)',
  ],
  ['LEADER_ELECTION_ID', '--leader-election-id', 'siprec-operator', 'name of the Lease'],
  ['LEASE_DURATION', '--lease-duration', '15s', 'how long a standby waits for a silent leader'],
  [
    'RENEW_DEADLINE',
    '--renew-deadline',
    '10s',
    'how long a leader keeps trying to renew before stepping down',
  ],
  ['RETRY_PERIOD', '--retry-period', '2s', 'interval between Lease attempts'],
  ['METRICS_HOST', '--metrics-host', '0.0.0.0', 'bind address of /healthz, /readyz, /metrics'],
  ['METRICS_PORT', '--metrics-port', '8080', 'port of /healthz, /readyz, /metrics (0: any free port)'],
  ['LOG_LEVEL', '--log-level', 'info', 'trace, debug, info, warn, error or fatal'],
  ['RECORDER_IMAGE', '--recorder-image', '', 'recorder image used when spec.image is empty'],
  ['WORKERS', '--workers', '8', 'concurrent SiprecRecorder reconciles'],
  ['RESYNC_PERIOD', '--resync-period', '10m', 'how often every object is re-checked from the cache'],
] as const;

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Parses `--flag=value` / `--flag value` arguments into env-style names. */
function flagsToEnv(argv: readonly string[], problems: string[]): Record<string, string> {
  const byFlag = new Map<string, string>(SETTINGS.map(([env, flag]) => [flag, env]));
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--version' || arg === '--help') {
      out[arg.slice(2).toUpperCase()] = 'true';
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const env = byFlag.get(flag);
    if (!env) {
      problems.push(`unknown argument ${arg}`);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) problems.push(`${flag} needs a value`);
    else out[env] = value;
  }
  return out;
}

/**
 * Loads the configuration from the environment and the command line.
 * @param defaultImage recorder image when RECORDER_IMAGE is not set
 * @throws ConfigError listing every problem
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
  defaultImage: string,
): OperatorConfig {
  const problems: string[] = [];
  const merged: Record<string, string | undefined> = { ...env, ...flagsToEnv(argv, problems) };
  const get = (name: (typeof SETTINGS)[number][0]): string => {
    const setting = SETTINGS.find(([n]) => n === name);
    const v = merged[name];
    return v === undefined || v === '' ? (setting?.[2] ?? '') : v;
  };
  const bool = (name: (typeof SETTINGS)[number][0]): boolean => {
    const v = get(name).toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    problems.push(`${name}=${v} is not true or false`);
    return false;
  };
  const duration = (name: (typeof SETTINGS)[number][0]): number => {
    const ms = parseDuration(get(name));
    if (ms === undefined || ms <= 0) problems.push(`${name}=${get(name)} is not a duration such as 15s`);
    return ms ?? 0;
  };
  const int = (name: (typeof SETTINGS)[number][0], min: number, max: number): number => {
    const text = get(name);
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max)
      problems.push(`${name}=${text} is not an integer in ${min}-${max}`);
    return n;
  };

  const logLevel = get('LOG_LEVEL');
  if (!LEVELS.has(logLevel)) problems.push(`LOG_LEVEL=${logLevel} is not one of ${[...LEVELS].join(', ')}`);
  const config: OperatorConfig = {
    kubeconfig: get('KUBECONFIG'),
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    watchNamespace: get('WATCH_NAMESPACE'),
    leaderElection: bool('LEADER_ELECTION'),
    leaderElectionNamespace: get('LEADER_ELECTION_NAMESPACE') || env.POD_NAMESPACE || 'default',
    leaderElectionId: get('LEADER_ELECTION_ID'),
    identity: env.POD_NAME || `${hostname()}_${process.pid}`,
    leaseDurationMs: duration('LEASE_DURATION'),
    renewDeadlineMs: duration('RENEW_DEADLINE'),
    retryPeriodMs: duration('RETRY_PERIOD'),
    metricsHost: get('METRICS_HOST'),
    metricsPort: int('METRICS_PORT', 0, 65535),
    logLevel,
    recorderImage: get('RECORDER_IMAGE') || defaultImage,
    workers: int('WORKERS', 1, 256),
    resyncMs: duration('RESYNC_PERIOD'),
    showVersion: merged.VERSION === 'true',
    showHelp: merged.HELP === 'true',
  };
  if (config.renewDeadlineMs >= config.leaseDurationMs)
    problems.push('RENEW_DEADLINE must be shorter than LEASE_DURATION');
  if (config.retryPeriodMs >= config.renewDeadlineMs)
    problems.push('RETRY_PERIOD must be shorter than RENEW_DEADLINE');
  if (problems.length > 0 && !config.showVersion && !config.showHelp) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** `--help` text. */
export function usage(): string {
  const lines = SETTINGS.map(
    ([env, flag, def, what]) => `  ${flag.padEnd(30)} ${env.padEnd(27)} ${what}${def ? ` [${def}]` : ''}`,
  );
  return `siprec-operator: reconciles SiprecRecorder and RecordingPolicy resources\n\nflag / env:\n${lines.join('\n')}\n  --version\n  --help\n`;
}
