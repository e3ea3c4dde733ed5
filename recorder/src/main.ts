#!/usr/bin/env node
/**
 * `siprec-recorder`: reads the configuration (environment, flags mirroring it), starts a recorder, and on SIGTERM
 * drains and stops it cleanly. A bad configuration stops it at once with one message naming every bad variable.
 */
import { ConfigError, SETTINGS, flagsToEnv, loadConfig } from './config/config.js';
import { createLogger } from './observability/logger.js';
import { Recorder, RECORDER_VERSION } from './app/recorder.js';

function usage(): string {
  const lines = SETTINGS.map(
    (s) => `  --${s.env.toLowerCase().replace(/_/g, '-').padEnd(22)} ${s.env}: ${s.describe}`,
  );
  return `siprec-recorder ${RECORDER_VERSION}\n\nUsage: siprec-recorder [--flag value]…\n\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${RECORDER_VERSION}\n`);
    return 0;
  }
  const flags = flagsToEnv(argv);
  let config;
  try {
    if (flags.problems.length > 0) throw new ConfigError(flags.problems);
    config = loadConfig({ ...process.env, ...flags.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`siprec-recorder: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const logger = createLogger(config.logLevel, config.recorderId);
  const recorder = new Recorder(config, logger);
  try {
    await recorder.start();
  } catch (err) {
    logger.fatal({ err }, 'recorder failed to start');
    return 1;
  }

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      recorder.drain();
      recorder.stop(signal === 'SIGINT' ? 'shutdown' : 'terminated').then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}

process.on('uncaughtException', (err) => {
  // The last line of defence: log it and keep serving; a recorder must not drop calls for one bad packet.
  process.stderr.write(`siprec-recorder: uncaught exception: ${err.stack ?? String(err)}\n`);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`siprec-recorder: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
