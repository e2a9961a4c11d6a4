/**
 * Authentication by the web viewer's session cookie, a hook that runs before the Bearer-key hook on
 * /v1. It applies only to requests without an Authorization header that carry the cookie, and never
 * to the hook ingress (agents use keys). The session holds the key's hash: the key is looked up on
 * every request exactly like a Bearer key, so the principal (tenant, role) is the same and a revoked
 * key is refused at once. State-changing requests must echo the session's CSRF token in
 * `x-csrf-token` (SameSite=Strict already keeps other sites' requests cookie-less; this is the
 * second lock).
 */
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on requests authenticated by a viewer session: whether that session still stands (long streams ask). */
    viewerSessionLive?: () => boolean;
  }
}
import type { Principal } from '../../common/server/tenants.js';
import { HttpError } from '../errors.js';
import { isHookRoute } from '../limits.js';
import { readCookie, sameToken, SESSION_COOKIE, type ViewerSessions } from './viewer-sessions.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function cookieAuthHook(sessions: ViewerSessions, lookupHash: (keyHash: string) => Promise<Principal | undefined>) {
  return async (req: FastifyRequest): Promise<void> => {
    if (req.headers.authorization || isHookRoute(req)) return;
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!id) return; // the Bearer hook answers 401
    const session = sessions.touch(id);
    if (!session) throw new HttpError(401, 'unauthenticated', 'the viewer session has expired; sign in again');
    const t0 = performance.now();
    const principal = await lookupHash(session.keyHash);
    req.timings.auth = performance.now() - t0;
    if (!principal) {
      sessions.delete(id);
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key; sign in again');
    }
    if (!SAFE_METHODS.has(req.method)) {
      const token = req.headers['x-csrf-token'];
      if (typeof token !== 'string' || !sameToken(token, session.csrf)) throw new HttpError(403, 'csrf', 'missing or wrong x-csrf-token for this viewer session');
    }
    req.principal = principal;
    req.viewerSessionLive = () => sessions.touch(id) !== undefined;
    req.log = req.log.child({ tenantId: principal.tenantId, keyId: principal.keyId, via: 'viewer' });
  };
}
