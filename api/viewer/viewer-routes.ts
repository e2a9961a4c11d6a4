/**
 * The web viewer's own routes (outside /v1):
 *   GET    /ui                 the single page (hash routes: #/live, #/sessions/<id>, ...)
 *   GET    /ui/assets/{file}   its script and stylesheet, content-hashed, cached for a year
 *   POST   /ui/session         {key}: sign in -> session cookie (HttpOnly, SameSite=Strict) + {tenant, role, csrf}
 *   GET    /ui/session         who is signed in (401 when nobody)
 *   DELETE /ui/session         sign out (x-csrf-token); a single sign-on's key is revoked
 * Single sign-on (GET /ui/oidc/start, /ui/oidc/callback) is api/sso/sso-routes.ts.
 * The page's Content-Security-Policy allows only this origin: no inline script, no third party.
 * The files come from dist/viewer, written by `npm run build:viewer` (viewer/build.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashApiKey, type Principal } from '../../common/server/tenants.js';
import { HttpError } from '../errors.js';
import { viewerSession } from '../../messages/api-v1.js';
import { answer, parseOr400 } from '../validation.js';
import { documented } from '../openapi-doc.js';
import { clearedSessionCookie, readCookie, sameToken, SESSION_COOKIE, sessionCookie, type CookieSession, type ViewerSessions } from './viewer-sessions.js';

export const VIEWER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ViewerRouteDeps {
  sessions: ViewerSessions;
  lookupKey: (key: string) => Promise<Principal | undefined>;
  lookupHash: (keyHash: string) => Promise<Principal | undefined>;
  /** Where the built viewer lives (dist/viewer). */
  distDir: string;
  /** A key signed in (audited as `viewer.signin`; its "last used" written). */
  signedIn?: (principal: Principal, requestId: string) => Promise<void>;
  /** A session ended by signing out (the single sign-on revokes the key it minted). */
  signedOut?: (session: CookieSession, requestId: string) => Promise<void>;
  /** Failed sign-ins a minute per client address before 429. */
  failedSignInsPerMinute?: number;
}

export const signInBody = z.object({ key: z.string({ error: 'required: an API key (mf_...)' }).min(1, 'must not be empty').max(200, 'at most 200 characters') }).strict();

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const ASSET_NAME = /^[A-Za-z0-9_-]+\.(js|css)$/;

/** Whether the cookie may be marked Secure: the request came over TLS (directly or via a proxy). */
const isSecure = (req: FastifyRequest) => req.protocol === 'https';

export function registerViewerRoutes(app: FastifyInstance, deps: ViewerRouteDeps): void {
  const failures = new Map<string, { count: number; resetAt: number }>();
  const maxFailures = deps.failedSignInsPerMinute ?? 30;

  async function sendPage(_req: FastifyRequest, reply: FastifyReply) {
    let html: string;
    try {
      html = await fs.readFile(path.join(deps.distDir, 'index.html'), 'utf8');
    } catch {
      throw new HttpError(503, 'viewer_not_built', 'the web viewer is not built: run `npm run build:viewer`');
    }
    return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', VIEWER_CSP).header('cache-control', 'no-store').send(html);
  }
  const pageDoc = documented({ summary: 'The web viewer (HTML; strict Content-Security-Policy)', tags: ['viewer'], auth: false, answers: { 200: { mediaType: 'text/html', description: 'the single page' }, 503: null } });
  app.get('/ui', pageDoc, sendPage);

  const assetDoc = documented({
    summary: "The viewer's script and stylesheet (content-hashed names, cached)",
    tags: ['viewer'],
    auth: false,
    params: z.object({ file: z.string() }),
    answers: { 200: { mediaType: 'text/javascript', description: 'or text/css' }, 404: null },
  });
  app.get<{ Params: { file: string } }>('/ui/assets/:file', assetDoc, async (req, reply) => {
    const file = req.params.file;
    if (!ASSET_NAME.test(file)) throw new HttpError(404, 'not_found', `no asset '${file}'`);
    let body: Buffer;
    try {
      body = await fs.readFile(path.join(deps.distDir, 'assets', file));
    } catch {
      throw new HttpError(404, 'not_found', `no asset '${file}'`);
    }
    return reply
      .header('content-type', ASSET_TYPES[path.extname(file)]!)
      .header('content-security-policy', VIEWER_CSP)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  });

  const view = (p: Principal, csrf: string) =>
    answer(viewerSession, { tenant: p.tenantName, role: p.role, keyId: p.keyId, csrf, person: p.person ?? null, projectRoles: { ...(p.projectRoles ?? {}) }, expiresAt: p.expiresAt ? new Date(p.expiresAt).toISOString() : null });

  const signInDoc = documented({
    summary: 'Sign in to the viewer with an API key: sets an HttpOnly, SameSite=Strict session cookie (the key is not kept)',
    tags: ['viewer'],
    auth: false,
    body: signInBody,
    answers: { 200: viewerSession, 401: null, 429: null },
  });
  app.post('/ui/session', signInDoc, async (req, reply) => {
    const now = Date.now();
    const f = failures.get(req.ip);
    if (f && f.resetAt > now && f.count >= maxFailures) {
      throw new HttpError(429, 'rate_limited', 'too many failed sign-ins from this address; retry in a minute', { 'retry-after': String(Math.ceil((f.resetAt - now) / 1000)) });
    }
    const { key } = parseOr400(signInBody, req.body, 'invalid_body');
    const principal = await deps.lookupKey(key);
    if (!principal) {
      if (failures.size > 10_000) for (const [ip, e] of failures) if (e.resetAt <= now) failures.delete(ip);
      const entry = f && f.resetAt > now ? f : { count: 0, resetAt: now + 60_000 };
      entry.count += 1;
      failures.set(req.ip, entry);
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key');
    }
    await deps.signedIn?.(principal, req.id);
    const { id, session } = deps.sessions.create(hashApiKey(key));
    return reply.header('set-cookie', sessionCookie(id, { secure: isSecure(req) })).send(view(principal, session.csrf));
  });

  const sessionDoc = documented({ summary: 'The signed-in viewer session (by its cookie)', tags: ['viewer'], auth: false, answers: { 200: viewerSession, 401: null } });
  app.get('/ui/session', sessionDoc, async (req) => {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = id ? deps.sessions.touch(id) : undefined;
    if (!id || !session) throw new HttpError(401, 'unauthenticated', 'not signed in');
    const principal = await deps.lookupHash(session.keyHash);
    if (!principal) {
      deps.sessions.delete(id);
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key; sign in again');
    }
    return view(principal, session.csrf);
  });

  const signOutDoc = documented({
    summary: 'Sign out of the viewer (x-csrf-token)',
    tags: ['viewer'],
    auth: false,
    answers: { 204: { mediaType: 'text/plain', description: 'signed out; the cookie is cleared (no body)' }, 403: null },
  });
  app.delete('/ui/session', signOutDoc, async (req, reply) => {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = id ? deps.sessions.touch(id) : undefined;
    if (id && session) {
      const token = req.headers['x-csrf-token'];
      if (typeof token !== 'string' || !sameToken(token, session.csrf)) throw new HttpError(403, 'csrf', 'missing or wrong x-csrf-token for this viewer session');
      deps.sessions.delete(id);
      await deps.signedOut?.(session, req.id);
    }
    return reply.code(204).header('set-cookie', clearedSessionCookie({ secure: isSecure(req) })).send();
  });
}
