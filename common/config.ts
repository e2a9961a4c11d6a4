/**
 * One place that reads the environment. Every process (API, worker, CLI, provisioning) parses it
 * once with a schema and fails fast with a single line naming the variable that is missing or bad.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233');

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

const postgresUrl = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgresql:// URL');

export const envSchema = z.object({
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('memflow'),
  WEAVIATE_URL: httpUrl.default('http://127.0.0.1:8080'),
  WEAVIATE_GRPC_PORT: port.default(50051),
  WEAVIATE_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: httpUrl.optional(),
  MEMFLOW_HOST: z.string().min(1).default('127.0.0.1'),
  MEMFLOW_PORT: port.default(37777),
  /** Largest hook body accepted (413 above). */
  MEMFLOW_MAX_HOOK_BYTES: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  /** Largest hook payload stored; longer tool outputs are cut and the event marked truncated. */
  MEMFLOW_MAX_STORED_EVENT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  MEMFLOW_EMBEDDINGS: z.string().min(1).default('local'),
  MEMFLOW_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env`; throws a ConfigError whose message is one line naming the first bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Treat empty strings as unset, as shells commonly export `VAR=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  const missing = issue?.code === 'invalid_type' && cleaned[name] === undefined;
  throw new ConfigError(
    missing ? `${name} is required but not set` : `${name} is invalid: ${issue?.message ?? 'bad value'}`,
  );
}

/** For entry points: parse or print the one-line reason and exit(1). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`memflow: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
