/**
 * Bearer-key authentication for every /v1 route; the key names the tenant.
 *
 * Revocation takes effect on the very next request in every API process. A key is looked up in
 * PostgreSQL on every request, except where the answer cannot leave before the database has
 * confirmed the key:
 * - the hook ingress takes the cached principal: its durable write re-checks the key in the same
 *   statement (api/capture/ingest.ts);
 * - the read routes (READ_ROUTES) take the cached principal at once and look the key up in parallel
 *   with their own reads; the answer is held in onSend until the lookup confirms the key, and a key
 *   revoked meanwhile gets 401 instead of the answer (holdUntilConfirmed);
 * - the requests the /mcp endpoint makes to this instance on behalf of its caller carry a grant of
 *   the caller's principal (InternalGrants), issued only after the caller's key was confirmed.
 */
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../common/server/tenants.js';
import { errorBody, HttpError } from './errors.js';
import { isHookRoute } from './limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Phase durations (ms) reported in the Server-Timing header. */
    timings: Record<string, number>;
    /** The database's answer for the key of a request that went ahead on the cached principal. */
    keyCheck?: Promise<Principal | undefined> | undefined;
  }
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthenticated', 'missing API key');
  return req.principal;
}

/** The principal of an admin key; a member key gets 403 naming what it lacks. */
export function requireAdmin(req: FastifyRequest): Principal {
  const principal = requirePrincipal(req);
  if (principal.role !== 'admin') throw new HttpError(403, 'forbidden', 'this needs an admin API key (memflow keys create --admin)');
  return principal;
}

/**
 * Routes that only read and answer through reply.send (so onSend can hold the answer): they may run
 * on a cached principal while the key is checked. A route that writes, streams or takes over the
 * socket is not listed, and looks its key up before it runs.
 */
const READ_ROUTES = new Set([
  'GET /v1/search',
  'GET /v1/context',
  'GET /v1/memories/:id',
  'POST /v1/memories::batchGet',
  'GET /v1/learnings',
  'GET /v1/sessions',
  'GET /v1/sessions/:id',
  'GET /v1/sessions/:id/timeline',
  'GET /v1/sessions/:id/memories',
  // Takes over the socket, so it confirms the key itself before it answers (api/mcp/mcp-endpoint.ts); its tools'
  // requests are checked as their own routes are.
  'POST /mcp',
]);

const isReadRoute = (req: FastifyRequest) => READ_ROUTES.has(`${req.method} ${req.routeOptions.url}`);

export const INTERNAL_GRANT_HEADER = 'x-memflow-grant';

/**
 * Principals handed by a request of this process to the requests it injects into it (the /mcp
 * endpoint's tools): an unguessable token, valid until the granting request ends. A token that
 * is not (or no longer) granted is refused like an unknown key.
 */
export class InternalGrants {
  private readonly grants = new Map<string, Principal>();

  grant(principal: Principal): { token: string; revoke(): void } {
    const token = crypto.randomBytes(24).toString('base64url');
    this.grants.set(token, principal);
    return { token, revoke: () => void this.grants.delete(token) };
  }

  principal(token: string): Principal | undefined {
    return this.grants.get(token);
  }
}

export interface KeyLookup {
  /** The principal of a key, from the database (undefined for unknown and revoked keys). */
  lookup(key: string, req: FastifyRequest): Promise<Principal | undefined>;
  /** The principal of a key known without a round trip (the key cache), if any. */
  cached?(key: string): Principal | undefined;
  /** Principals granted to this instance's own injected requests. */
  grants?: InternalGrants;
}

const unauthenticated = (message: string) => new HttpError(401, 'unauthenticated', message, { 'www-authenticate': 'Bearer realm="memflow"' });

export function authHook(keys: KeyLookup) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (req.principal) return; // signed in by the web viewer's session cookie (api/viewer/cookie-auth.ts)
    const grant = req.headers[INTERNAL_GRANT_HEADER];
    if (typeof grant === 'string' && keys.grants) {
      const principal = keys.grants.principal(grant);
      if (!principal) throw unauthenticated('unknown or expired grant');
      req.principal = principal;
      return;
    }
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw unauthenticated('send the API key as `Authorization: Bearer <key>`');
    const key = match[1];
    const t0 = performance.now();
    const cached = keys.cached && isReadRoute(req) ? keys.cached(key) : undefined;
    let principal: Principal | undefined;
    if (cached) {
      principal = cached;
      req.keyCheck = keys.lookup(key, req);
      req.keyCheck.catch(() => undefined); // awaited in onSend; a failure is answered there
    } else {
      principal = await keys.lookup(key, req);
    }
    req.timings.auth = performance.now() - t0;
    if (!principal) throw unauthenticated('unknown or revoked API key');
    req.principal = principal;
    // A child logger costs ~0.1 ms (its bindings are serialized at once): the hook ingress, thousands
    // of requests a second, names the tenant and key in the few lines it logs instead.
    if (!isHookRoute(req)) req.log = req.log.child({ tenantId: principal.tenantId, keyId: principal.keyId });
  };
}

/**
 * Waits for the key check of a request that went ahead on a cached principal: undefined when the key
 * stands (or was looked up before the request ran), else the error to answer with.
 */
export async function keyDenial(req: FastifyRequest): Promise<HttpError | undefined> {
  const check = req.keyCheck;
  if (!check) return undefined;
  req.keyCheck = undefined;
  const t0 = performance.now();
  try {
    const principal = await check;
    if (principal?.keyId === req.principal?.keyId && principal?.tenantId === req.principal?.tenantId) return undefined;
    return unauthenticated('unknown or revoked API key');
  } catch (err) {
    req.log.warn({ err: (err as Error).message }, 'database unavailable');
    return new HttpError(503, 'unavailable', 'the database is unavailable; retry later', { 'retry-after': '5' });
  } finally {
    req.timings.keyCheck = performance.now() - t0;
  }
}

/**
 * onSend: the answer of a read that ran on a cached principal leaves only once the key is confirmed.
 * The wait is added to Server-Timing (`keyCheck`), which the root's onSend hook wrote before this one.
 */
export async function holdUntilConfirmed(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (!req.keyCheck) return payload;
  const denial = await keyDenial(req);
  const timing = reply.getHeader('server-timing');
  if (typeof timing === 'string') reply.header('server-timing', `${timing}, keyCheck;dur=${req.timings.keyCheck!.toFixed(2)}`);
  if (!denial) return payload;
  reply.code(denial.statusCode).headers(denial.headers).header('content-type', 'application/json; charset=utf-8');
  return JSON.stringify(errorBody(denial.code, denial.message));
}
