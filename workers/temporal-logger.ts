/**
 * Routes the Temporal SDK's logs into our pino logger: the worker, workflow and activity loggers of
 * the TypeScript side, and the Core (Rust) runtime's own logs, forwarded instead of printed to the
 * console (`telemetryOptions.logging.forward`).
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from '../common/server/logger.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[LEVELS[level]](meta ?? {}, message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/** Core's log filter for a pino level: as verbose as the logger, never below WARN for other crates. */
export function coreLogLevel(level: string): LogLevel {
  const map: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' };
  return map[level] ?? 'ERROR';
}

/**
 * Installs the Temporal runtime of this process (once, before any connection or worker) with its
 * logs in `logger`, Core's included, and the given metrics exporter.
 */
export function installTemporalRuntime(logger: Logger, metrics?: TelemetryOptions['metrics']): void {
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: coreLogLevel(logger.level), other: 'WARN' }, forward: {} },
      ...(metrics ? { metrics } : {}),
    },
  });
}
