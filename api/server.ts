/**
 * The HTTP server: Fastify (fast, schema-aware, well kept) with one error shape, request ids that are
 * echoed back and carried into logs, and no stack traces in answers.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import { classifyDbError, type PrismaClient } from '../common/server/db.js';
import type { Logger } from '../common/server/logger.js';
import type { PgPool } from '../common/server/pg.js';
import { lookupKey, lookupKeyHash } from '../common/server/tenants.js';
import { authHook, holdUntilConfirmed, InternalGrants } from './auth.js';
import { checkRuleOnRoute, registerAccessControl } from './access.js';
import type { IngestBatcher } from './capture/ingest.js';
import type { KeyCache } from './key-cache.js';
import { errorBody, HttpError } from './errors.js';
import { CONNECTION_TIMEOUT_MS, installRateLimits, isHookRoute, REQUEST_TIMEOUT_MS, type RateLimits } from './limits.js';
import { frameworkErrors, installSecurity } from './security.js';
import { createMetricsRegistry, observeRequest, registerMetricsRoute } from './metrics.js';
import { collectRoutes, registerOpenApiRoute } from './openapi.js';
import { documented } from './openapi-doc.js';
import { healthAnswer, readyAnswer } from '../messages/api-v1.js';
import { checkReadiness, type ReadinessDeps } from './readiness.js';
import { requireUtf8Json } from './validation.js';
import { registerBackupRoutes } from './backup/backup-routes.js';
import { registerJobRoutes } from './jobs/job-routes.js';
import { registerRetentionRoutes } from './retention/retention-routes.js';
import { registerRedactionRoutes } from './redaction/redaction-routes.js';
import { registerRederiveRoutes } from './rederive/rederive-routes.js';
import type { TenantRules } from '../common/rules/redact-tenant-rules.js';
import { registerAuditDenials, registerAuditRoutes } from './admin/audit-routes.js';
import { registerHookRoutes } from './capture/hook-routes.js';
import { registerHookBatchRoute } from './capture/hook-batch-route.js';
import { registerSessionRoutes } from './sessions/session-routes.js';
import { registerExportRoutes } from './export/export-routes.js';
import { registerProjectRoutes } from './erase/project-routes.js';
import { registerContextRoutes } from './context/context-routes.js';
import { registerReceiptRoutes } from './context/receipt-routes.js';
import { registerLearningRoutes } from './memories/learning-routes.js';
import { registerMemoryRoutes } from './memories/memory-routes.js';
import { registerSearchRoutes, type SearchService } from './search/search-routes.js';
import { registerMcpRoutes } from './mcp/mcp-endpoint.js';
import { registerCaptureLedgerRoutes } from './capture/ledger-routes.js';
import { recentLedgers } from './capture/capture-ledger.js';
import { registerProjectKeyResolution } from './project-key.js';
import { createIndexer } from './memories/index-now.js';
import { registerKeyRoutes } from './admin/key-routes.js';
import { registerPeopleRoutes } from './admin/people-routes.js';
import { registerReviewRoutes } from './review/review-routes.js';
import { registerUsageRoutes } from './admin/usage-routes.js';
import { cookieAuthHook } from './viewer/cookie-auth.js';
import { registerSsoRoutes, type SsoSettings } from './sso/sso-routes.js';
import { registerLiveRoutes } from './viewer/live-stream.js';
import { registerViewerRoutes } from './viewer/viewer-routes.js';
import { ViewerSessions } from './viewer/viewer-sessions.js';
import { createKeyUsage } from './key-usage.js';
import { recordAudit } from '../common/server/audit.js';
import { MEMFLOW_VERSION } from '../messages/version.js';
import { sourceDir } from '../common/source-path.js';

/** Where `npm run build:viewer` writes the web viewer. */
export const VIEWER_DIST_DIR = path.resolve(sourceDir(import.meta.url), '..', 'dist', 'viewer');

export interface ServerDeps {
  logger: Logger;
  /** Cap on one MCP tool answer, in tokens (MEMFLOW_MCP_MAX_TOKENS). */
  mcpMaxTokens?: number;
  readiness: ReadinessDeps;
  prisma: PrismaClient;
  /** node-postgres pool for the hot paths (ingest, key lookup). */
  pool: PgPool;
  temporal: Client;
  /** The hook ingress's group commit (which stores each event with its timeline item). */
  ingest: IngestBatcher;
  /** API keys cached for the hook ingress and the read routes (api/auth.ts says how revocation stays immediate). */
  keyCache?: KeyCache;
  /** Retrieval: PostgreSQL full-text with Weaviate when it answers (api/search/search-routes.ts). */
  search: SearchService;
  /** Bytes; larger bodies get 413 (hooks have their own, larger limit). */
  bodyLimit?: number;
  hookBodyLimit?: number;
  /** The capture ledger's counts (MEMFLOW_CAPTURE_LEDGER; on unless false). */
  captureLedger?: boolean;
  /** MEMFLOW_PROMPT_PUSH_MS: how long a prompt's answer waits for its push (0: no push). */
  promptPushMs?: number;
  maxStoredEventBytes?: number;
  redactionRules?: TenantRules;
  /** Per-key request budgets (api/limits.ts); defaults there. */
  rateLimits?: RateLimits;
  /** Browser origins allowed by CORS; none by default. */
  corsOrigins?: readonly string[];
  /** MEMFLOW_DAILY_TOKEN_BUDGET, shown by GET /v1/usage for tenants without their own budget. */
  defaultDailyTokenBudget?: number;
  /** The session workflow's idle timeout (ms) of the sessions this API starts; lists say when a running session closes. */
  idleTimeoutMs?: number;
  /** Single sign-on with the site's OpenID provider (api/sso/); absent: API keys only. */
  sso?: SsoSettings;
  /** The web viewer: where its build is, and the live stream's tick (tests shorten it). */
  viewer?: { distDir?: string; liveTickMs?: number };
}

/** The tenant and key of a hook request, which has no per-request child logger (auth.ts). */
const whoOf = (req: FastifyRequest) => (req.principal && isHookRoute(req) ? { tenantId: req.principal.tenantId, keyId: req.principal.keyId } : {});

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestIdHeader: 'x-request-id',
    // Project names (path parameters) may be up to 128 characters, more once percent-encoded.
    routerOptions: { maxParamLength: 512 },
    genReqId: () => crypto.randomUUID(),
    // One log line per request (below), not Fastify's two: at thousands of hooks a second the
    // request log was most of the API's output and a good part of its CPU.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
  });
  // Every route as it is registered, with the documentation it carries: /openapi.json is made of them.
  collectRoutes(app);
  // Every route has an access rule (api/access.ts), or the server does not start.
  checkRuleOnRoute(app);

  app.decorateRequest('timings', null as unknown as Record<string, number>);
  app.addHook('onRequest', async (req) => {
    req.timings = {};
  });
  // After authentication (onRequest), where Fastify's own content-type checks also come.
  app.addHook('preParsing', async (req) => {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) requireUtf8Json(req.headers['content-type']);
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // Where the time of a request went, for clients, proxies and the ingest benchmark.
    const phases = Object.entries(req.timings ?? {}).map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`);
    phases.push(`total;dur=${reply.elapsedTime.toFixed(2)}`);
    reply.header('server-timing', phases.join(', '));
  });
  // Security headers, CORS (closed unless configured; its preflights answer here), no-store.
  installSecurity(app, { corsOrigins: deps.corsOrigins ?? [] });

  // Latency per route pattern (never the raw URL: ids would explode the label set).
  app.addHook('onResponse', async (req, reply) => {
    observeRequest(req.routeOptions.url, req.method, reply.statusCode, reply.elapsedTime / 1000);
    // Accepted hooks are the bulk of the traffic: logged at debug; everything else at info.
    const level = reply.statusCode < 400 && isHookRoute(req) ? 'debug' : 'info';
    // Hooks have no per-request child logger (auth.ts): the tenant and key are named here.
    req.log[level]({ method: req.method, url: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode, ms: Number(reply.elapsedTime.toFixed(2)), ...whoOf(req) }, 'request');
  });

  app.setErrorHandler((error, req, reply) => {
    const err = error as Error & { statusCode?: unknown };
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).headers(err.headers).send(errorBody(err.code, err.message));
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    // A dependency that is away (PostgreSQL restarting, pool exhausted) is a 503, wherever it
    // surfaces: in authentication, in a route or in a query helper.
    const dbKind = classifyDbError(err);
    if (dbKind === 'transient' || dbKind === 'overloaded') {
      req.log.warn({ err: err.message, ...whoOf(req) }, 'database unavailable');
      return reply.code(503).header('retry-after', '5').send(errorBody('unavailable', 'the database is unavailable; retry later'));
    }
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
      return reply.code(status).send(errorBody(code, err.message));
    }
    req.log.error({ err, ...whoOf(req) }, 'unhandled error');
    return reply.code(500).send(errorBody('internal', 'internal error; see the server log for request ' + req.id));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`));
  });

  // Liveness: the process answers. No dependency is consulted.
  app.get('/health', documented({ summary: 'Liveness: the process answers', tags: ['operations'], auth: false, answers: { 200: healthAnswer } }), async () => ({ status: 'ok' }));

  // Readiness: every dependency, with latency; 503 when any is down.
  const readyDoc = documented({ summary: 'Readiness: each dependency up or down, with latency', tags: ['operations'], auth: false, answers: { 200: readyAnswer, 503: readyAnswer } });
  app.get('/ready', readyDoc, async (_req, reply) => {
    const result = await checkReadiness(deps.readiness);
    return reply.code(result.ready ? 200 : 503).send(result);
  });

  // Prometheus scrape: aggregates only (no tenant labels), like /health and /ready without auth.
  registerMetricsRoute(app, createMetricsRegistry(deps.pool, recentLedgers));
  // The OpenAPI 3.1 description of every route, generated from the routes' zod schemas (no auth).
  registerOpenApiRoute(app);

  // The web viewer (/ui): its page and the sign-in that turns a key into a session cookie.
  const viewerSessions = new ViewerSessions();
  const keyUsage = createKeyUsage(deps.pool, (err) => deps.logger.warn({ err: err.message }, 'could not write an API key\'s last use'));
  const lookupHash = (keyHash: string) => lookupKeyHash(deps.pool, keyHash);
  const sso = registerSsoRoutes(app, { settings: deps.sso, prisma: deps.prisma, sessions: viewerSessions, logger: deps.logger });
  registerViewerRoutes(app, {
    signedOut: (session, requestId) => sso.signedOut(session, requestId),
    sessions: viewerSessions,
    lookupKey: (key) => lookupKey(deps.pool, key),
    lookupHash,
    distDir: deps.viewer?.distDir ?? VIEWER_DIST_DIR,
    signedIn: async (principal, requestId) => {
      keyUsage.touch(principal.keyId);
      await recordAudit(deps.prisma, { tenantId: principal.tenantId, actorKeyId: principal.keyId, action: 'viewer.signin', target: `key:${principal.keyId}`, outcome: 'success', requestId });
    },
  });

  // Everything under /v1 is authenticated and scoped to the key's tenant.
  const grants = new InternalGrants();
  const indexer = createIndexer(deps.temporal, deps.readiness.taskQueue, deps.logger);
  // A wait for indexing still running when the server closes is cancelled first: nothing of a request outlives the server.
  app.addHook('onClose', () => indexer.close());
  app.register(async (v1) => {
    await installRateLimits(v1, deps.rateLimits); // before auth: failed keys are counted by IP
    // The hooks' durable write re-checks the key, so they may use the cache; reads may go ahead on
    // it while the key is checked (their answers wait in onSend); everything else looks it up.
    const keyCache = deps.keyCache;
    // The viewer's session cookie first (it sets the principal), then the Bearer key.
    v1.addHook('onRequest', cookieAuthHook(viewerSessions, lookupHash));
    v1.addHook(
      'onRequest',
      authHook({
        lookup: (key, req) => (keyCache ? (isHookRoute(req) ? keyCache.lookup(key) : keyCache.load(key)) : lookupKey(deps.pool, key)),
        ...(keyCache ? { cached: (key: string) => keyCache.peek(key) } : {}),
        grants,
      }),
    );
    v1.addHook('onSend', holdUntilConfirmed);
    registerProjectKeyResolution(v1, deps.pool);
    // Who may do what, in which project: one rule per route (api/access.ts), after the project mapping.
    registerAccessControl(v1, deps.pool);
    // "Last used" of the key behind the request (at most one write a minute per key).
    v1.addHook('preHandler', async (req) => {
      if (req.principal) keyUsage.touch(req.principal.keyId);
    });
    registerAuditDenials(v1, { prisma: deps.prisma });
    const hookDeps = {
      prisma: deps.prisma,
      pool: deps.pool,
      ingest: deps.ingest,
      maxBodyBytes: deps.hookBodyLimit ?? 8 * 1024 * 1024,
      maxStoredBytes: deps.maxStoredEventBytes ?? 256 * 1024,
      ...(deps.redactionRules ? { redactionRules: deps.redactionRules } : {}),
      ledger: deps.captureLedger !== false,
      ...(deps.promptPushMs !== undefined ? { promptPushMs: deps.promptPushMs } : {}),
    };
    registerHookRoutes(v1, hookDeps);
    registerHookBatchRoute(v1, hookDeps);
    registerCaptureLedgerRoutes(v1, { pool: deps.pool });
    registerSessionRoutes(v1, { prisma: deps.prisma, pool: deps.pool, temporal: deps.temporal, ...(deps.idleTimeoutMs ? { idleTimeoutMs: deps.idleTimeoutMs } : {}) });
    registerSearchRoutes(v1, { search: deps.search, pool: deps.pool });
    registerMemoryRoutes(v1, { prisma: deps.prisma, pool: deps.pool, indexer });
    registerContextRoutes(v1, { pool: deps.pool });
    registerReceiptRoutes(v1, { pool: deps.pool });
    registerLearningRoutes(v1, { prisma: deps.prisma, indexer });
    registerReviewRoutes(v1, { prisma: deps.prisma, indexer });
    registerExportRoutes(v1, { prisma: deps.prisma, pool: deps.pool });
    registerProjectRoutes(v1, { prisma: deps.prisma, temporal: deps.temporal, taskQueue: deps.readiness.taskQueue });
    registerBackupRoutes(v1, { prisma: deps.prisma, temporal: deps.temporal, taskQueue: deps.readiness.taskQueue });
    registerRetentionRoutes(v1, { prisma: deps.prisma });
    registerJobRoutes(v1, { prisma: deps.prisma, temporal: deps.temporal });
    registerRedactionRoutes(v1, { prisma: deps.prisma, temporal: deps.temporal, taskQueue: deps.readiness.taskQueue });
    registerRederiveRoutes(v1, { prisma: deps.prisma, temporal: deps.temporal, taskQueue: deps.readiness.taskQueue });
    registerAuditRoutes(v1, { prisma: deps.prisma });
    registerKeyRoutes(v1, { prisma: deps.prisma });
    registerPeopleRoutes(v1, { prisma: deps.prisma });
    registerUsageRoutes(v1, { pool: deps.pool, defaultDailyTokenBudget: deps.defaultDailyTokenBudget ?? 0 });
    registerLiveRoutes(v1, { pool: deps.pool, temporal: deps.temporal, ...(deps.idleTimeoutMs ? { idleTimeoutMs: deps.idleTimeoutMs } : {}), ...(deps.viewer?.liveTickMs ? { tickMs: deps.viewer.liveTickMs } : {}) });
    registerMcpRoutes(v1, { root: app, grants, version: MEMFLOW_VERSION, ...(deps.mcpMaxTokens !== undefined ? { maxTokens: deps.mcpMaxTokens } : {}) });
  });

  return app;
}
