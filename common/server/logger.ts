/** Structured JSON logs (pino). Credentials are redacted by path so they never reach a log line. */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.apiKey',
  '*.password',
  '*.token',
  'DATABASE_URL',
  'WEAVIATE_API_KEY',
  'ANTHROPIC_API_KEY',
];

/** `level` is the Config's MEMFLOW_LOG_LEVEL; `destination` defaults to stdout (tests pass a stream to inspect what would be logged). */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: redactPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
