/**
 * pino JSON logs. Every line about a call carries `callId` and `recordingId` (child loggers bind them);
 * SRTP keys and other secrets are redacted by path so that no code path can leak them by accident.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/config.js';

/** Paths whose values are secrets wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'keySalt',
  'inline',
  'key',
  'crypto',
  'password',
  '*.keySalt',
  '*.inline',
  '*.key',
  '*.crypto',
  '*.password',
  '*.*.keySalt',
  '*.*.inline',
  '*.*.crypto',
];

export function createLogger(level: LogLevel, recorderId: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { recorderId },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

type CallLogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * A child logger bound on first use. Binding a child costs several microseconds (the redaction runs over the
 * bindings), and on the call-setup path most would-be lines are below the configured level: a call that logs
 * nothing binds nothing. Lines that are written are the child's, unchanged.
 */
export class LazyChildLogger {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  error(obj: object, msg?: string): void {
    this.#write('error', obj, msg);
  }

  warn(obj: object | string, msg?: string): void {
    this.#write('warn', obj, msg);
  }

  info(obj: object | string, msg?: string): void {
    this.#write('info', obj, msg);
  }

  debug(obj: object | string, msg?: string): void {
    this.#write('debug', obj, msg);
  }

  #write(level: CallLogLevel, objOrMsg: object | string, msg: string | undefined): void {
    if (!this.#parent.isLevelEnabled(level)) return;
    this.#child ??= this.#parent.child(this.#bindings);
    if (typeof objOrMsg === 'string') this.#child[level](objOrMsg);
    else this.#child[level](objOrMsg, msg);
  }
}
