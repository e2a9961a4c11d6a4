/** Bearer-key authentication for every /v1 route; the key names the tenant. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../common/tenants.js';
import { HttpError } from './errors.js';
import { isHookRoute } from './limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Phase durations (ms) reported in the Server-Timing header. */
    timings: Record<string, number>;
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

/** `lookup` maps a presented key to its principal (undefined for unknown and revoked keys). */
export function authHook(lookup: (key: string, req: FastifyRequest) => Promise<Principal | undefined>) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (req.principal) return; // signed in by the web viewer's session cookie (api/viewer/cookie-auth.ts)
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new HttpError(401, 'unauthenticated', 'send the API key as `Authorization: Bearer <key>`', {
        'www-authenticate': 'Bearer realm="memflow"',
      });
    }
    const t0 = performance.now();
    const principal = await lookup(match[1], req);
    req.timings.auth = performance.now() - t0;
    if (!principal) {
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { 'www-authenticate': 'Bearer realm="memflow"' });
    }
    req.principal = principal;
    // A child logger costs ~0.1 ms (its bindings are serialized at once): the hook ingress, thousands
    // of requests a second, names the tenant and key in the few lines it logs instead.
    if (!isHookRoute(req)) req.log = req.log.child({ tenantId: principal.tenantId, keyId: principal.keyId });
  };
}
