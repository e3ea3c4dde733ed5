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
