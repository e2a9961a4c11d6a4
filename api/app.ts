/**
 * The API wired to its real dependencies from a Config: used by the API process and by the tests,
 * so both run the same server.
 */
import { ablate } from '../common/rules/push-ablation.js';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../common/server/config.js';
import type { PrismaClient } from '../common/server/db.js';
import { createPgPool } from '../common/server/pg.js';
import type { Logger } from '../common/server/logger.js';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { weaviateEndpoint } from '../common/server/weaviate/endpoint.js';
import type { SessionTuning } from '../messages/workflows-v1/session.js';
import { createDispatcher } from './capture/dispatch.js';
import { createIngestBatcher } from './capture/ingest.js';
import { startRedispatcher } from './capture/redispatch.js';
import { createKeyCache } from './key-cache.js';
import { parseCorsOrigins } from './security.js';
import { buildServer } from './server.js';
import type { SsoSettings } from './sso/sso-routes.js';
import { TenantRules } from '../common/rules/redact-tenant-rules.js';
import { createSearchService } from './search/search-routes.js';
import { createVectorBackend } from './search/semantic.js';

export interface AppOptions {
  /** Overrides of the session workflow's tuning for workflows this API starts (tests). */
  tuning?: Partial<SessionTuning>;
  /** Redispatcher timing (tests shorten it). */
  redispatch?: { graceMs?: number; intervalMs?: number };
  /** Search tuning (tests shorten the vector leg's time bound and cool-down). */
  search?: { vectorTimeoutMs?: number; cooldownMs?: number };
}

/** The single sign-on settings (api/sso/) when MEMFLOW_OIDC_ISSUER is set; a half-set one fails the start. */
export function ssoOf(config: Config): { sso?: SsoSettings } {
  if (!config.MEMFLOW_OIDC_ISSUER) return {};
  const clientId = config.MEMFLOW_OIDC_CLIENT_ID;
  const tenant = config.MEMFLOW_OIDC_TENANT;
  if (!clientId || !tenant) throw new Error('MEMFLOW_OIDC_ISSUER is set: MEMFLOW_OIDC_CLIENT_ID and MEMFLOW_OIDC_TENANT are needed too (docs/sso.md)');
  const deviceClientId = config.MEMFLOW_OIDC_DEVICE_CLIENT_ID ?? clientId;
  const deviceClientSecret = config.MEMFLOW_OIDC_DEVICE_CLIENT_ID ? config.MEMFLOW_OIDC_DEVICE_CLIENT_SECRET : config.MEMFLOW_OIDC_CLIENT_SECRET;
  return {
    sso: {
      issuer: config.MEMFLOW_OIDC_ISSUER,
      clientId,
      ...(config.MEMFLOW_OIDC_CLIENT_SECRET ? { clientSecret: config.MEMFLOW_OIDC_CLIENT_SECRET } : {}),
      deviceClientId,
      ...(deviceClientSecret ? { deviceClientSecret } : {}),
      tenant,
      newPeople: config.MEMFLOW_OIDC_NEW_PEOPLE,
      sessionSeconds: config.MEMFLOW_OIDC_SESSION_SECONDS,
      loginKeyDays: config.MEMFLOW_OIDC_LOGIN_KEY_DAYS,
      ...(config.MEMFLOW_PUBLIC_URL ? { publicUrl: config.MEMFLOW_PUBLIC_URL } : {}),
    },
  };
}

export function createApi(config: Config, prisma: PrismaClient, logger: Logger, opts: AppOptions = {}): { app: FastifyInstance; close(): Promise<void> } {
  // A benchmark measuring what a word list of the push is worth leaves it out (unset in production).
  ablate(config.MEMFLOW_PUSH_ABLATE);
  const { connection, client } = createTemporalClient(config);
  const pool = createPgPool(config.DATABASE_URL, config.MEMFLOW_PG_POOL_SIZE ?? 10, { genericPlans: true });
  // The workflow triggers a batch summary at the size the worker's summarizer batches by (same env).
  const tuning = { summaryBatchTokens: config.MEMFLOW_SUMMARY_BATCH_TOKENS, ...opts.tuning };
  const dispatcher = createDispatcher({ pool, client, taskQueue: config.TEMPORAL_TASK_QUEUE, logger, tuning });
  const ingest = createIngestBatcher(pool, { onCaptured: (sessions) => dispatcher.captured(sessions), ledger: config.MEMFLOW_CAPTURE_LEDGER });
  const keyCache = createKeyCache(pool, config.DATABASE_URL, logger);
  const redispatcher = startRedispatcher({ prisma, pool, dispatcher, logger, ...opts.redispatch });
  // Connects to Weaviate on first use: the API starts, and keyword search answers, while it is down.
  const vectors = createVectorBackend(config);
  const search = createSearchService({ pool, vectors, logger, ...opts.search });
  const app = buildServer({
    logger,
    prisma,
    pool,
    temporal: client,
    ingest,
    keyCache,
    search,
    ...(tuning.idleTimeoutMs ? { idleTimeoutMs: tuning.idleTimeoutMs } : {}),
    hookBodyLimit: config.MEMFLOW_MAX_HOOK_BYTES,
    captureLedger: config.MEMFLOW_CAPTURE_LEDGER,
    promptPushMs: config.MEMFLOW_PROMPT_PUSH_MS,
    bodyLimit: config.MEMFLOW_MAX_BODY_BYTES,
    rateLimits: { perMinute: config.MEMFLOW_RATE_LIMIT_PER_MINUTE, hooksPerMinute: config.MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE },
    corsOrigins: parseCorsOrigins(config.MEMFLOW_CORS_ORIGINS),
    ...ssoOf(config),
    defaultDailyTokenBudget: config.MEMFLOW_DAILY_TOKEN_BUDGET,
    maxStoredEventBytes: config.MEMFLOW_MAX_STORED_EVENT_BYTES,
    mcpMaxTokens: config.MEMFLOW_MCP_MAX_TOKENS,
    // A bad rules file fails the start with one line naming the rule.
    redactionRules: TenantRules.load(config.MEMFLOW_REDACTION_RULES),
    readiness: {
      pingDatabase: async () => {
        await prisma.$queryRaw`select 1`;
      },
      temporal: connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      weaviate: weaviateEndpoint(config),
    },
  });
  return {
    app,
    async close() {
      await app.close(); // stops accepting, finishes in-flight requests
      await redispatcher.stop();
      await ingest.drain();
      await dispatcher.drain();
      await keyCache.close();
      await Promise.allSettled([connection.close(), pool.end(), vectors.close()]);
    },
  };
}
