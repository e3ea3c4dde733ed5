/**
 * The recorder's configuration: one typed, documented, frozen object, read once at start from the environment
 * (DESIGN.md §9) and from command-line flags that mirror the variables (`--sip-port 5070` ≡ `SIP_PORT=5070`).
 * Every bad value is reported at once, so an operator fixes a broken deployment in one round.
 */
import { isIP } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { CidrList } from '../net/cidr.js';
import { EncryptionKey } from '../store/encryption-key.js';
import { PolicySet } from '../policy/policy-set.js';
import { parseDurationMs } from './duration.js';

export type SrtpPolicy = 'optional' | 'required' | 'disabled';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RecorderConfig {
  /** SIP bind address (SIP_HOST, default 0.0.0.0). */
  readonly sipHost: string;
  /** SIP port for UDP and TCP (SIP_PORT, default 5060; 0 picks a free port, for tests). */
  readonly sipPort: number;
  /** SIP over TLS port (SIP_TLS_PORT, default 5061); TLS is on only when certificate and key are given. */
  readonly sipTlsPort: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string };
  /** Address put in Contact and SDP (ADVERTISE_ADDRESS); defaults to the first non-internal IPv4 address. */
  readonly advertiseAddress?: string;
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  /**
   * Media worker threads (MEDIA_WORKERS, default: the number of cores). Each owns a slice of the RTP port range,
   * so RTP never crosses threads and media work uses every core while the main thread runs SIP.
   */
  readonly mediaWorkers: number;
  readonly recordingDir: string;
  /** Shared session store (REDIS_URL); unset means the embedded in-memory store. */
  readonly redisUrl?: string;
  /** Seals SRTP keys in the session store with AES-256-GCM (STORE_ENCRYPTION_KEY, 32 bytes base64). Never logged. */
  readonly storeEncryptionKey?: EncryptionKey;
  /** How long a recorder owns a session without renewing (SESSION_LEASE, default 10s): the failover detection time. */
  readonly sessionLeaseMs: number;
  readonly recorderId: string;
  readonly httpPort: number;
  readonly srtpPolicy: SrtpPolicy;
  /** New sessions beyond this get 503 + Retry-After (MAX_CONCURRENT_CALLS; 0 = unlimited). */
  readonly maxConcurrentCalls: number;
  /**
   * How long a session may go without signalling refresh or media before it is finalised (SESSION_TIMEOUT,
   * default 1h). Guards against SRCs that never send BYE (OpenSIPS #2136, INTEROP §8.1).
   */
  readonly sessionTimeoutMs: number;
  /** Seconds of RTP silence on every stream of an active session before it is ended (MEDIA_TIMEOUT, default 5m; 0 = off). */
  readonly mediaTimeoutMs: number;
  readonly allowedSources: CidrList;
  readonly logLevel: LogLevel;
  /**
   * RecordingPolicies compiled by the operator (POLICY_FILE, policies.json): the path, watched for changes while
   * running, and the policies read and validated at start (a bad file stops the recorder like any bad variable).
   */
  readonly policyFile?: { readonly path: string; readonly initial: PolicySet };
}

/** One variable with its flag, parser and documentation: the single table README.md mirrors. */
interface Setting {
  readonly env: string;
  readonly describe: string;
}

export const SETTINGS: readonly Setting[] = [
  { env: 'SIP_HOST', describe: 'SIP bind address (default 0.0.0.0)' },
  { env: 'SIP_PORT', describe: 'SIP port for UDP and TCP (default 5060)' },
  {
    env: 'SIP_TLS_PORT',
    describe: 'SIP over TLS port (default 5061); TLS is on when TLS_CERT_FILE and TLS_KEY_FILE are set',
  },
  { env: 'TLS_CERT_FILE', describe: 'PEM certificate chain for SIP over TLS' },
  { env: 'TLS_KEY_FILE', describe: 'PEM private key for SIP over TLS' },
  {
    env: 'TLS_CA_FILE',
    describe: 'PEM CA bundle; when set, SRCs must present a client certificate it signed',
  },
  { env: 'ADVERTISE_ADDRESS', describe: 'address put in Contact and SDP (default: first non-loopback IPv4)' },
  { env: 'RTP_PORT_MIN', describe: 'lowest RTP port (default 20000)' },
  { env: 'RTP_PORT_MAX', describe: 'highest RTP port (default 29999)' },
  {
    env: 'MEDIA_WORKERS',
    describe: 'media worker threads, each owning a slice of the RTP ports (default: number of cores)',
  },
  { env: 'RECORDING_DIR', describe: 'where recordings are written (default ./recordings)' },
  { env: 'REDIS_URL', describe: 'redis:// URL of the shared session store (unset: in-memory)' },
  {
    env: 'STORE_ENCRYPTION_KEY',
    describe: '32 bytes in base64 (openssl rand -base64 32): SRTP keys are encrypted in the store',
  },
  { env: 'SESSION_LEASE', describe: 'session ownership lease in the store (default 10s)' },
  { env: 'RECORDER_ID', describe: 'this recorder’s id (default POD_NAME, else the host name)' },
  { env: 'HTTP_PORT', describe: 'health, metrics and API port (default 8080)' },
  { env: 'SRTP_POLICY', describe: 'optional | required | disabled (default optional)' },
  { env: 'MAX_CONCURRENT_CALLS', describe: 'sessions beyond this get 503 (default 0 = unlimited)' },
  {
    env: 'SESSION_TIMEOUT',
    describe: 'finalise sessions with no signalling for this long (default 1h; "90s", "5m")',
  },
  { env: 'MEDIA_TIMEOUT', describe: 'end sessions whose streams are silent this long (default 5m; 0 = off)' },
  { env: 'ALLOWED_SOURCES', describe: 'comma-separated CIDRs allowed to send SIP (default: any)' },
  {
    env: 'POLICY_FILE',
    describe: 'RecordingPolicies as compiled by the operator (policies.json); reloaded when it changes',
  },
  { env: 'LOG_LEVEL', describe: 'fatal | error | warn | info | debug | trace | silent (default info)' },
];

/** Raised when the configuration cannot be used; `problems` names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/** `--sip-port 5070` / `--sip-port=5070` → `SIP_PORT=5070`. Unknown flags are problems too. */
export function flagsToEnv(argv: readonly string[]): { env: Record<string, string>; problems: string[] } {
  const known = new Set(SETTINGS.map((s) => s.env));
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const name = (match[1] ?? '').toUpperCase().replace(/-/g, '_');
    if (!known.has(name)) {
      problems.push(`unknown flag --${match[1]}`);
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      i++;
      if (value === undefined) {
        problems.push(`flag --${match[1]} needs a value`);
        continue;
      }
    }
    env[name] = value;
  }
  return { env, problems };
}

/**
 * Builds the configuration from environment variables (flags already merged in by the caller).
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): RecorderConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}="${raw}" must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      problems.push(`${name}="${raw}" must be one of ${values.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };
  const duration = (name: string, fallbackMs: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallbackMs;
    const ms = parseDurationMs(raw);
    if (ms === undefined) {
      problems.push(`${name}="${raw}" must be a duration such as 90, 90s, 5m or 1h`);
      return fallbackMs;
    }
    return ms;
  };

  const sipHost = read('SIP_HOST') ?? '0.0.0.0';
  if (isIP(sipHost) === 0) problems.push(`SIP_HOST="${sipHost}" must be an IPv4 or IPv6 address`);
  const advertiseAddress = read('ADVERTISE_ADDRESS');
  if (advertiseAddress !== undefined && !/^[A-Za-z0-9.:-]+$/.test(advertiseAddress)) {
    problems.push(`ADVERTISE_ADDRESS="${advertiseAddress}" must be an IP address or a host name`);
  }

  const sipPort = int('SIP_PORT', 5060, 0, 65535);
  const sipTlsPort = int('SIP_TLS_PORT', 5061, 0, 65535);
  const httpPort = int('HTTP_PORT', 8080, 0, 65535);
  const rtpPortMin = int('RTP_PORT_MIN', 20000, 1024, 65534);
  const rtpPortMax = int('RTP_PORT_MAX', 29999, 1025, 65535);
  const mediaWorkers = int('MEDIA_WORKERS', Math.min(64, availableParallelism()), 1, 64);
  if (rtpPortMax - rtpPortMin < 3) {
    problems.push(
      `RTP_PORT_MIN=${rtpPortMin} and RTP_PORT_MAX=${rtpPortMax} must leave room for at least two port pairs`,
    );
  }

  const certFile = read('TLS_CERT_FILE');
  const keyFile = read('TLS_KEY_FILE');
  const caFile = read('TLS_CA_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (caFile !== undefined && certFile === undefined) {
    problems.push(
      'TLS_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE (client certificates are checked over TLS)',
    );
  }

  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/.+/.test(redisUrl)) {
    problems.push(`REDIS_URL must be a redis:// or rediss:// URL`);
  }

  let storeEncryptionKey: EncryptionKey | undefined;
  const keyRaw = read('STORE_ENCRYPTION_KEY');
  if (keyRaw !== undefined) {
    try {
      storeEncryptionKey = EncryptionKey.fromBase64(keyRaw);
    } catch (err) {
      // The message names the variable and the expected size, never the value.
      problems.push((err as Error).message);
    }
  }
  const sessionLeaseMs = duration('SESSION_LEASE', 10_000);
  if (sessionLeaseMs < 1000 || sessionLeaseMs > 300_000) problems.push('SESSION_LEASE must be from 1s to 5m');

  let allowedSources = CidrList.parse('');
  const allowedRaw = read('ALLOWED_SOURCES');
  if (allowedRaw !== undefined) {
    try {
      allowedSources = CidrList.parse(allowedRaw);
    } catch (err) {
      problems.push(`ALLOWED_SOURCES: ${(err as Error).message}`);
    }
  }

  let policyFile: RecorderConfig['policyFile'];
  const policyPath = read('POLICY_FILE');
  if (policyPath !== undefined) {
    try {
      policyFile = { path: policyPath, initial: PolicySet.loadSync(policyPath) };
    } catch (err) {
      problems.push(`POLICY_FILE: ${(err as Error).message}`);
    }
  }

  const config: RecorderConfig = {
    sipHost,
    sipPort,
    sipTlsPort,
    ...(certFile !== undefined && keyFile !== undefined
      ? { tls: { certFile, keyFile, ...(caFile !== undefined ? { caFile } : {}) } }
      : {}),
    ...(advertiseAddress !== undefined ? { advertiseAddress } : {}),
    rtpPortMin,
    rtpPortMax,
    mediaWorkers,
    recordingDir: read('RECORDING_DIR') ?? './recordings',
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    ...(storeEncryptionKey !== undefined ? { storeEncryptionKey } : {}),
    sessionLeaseMs,
    recorderId: read('RECORDER_ID') ?? read('POD_NAME') ?? hostname(),
    httpPort,
    srtpPolicy: oneOf<SrtpPolicy>('SRTP_POLICY', ['optional', 'required', 'disabled'], 'optional'),
    maxConcurrentCalls: int('MAX_CONCURRENT_CALLS', 0, 0, 1_000_000),
    sessionTimeoutMs: duration('SESSION_TIMEOUT', 3_600_000),
    mediaTimeoutMs: duration('MEDIA_TIMEOUT', 300_000),
    allowedSources,
    logLevel: oneOf<LogLevel>(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    ...(policyFile !== undefined ? { policyFile } : {}),
  };
  if (config.sessionTimeoutMs < 1000) problems.push('SESSION_TIMEOUT must be at least 1s');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
