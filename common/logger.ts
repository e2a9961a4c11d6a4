/** Structured JSON logs (pino). Credentials are redacted by path so they never reach a log line. */
import { pino, type Logger } from 'pino';

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

export function createLogger(name: string, level = process.env.MEMFLOW_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } });
}
