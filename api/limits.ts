/**
 * Request limits of the /v1 API (@fastify/rate-limit, in memory per API process):
 * - per API key, two budgets a minute: the hook ingress gets its own, much larger bucket, so an agent's
 *   hooks stay fast while the same key's searches, exports or admin calls are throttled. The hook
 *   relay's reads for the hooks' answers (a SessionStart's context, a prompt's or a file's push, its
 *   prefetch, the project's file names, a push's delivery) are the hooks' too and count there: a busy
 *   hour of sessions never spends the key's budget for searches (nor is refused by it);
 * - per client IP, failed authentications only: a flood of bad keys is refused before the key lookup,
 *   while requests with a valid key are never counted by IP (local clients all share 127.0.0.1).
 * Over a budget the answer is 429 `rate_limited` with Retry-After. A budget of 0 turns it off.
 * /health, /ready, /metrics and /openapi.json live outside /v1 and are never limited.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { HOOK_BATCH_MAX_EVENTS } from '../messages/api-v1.js';

export interface RateLimits {
  /** Requests a minute per API key on every /v1 route but the hooks; 0 = unlimited. */
  perMinute: number;
  /** Requests a minute per API key on POST /v1/hooks/{event} (a batch counts each of its events); 0 = unlimited. */
  hooksPerMinute: number;
  /** Failed authentications a minute per client IP; defaults to perMinute. */
  failedAuthPerMinute?: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 600, hooksPerMinute: 6000 };

const WINDOW_MS = 60_000;

/** Server-wide timeouts (node:http). Export streams are not affected: both bound reading the request. */
export const REQUEST_TIMEOUT_MS = 30_000; // the whole request (headers and body) must arrive within this
export const CONNECTION_TIMEOUT_MS = 30_000; // a socket idle this long (no byte either way) is closed

const rateLimited = (ttlSeconds: number, what: string) =>
  new HttpError(429, 'rate_limited', `too many requests ${what}; retry in ${ttlSeconds} s`, { 'retry-after': String(Math.max(1, ttlSeconds)) });

/** POST /v1/hooks:batch's pattern (Fastify's `::` is a literal colon): api/capture/hook-batch-route.ts. */
export const HOOK_BATCH_ROUTE = '/v1/hooks::batch';

export const isHookRoute = (req: FastifyRequest) => req.routeOptions.url?.startsWith('/v1/hooks/') === true || req.routeOptions.url === HOOK_BATCH_ROUTE;

/** The channels of GET /v1/context that answer a hook (the relay's reads), not a person's or a tool's. */
const HOOK_CHANNELS = new Set(['session_start', 'user_prompt', 'file_touch', 'prefetch']);

/** A request the hooks' bucket counts: the hook ingress, and the relay's reads for the hooks' answers. */
export function isHookBudget(req: FastifyRequest): boolean {
  if (isHookRoute(req)) return true;
  const route = req.routeOptions.url;
  if (route === '/v1/context/files' || route === '/v1/context/receipts/:id/delivered') return true;
  const channel = (req.query as Record<string, unknown> | undefined)?.channel;
  return route === '/v1/context' && typeof channel === 'string' && HOOK_CHANNELS.has(channel);
}

/**
 * Installs the limits on the /v1 scope. Call it before the authentication hook is added: the IP check
 * must run before the key lookup, the per-key buckets (preParsing, before the body is read) after it.
 */
export async function installRateLimits(v1: FastifyInstance, limits: RateLimits = DEFAULT_RATE_LIMITS): Promise<void> {
  await v1.register(fastifyRateLimit, { global: false });
  const keyOf = (req: FastifyRequest) => req.principal?.keyId ?? `ip:${req.ip}`;
  const bucket = (max: number) => (max > 0 ? v1.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: keyOf }) : undefined);
  const general = bucket(limits.perMinute);
  const hooks = bucket(limits.hooksPerMinute);
  const failedAuthMax = limits.failedAuthPerMinute ?? limits.perMinute;
  const failedAuth = failedAuthMax > 0 ? v1.createRateLimit({ max: failedAuthMax, timeWindow: WINDOW_MS, keyGenerator: (req) => `ip:${req.ip}` }) : undefined;

  if (failedAuth) {
    v1.addHook('onRequest', async (req) => {
      const state = await failedAuth(req, { increment: false });
      if (!state.isAllowed && state.remaining <= 0) throw rateLimited(state.ttlInSeconds, 'with missing or unknown API keys from this address');
    });
    v1.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode === 401) await failedAuth(req);
    });
  }

  v1.addHook('preParsing', async (req) => {
    const hook = isHookBudget(req);
    const limiter = hook ? hooks : general;
    if (!limiter || !req.principal) return;
    const state = await limiter(req);
    if (!state.isAllowed && state.isExceeded) throw rateLimited(state.ttlInSeconds, hook ? 'to the hooks with this API key' : 'with this API key');
  });
  // A batch of hook events spends the hooks' budget as its events would one by one: the request counted above, the
  // rest once the body is read (before anything is stored; over the budget nothing of the batch is).
  v1.addHook('preHandler', async (req) => {
    if (!hooks || !req.principal || req.routeOptions.url !== HOOK_BATCH_ROUTE) return;
    const events = (req.body as { events?: unknown } | undefined)?.events;
    const more = Array.isArray(events) ? Math.min(events.length, HOOK_BATCH_MAX_EVENTS) - 1 : 0;
    for (let i = 0; i < more; i++) {
      const state = await hooks(req);
      if (!state.isAllowed && state.isExceeded) throw rateLimited(state.ttlInSeconds, 'to the hooks with this API key');
    }
  });
}
