/**
 * One place that reads the environment. Every process (API, worker, CLI, provisioning) parses it
 * once with a schema and fails fast with a single line naming the variable that is missing or bad.
 */
import { ABLATABLE } from '../rules/push-ablation.js';
import { MODEL_SETTINGS } from './model-choice.js';
import { z } from 'zod';
import { DEFAULT_API_PORT } from '../workspace/client-config.js';

export { parseClientConfig, type ClientConfig } from '../workspace/client-config.js';

const port = z.coerce.number().int().min(1).max(65535);

const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233');

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

/** A period such as 90s, 30m, 6h or 1d; "off" (or 0) disables what it schedules. */
const every = (fallback: string) =>
  z
    .string()
    .regex(/^(off|0|\d+(s|m|h|d))$/, 'must be a duration like 30m, 6h or 1d, or "off"')
    .default(fallback)
    .transform((v): number | null => {
    if (v === 'off' || v === '0') return null;
    const n = Number(v.slice(0, -1));
    return n * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as 's' | 'm' | 'h' | 'd'];
    });

const postgresUrl = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgresql:// URL');

export const envSchema = z.object({
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('memflow'),
  /**
   * A managed or mTLS Temporal (Temporal Cloud, a self-hosted frontend behind TLS), with the names
   * Temporal's own clients read: TLS is on when TEMPORAL_TLS=true, when an API key or a client
   * certificate is given, and off when TEMPORAL_TLS=false. Paths are read at connect time.
   */
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  WEAVIATE_URL: httpUrl.default('http://127.0.0.1:8080'),
  WEAVIATE_GRPC_PORT: port.default(50051),
  WEAVIATE_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  /**
   * Replicas of each memflow collection in Weaviate (set when a collection is created; 1 for a single
   * node, 3 for the cluster profile's three nodes). Changing it later needs the collection re-created.
   */
  MEMFLOW_WEAVIATE_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(15).default(1),
  /**
   * Consistency level of every read and write on the memflow collections: QUORUM (default; with a
   * factor of 3 two replicas must answer, so one node may be down), ONE or ALL. With factor 1 all equal.
   */
  MEMFLOW_WEAVIATE_CONSISTENCY: z.enum(['ONE', 'QUORUM', 'ALL']).default('QUORUM'),
  ANTHROPIC_BASE_URL: httpUrl.optional(),
  /** JSON file of tenants' own redaction rules (common/rules/redact-tenant-rules.ts); none when unset. */
  MEMFLOW_REDACTION_RULES: z.string().min(1).optional(),
  /** Model for batch summaries and rolling summaries: small and fast. */
  MEMFLOW_SUMMARY_MODEL: z.string().min(1).default('claude-haiku-4-5'),
  /** Model for the final session summary and learning extraction (defaults to MEMFLOW_SUMMARY_MODEL). */
  MEMFLOW_FINAL_SUMMARY_MODEL: z.string().min(1).optional(),
  /** Observation tokens (tiktoken) that make one summarization batch. */
  MEMFLOW_SUMMARY_BATCH_TOKENS: z.coerce.number().int().min(500).max(150_000).default(12_000),
  /** Longest answer asked of the model per call. */
  MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(256).max(32_000).default(2048),
  /** Per-tenant LLM tokens per UTC day when the tenant has no budget of its own; 0 = unlimited. */
  MEMFLOW_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(2_000_000),
  /** Prices in USD per million tokens, as JSON {"model":{"input":1,"output":5}}, added to the built-in table. */
  MEMFLOW_LLM_PRICES: z.string().min(2).optional(),
  /**
   * Which model writes summaries and learnings (common/server/model-choice.ts): auto (the API key, else
   * an agent CLI the user agreed to, else offline), anthropic, claude-cli, codex-cli, gemini-cli, offline.
   */
  MEMFLOW_MODEL: z.enum(MODEL_SETTINGS).default('auto'),
  /** Whether `auto` may spend the user's agent-CLI plan on summaries (unset: the answer `memflow install` stored). */
  MEMFLOW_MODEL_CLI_CONSENT: z
    .enum(['yes', 'no', 'true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'yes' || v === 'true' || v === '1')),
  /** The model an agent CLI is asked for (default: the vendor's smallest: haiku, gpt-5-codex-mini, gemini-2.5-flash-lite). */
  MEMFLOW_CLI_MODEL: z.string().min(1).optional(),
  /** Longest one agent-CLI summarizing run may take before it is killed and the session summarized offline. */
  MEMFLOW_CLI_TIMEOUT_MS: z.coerce.number().int().min(1000).max(900_000).default(180_000),
  /**
   * How long a small closed session waits for others of its project before an agent CLI summarizes
   * them together in one run (activities/summarize/cli-batch.ts); 0: each session in a run of its own.
   */
  MEMFLOW_CLI_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(2000),
  MEMFLOW_HOST: z.string().min(1).default('127.0.0.1'),
  // Not 37777: claude-mem's worker has long used that port, and people run both.
  MEMFLOW_PORT: port.default(DEFAULT_API_PORT),
  /** Largest hook body accepted (413 above). */
  MEMFLOW_MAX_HOOK_BYTES: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  /**
   * The capture ledger (docs/capture.md): the API counts, per session, the events stored from hook
   * clients that keep a ledger and takes their reports. "0" or "off" turns the counting off (the
   * ingest statement is then the one before the ledger; bench:ingest --ledger-ab measures the difference).
   */
  MEMFLOW_CAPTURE_LEDGER: z
    .enum(['on', 'off', '1', '0'])
    .default('on')
    .transform((v) => v === 'on' || v === '1'),
  /**
   * How long a prompt's hook answer may wait for the memory pushed with it, in ms (api/context/prompt-push.ts);
   * past it the prompt is answered without. 0 turns the per-prompt push off.
   */
  MEMFLOW_PROMPT_PUSH_MS: z.coerce.number().int().min(0).max(10_000).default(300),
  /**
   * Benchmarks only: what of the push this API leaves out (comma-separated: concepts, said;
   * common/rules/push-ablation.ts), to measure what it is worth. Unset in production.
   */
  MEMFLOW_PUSH_ABLATE: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    .refine((v) => v.every((s) => (ABLATABLE as readonly string[]).includes(s)), `must name only ${ABLATABLE.join(', ')}`),
  /** Largest hook payload stored; longer tool outputs are cut and the event marked truncated. */
  MEMFLOW_MAX_STORED_EVENT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  /** Largest body of every other route (JSON such as batchGet, restore, retention; 413 above). */
  MEMFLOW_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  /** Requests a minute per API key on /v1 routes other than the hooks (429 above); 0 = unlimited. */
  MEMFLOW_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Requests a minute per API key on POST /v1/hooks/{event}, a separate bucket; 0 = unlimited. */
  MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  /** Cap on one MCP tool answer (stdio and /mcp), in tokens; longer answers are cut between records. */
  MEMFLOW_MCP_MAX_TOKENS: z.coerce.number().int().min(200).max(100_000).default(2000),
  /** Browser origins allowed by CORS, comma-separated exact origins; unset = no CORS headers at all. */
  MEMFLOW_CORS_ORIGINS: z
    .string()
    .regex(/^\s*https?:\/\/[^/\s,]+\s*(,\s*https?:\/\/[^/\s,]+\s*)*$/, 'must be comma-separated origins like https://app.example.com')
    .optional(),
  /**
   * Single sign-on (docs/sso.md): the site's OpenID provider. With an issuer, the viewer offers
   * "Sign in with …" (authorization code with PKCE) and `memflow login` signs in by device
   * authorization; API keys keep working either way.
   */
  MEMFLOW_OIDC_ISSUER: httpUrl.optional(),
  /** The viewer's client at the provider (a public client with PKCE, or confidential with the secret below). */
  MEMFLOW_OIDC_CLIENT_ID: z.string().min(1).max(500).optional(),
  MEMFLOW_OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
  /** The client for the device authorization grant (`memflow login`); default: the viewer's. */
  MEMFLOW_OIDC_DEVICE_CLIENT_ID: z.string().min(1).max(500).optional(),
  MEMFLOW_OIDC_DEVICE_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
  /** The tenant people who sign in belong to. */
  MEMFLOW_OIDC_TENANT: z.string().min(1).max(200).optional(),
  /** The tenant role of someone signing in for the first time who was not added by an admin; `none`: refused. */
  MEMFLOW_OIDC_NEW_PEOPLE: z.enum(['none', 'reader', 'member', 'maintainer']).default('reader'),
  /** How long a viewer sign-in lasts (seconds). */
  MEMFLOW_OIDC_SESSION_SECONDS: z.coerce.number().int().min(1).max(7 * 86_400).default(8 * 3600),
  /** How long the personal key `memflow login` mints lasts (days). */
  MEMFLOW_OIDC_LOGIN_KEY_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** The viewer's public base URL (for the provider's redirect back), when it is not the one requests arrive at. */
  MEMFLOW_PUBLIC_URL: httpUrl.optional(),
  /**
   * Embedding provider: local (offline, default), onnx (a real model run in-process by ONNX Runtime;
   * needs the optional @huggingface/transformers), openai (any OpenAI-compatible endpoint) or voyage.
   */
  MEMFLOW_EMBEDDINGS: z.enum(['local', 'onnx', 'openai', 'voyage']).default('local'),
  /**
   * Provider model; defaults: memflow-lexical-v1, Xenova/all-MiniLM-L6-v2, text-embedding-3-small,
   * voyage-3.5. For onnx also a model directory (absolute, or ./ relative) for offline sites.
   */
  MEMFLOW_EMBEDDINGS_MODEL: z.string().min(1).max(1000).optional(),
  /** Base URL of the embeddings API (…/v1); defaults to the provider's own. */
  MEMFLOW_EMBEDDINGS_URL: httpUrl.optional(),
  /** Vector length asked of the provider (OpenAI `dimensions`, Voyage `output_dimension`, local size). */
  MEMFLOW_EMBEDDINGS_DIMENSION: z.coerce.number().int().min(8).max(8192).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  VOYAGE_API_KEY: z.string().min(1).optional(),
  /** Where backups are written (local directory; the store behind it is pluggable). */
  MEMFLOW_BACKUP_DIR: z.string().min(1).optional(),
  /** Completed backups kept per scope (tenant or all); older ones are deleted with their files. */
  MEMFLOW_BACKUP_KEEP: z.coerce.number().int().min(1).max(1000).default(10),
  /** Temporal Schedules the worker keeps: how often retention, backups and vector reconciliation run. */
  MEMFLOW_RETENTION_EVERY: every('1d'),
  MEMFLOW_BACKUP_EVERY: every('6h'),
  MEMFLOW_RECONCILE_EVERY: every('1d'),
  /**
   * The worker's Prometheus endpoint (Temporal runtime metrics: activity failures, workflow
   * failures, task latencies) at http://127.0.0.1:<port>/metrics, or host:port; "0" or "off" disables.
   */
  MEMFLOW_WORKER_METRICS_PORT: z
    .string()
    .regex(/^(off|0|\d{1,5}|[^\s:/]+:\d{1,5})$/, 'must be a port, host:port, 0 or "off"')
    .default('9464')
    .transform((v): string | null => (v === 'off' || v === '0' ? null : /^\d+$/.test(v) ? `127.0.0.1:${v}` : v)),
  MEMFLOW_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The worker's prebuilt workflow bundle (`npm run build:workflows`); unset: bundled at start from workflows/. */
  MEMFLOW_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /**
   * PostgreSQL connections of one process: Prisma's pool (default 10) and the node-postgres pool
   * (the API's hook ingest, key lookups and keyword search, default 10; the worker's backups and
   * retention, default 4). The API holds one more, for LISTEN. Sized per deployment so that every
   * process together fits the server's max_connections (docs/operations.md, connection budget).
   */
  MEMFLOW_PRISMA_POOL_SIZE: z.coerce.number().int().min(1).max(500).optional(),
  MEMFLOW_PG_POOL_SIZE: z.coerce.number().int().min(1).max(500).optional(),
  /**
   * Activities one worker runs at once (Temporal's default: 100). With a pool far smaller than that,
   * a backlog (a worker restarted under load) had activities wait 10 s for a connection and fail
   * (P2028, "unable to start a transaction"); fewer at once wait in the task queue instead.
   */
  MEMFLOW_WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(1000).optional(),
  /**
   * Workflow tasks one worker takes at once (Temporal's default: 40). A worker runs them one after
   * another on one thread; on a starved machine (a soak at load 20 on 2 cores) 40 accepted tasks
   * outlasted their 10 s timeout, and each timed-out task was thrown away and replayed from its whole
   * history, more work on the starved worker. Fewer at once wait in Temporal's queue instead.
   */
  MEMFLOW_WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1000).default(8),
}).superRefine((env, ctx) => {
  // A client certificate needs its key and the key its certificate (mTLS), both or neither.
  for (const [name, other] of [['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_CERT_PATH'], ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH']] as const) {
    if (env[other] && !env[name]) ctx.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: [name], message: `required with ${other}` });
  }
  // A remote embedding provider without its key would fail on the first sync: fail at start instead.
  const key = { local: undefined, onnx: undefined, openai: 'OPENAI_API_KEY', voyage: 'VOYAGE_API_KEY' } as const;
  const name = key[env.MEMFLOW_EMBEDDINGS];
  if (name && !env[name]) ctx.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: [name], message: `required when MEMFLOW_EMBEDDINGS=${env.MEMFLOW_EMBEDDINGS}` });
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The operator commands' environment (cli/operator.ts: tenants and keys straight on PostgreSQL):
 * the database only, validated as the server's is.
 */
export const operatorEnvSchema = z.object({ DATABASE_URL: postgresUrl });
export type OperatorConfig = z.infer<typeof operatorEnvSchema>;

/**
 * The local stack's provisioning (infra/: `npm run up`, `npm test`, `npm run stack`): the dev API's
 * port, where stacks keep their state and built binaries, which block of test ports to use.
 */
export const stackEnvSchema = z.object({
  MEMFLOW_PORT: port.default(DEFAULT_API_PORT),
  /** Root of the stacks' state (default .memflow in the checkout), one folder per profile. */
  MEMFLOW_STATE_DIR: z.string().min(1).optional(),
  /** Built binaries (Temporal, Weaviate), shared by the checkouts of a machine (default $XDG_CACHE_HOME/memflow or ~/.cache/memflow). */
  MEMFLOW_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  /** The block of test ports (10000, 11000, ...); `npm test` sets it for its files. Checked against the blocks where it is used. */
  MEMFLOW_TEST_PORT_SHIFT: z.coerce.number().int('must be one of the test port blocks').optional(),
  /**
   * Niceness of the stack's background processes (worker, Temporal, Weaviate): on a laptop they share
   * the CPU with the agent, whose hooks must not wait on summaries and indexing. The API and PostgreSQL,
   * which answer hooks, keep the normal priority. 0 turns it off. The cluster profile's Temporal server
   * is not niced (infra/cluster/temporal-server.ts): there no agent shares the machine, and every
   * session's progress waits on it.
   */
  MEMFLOW_BACKGROUND_NICE: z.coerce.number().int().min(0).max(19).default(10),
});
export type StackConfig = z.infer<typeof stackEnvSchema>;

export function parseStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  return parseEnv(stackEnvSchema, env);
}

/** Parses `env`; throws a ConfigError whose message is one line naming the first bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(envSchema, env);
}

/** The operator commands' configuration, with the same one-line errors as parseConfig. */
export function parseOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return parseEnv(operatorEnvSchema, env);
}

function parseEnv<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  // Treat empty strings as unset, as shells commonly export `VAR=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
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
