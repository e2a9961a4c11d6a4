/**
 * Single sign-on with the site's OpenID provider (issue 51; docs/sso.md), through openid-client:
 *   GET  /ui/sso                 whether it is on (the viewer shows "Sign in with your provider")
 *   GET  /ui/oidc/start          -> the provider: authorization code with PKCE (S256), state and nonce
 *   GET  /ui/oidc/callback       the code is exchanged, the ID token checked, the person found (or
 *                                added), a key minted for them that ends with the sign-in, and the
 *                                viewer's session cookie set: no API key is ever pasted
 *   POST /auth/device            `memflow login`: starts a device authorization at the provider
 *   POST /auth/device/token      {handle}: 202 while the person has not approved; then a personal key
 * The provider's tokens never leave this process: the viewer gets a session cookie, the CLI a
 * memflow key of the person (which expires, and which an admin can revoke like any key). Every
 * sign-in is audited (`viewer.signin`, `person.login`), as is every refusal.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { Logger } from '../../common/server/logger.js';
import { createApiKey, ensureTenant, hashApiKey, revokeApiKey } from '../../common/server/tenants.js';
import { deviceLogin, devicePending, deviceStarted, ssoState } from '../../messages/api-v1.js';
import { HttpError } from '../errors.js';
import { documented } from '../openapi-doc.js';
import { answer, parseOr400 } from '../validation.js';
import { readCookie, sessionCookie, type CookieSession, type ViewerSessions } from '../viewer/viewer-sessions.js';
import { personOfSignIn, type SignInIdentity } from './people.js';

export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  deviceClientId: string;
  deviceClientSecret?: string;
  /** The tenant people who sign in belong to. */
  tenant: string;
  /** The tenant role of someone unknown signing in; `none`: refused. */
  newPeople: 'none' | 'reader' | 'member' | 'maintainer';
  sessionSeconds: number;
  loginKeyDays: number;
  /** The viewer's public base URL; default: the origin requests arrive at. */
  publicUrl?: string;
}

export interface SsoDeps {
  settings: SsoSettings | undefined;
  prisma: PrismaClient;
  sessions: ViewerSessions;
  logger: Logger;
}

const SCOPE = 'openid profile email';
const FLOW_COOKIE = 'memflow_oidc';
/** A sign-in not finished in this long is forgotten. */
const FLOW_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

interface PendingSignIn {
  verifier: string;
  nonce: string;
  /** The random value of this browser's flow cookie: the callback must come back to the browser that started. */
  binding: string;
  redirectUri: string;
  at: number;
}

interface PendingDevice {
  /** Set once the person approved (the identity) or the provider refused (its error). */
  done?: { identity?: SignInIdentity; error?: string };
  expiresAt: number;
  abort: AbortController;
}

const deviceTokenBody = z.object({ handle: z.string({ error: 'required: the handle POST /auth/device answered' }).min(20).max(100) }).strict();

const isSecure = (req: FastifyRequest) => req.protocol === 'https';
const flowCookie = (value: string, req: FastifyRequest) =>
  // Lax: it must come back on the provider's top-level redirect to the callback.
  `${FLOW_COOKIE}=${value}; Path=/ui/oidc; HttpOnly; SameSite=Lax; Max-Age=${FLOW_MS / 1000}${isSecure(req) ? '; Secure' : ''}`;

function trimMap<V extends { at?: number; expiresAt?: number }>(map: Map<string, V>, now: number): void {
  for (const [k, v] of map) if ((v.expiresAt ?? (v.at ?? 0) + FLOW_MS) < now) map.delete(k);
  while (map.size >= MAX_PENDING) map.delete(map.keys().next().value!);
}

export function registerSsoRoutes(app: FastifyInstance, deps: SsoDeps): { signedOut(session: CookieSession, requestId: string): Promise<void> } {
  const settings = deps.settings;
  const pendingSignIns = new Map<string, PendingSignIn>();
  const pendingDevices = new Map<string, PendingDevice>();
  let viewerConfig: Promise<oidc.Configuration> | undefined;
  let deviceConfig: Promise<oidc.Configuration> | undefined;

  /** Discovery, once (again after a failure: the provider may have been down). */
  const configOf = (clientId: string, secret: string | undefined, which: 'viewer' | 'device'): Promise<oidc.Configuration> => {
    const cached = which === 'viewer' ? viewerConfig : deviceConfig;
    if (cached) return cached;
    const issuer = new URL(settings!.issuer);
    const made = oidc
      .discovery(issuer, clientId, secret, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 })
      .catch((err: Error) => {
        if (which === 'viewer') viewerConfig = undefined;
        else deviceConfig = undefined;
        deps.logger.warn({ err: err.message, issuer: settings!.issuer }, 'OpenID provider discovery failed');
        throw new HttpError(503, 'sso_unavailable', 'the OpenID provider does not answer; retry later', { 'retry-after': '10' });
      });
    if (which === 'viewer') viewerConfig = made;
    else deviceConfig = made;
    return made;
  };

  const requireSso = (): SsoSettings => {
    if (!settings) throw new HttpError(404, 'sso_off', 'single sign-on is not set up on this server (MEMFLOW_OIDC_ISSUER); sign in with an API key');
    return settings;
  };

  /** The person behind an ID token and userinfo; refusals are audited and answered 403. */
  async function personOf(identity: SignInIdentity, requestId: string, via: string) {
    const tenant = await ensureTenant(deps.prisma, requireSso().tenant);
    const found = await personOfSignIn(deps.prisma, tenant.id, identity, settings!.newPeople);
    if (!found.person) {
      await recordAudit(deps.prisma, { tenantId: tenant.id, action: `${via}`, target: `subject:${identity.subject}`, outcome: 'denied', details: { reason: found.refused, email: identity.email ?? null }, requestId });
      throw new HttpError(403, 'forbidden', found.refused!);
    }
    return { tenant, person: found.person };
  }

  /** A sign-in the provider refused (the person said no, or it ended): audited as denied, naming no one (the provider named no one). */
  async function refusedAtProvider(via: string, method: string, error: string, requestId: string): Promise<void> {
    const tenant = await ensureTenant(deps.prisma, requireSso().tenant);
    await recordAudit(deps.prisma, { tenantId: tenant.id, action: via, target: 'provider', outcome: 'denied', details: { method, reason: `refused at the provider (${error.slice(0, 200)})` }, requestId });
  }

  async function identityOf(config: oidc.Configuration, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): Promise<SignInIdentity> {
    const claims = tokens.claims();
    if (!claims) throw new HttpError(502, 'sso_failed', 'the provider answered without an ID token');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub).catch(() => undefined);
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const email = str(info?.email) ?? str(claims.email);
    return {
      issuer: claims.iss,
      subject: claims.sub,
      ...(email ? { email: email.toLowerCase() } : {}),
      name: str(info?.name) ?? str(claims.name) ?? str(info?.preferred_username) ?? email ?? claims.sub,
    };
  }

  const baseUrlOf = (req: FastifyRequest) => (settings?.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');

  const stateDoc = documented({ summary: 'Whether single sign-on is set up (the viewer offers it)', tags: ['viewer'], auth: false, answers: { 200: ssoState } });
  app.get('/ui/sso', stateDoc, async () => answer(ssoState, { enabled: settings !== undefined, issuer: settings?.issuer ?? null }));

  const startDoc = documented({ summary: 'Sign in to the viewer through the OpenID provider (authorization code with PKCE): a redirect to it', tags: ['viewer'], auth: false, answers: { 303: null, 404: null, 503: null } });
  app.get('/ui/oidc/start', startDoc, async (req, reply) => {
    const s = requireSso();
    const config = await configOf(s.clientId, s.clientSecret, 'viewer');
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const binding = crypto.randomBytes(24).toString('base64url');
    const redirectUri = `${baseUrlOf(req)}/ui/oidc/callback`;
    trimMap(pendingSignIns, Date.now());
    pendingSignIns.set(state, { verifier, nonce, binding, redirectUri, at: Date.now() });
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: SCOPE, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    return reply.code(303).header('set-cookie', flowCookie(binding, req)).header('location', url.href).send();
  });

  const callbackQuery = z.object({ state: z.string().min(1).max(500), code: z.string().max(4000).optional(), error: z.string().max(200).optional(), error_description: z.string().max(1000).optional() }).passthrough();
  const callbackDoc = documented({ summary: "The provider's redirect back: the viewer is signed in as the person (a session cookie), then sent to /ui", tags: ['viewer'], auth: false, query: callbackQuery, answers: { 303: null, 400: null, 403: null, 503: null } });
  app.get('/ui/oidc/callback', callbackDoc, async (req, reply) => {
    const s = requireSso();
    const query = parseOr400(callbackQuery, req.query);
    const pending = pendingSignIns.get(query.state);
    pendingSignIns.delete(query.state);
    const binding = readCookie(req.headers.cookie, FLOW_COOKIE);
    if (!pending || Date.now() - pending.at > FLOW_MS || !binding || binding !== pending.binding) {
      throw new HttpError(400, 'sso_state', 'this sign-in was not started here, or took too long: start again from the viewer');
    }
    if (query.error) await refusedAtProvider('viewer.signin', 'oidc', query.error, req.id);
    if (query.error) throw new HttpError(403, 'sso_refused', `the provider refused the sign-in (${query.error}${query.error_description ? `: ${query.error_description}` : ''})`);
    const config = await configOf(s.clientId, s.clientSecret, 'viewer');
    const current = new URL(`${pending.redirectUri}?${new URLSearchParams(req.query as Record<string, string>).toString()}`);
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: query.state, expectedNonce: pending.nonce, idTokenExpected: true });
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'OpenID code exchange failed');
      throw new HttpError(400, 'sso_failed', 'the provider did not confirm this sign-in; start again from the viewer');
    }
    const identity = await identityOf(config, tokens);
    const { tenant, person } = await personOf(identity, req.id, 'viewer.signin');
    const expiresAt = new Date(Date.now() + s.sessionSeconds * 1000);
    const minted = await createApiKey(deps.prisma, tenant.name, { role: 'admin', personId: person.id, label: 'viewer sign-in', expiresAt });
    await recordAudit(deps.prisma, { tenantId: tenant.id, actorKeyId: minted.keyId, action: 'viewer.signin', target: `person:${person.id}`, outcome: 'success', details: { method: 'oidc', issuer: identity.issuer, expiresAt: expiresAt.toISOString() }, requestId: req.id });
    const { id } = deps.sessions.create(hashApiKey(minted.key), minted.keyId);
    return reply
      .code(303)
      .header('set-cookie', [sessionCookie(id, { secure: isSecure(req) }), `${FLOW_COOKIE}=; Path=/ui/oidc; HttpOnly; SameSite=Lax; Max-Age=0`])
      .header('location', '/ui')
      .send();
  });

  const deviceDoc = documented({
    summary: '`memflow login`: start a device authorization at the OpenID provider; the person approves at verificationUri with userCode',
    tags: ['viewer'],
    auth: false,
    answers: { 200: deviceStarted, 404: null, 503: null },
  });
  app.post('/auth/device', deviceDoc, async (req) => {
    const s = requireSso();
    const config = await configOf(s.deviceClientId, s.deviceClientSecret, 'device');
    let started: oidc.DeviceAuthorizationResponse;
    try {
      started = await oidc.initiateDeviceAuthorization(config, { scope: SCOPE });
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'device authorization refused');
      throw new HttpError(502, 'sso_failed', 'the OpenID provider refused to start a device sign-in');
    }
    const handle = crypto.randomBytes(24).toString('base64url');
    const expiresAt = Date.now() + started.expires_in * 1000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), started.expires_in * 1000);
    timer.unref();
    const entry: PendingDevice = { expiresAt, abort };
    // openid-client polls the token endpoint at the provider's interval until the person decides.
    const polled = oidc
      .pollDeviceAuthorizationGrant(config, started, undefined, { signal: abort.signal })
      .then((tokens) => identityOf(config, tokens))
      .then(
        (identity) => ((entry.done = { identity }), identity),
        (err: Error & { error?: string }) => {
          entry.done = { error: err.error ?? (abort.signal.aborted ? 'expired_token' : err.message) };
          throw err;
        },
      )
      .finally(() => clearTimeout(timer));
    polled.catch(() => undefined);
    trimMap(pendingDevices, Date.now());
    pendingDevices.set(handle, entry);
    return answer(deviceStarted, {
      handle,
      userCode: started.user_code,
      verificationUri: started.verification_uri,
      verificationUriComplete: started.verification_uri_complete ?? null,
      expiresIn: started.expires_in,
      interval: started.interval ?? 5,
    });
  });

  const tokenDoc = documented({
    summary: "`memflow login`: the person's new key once they approved (202 while they have not; 400 when refused or expired)",
    tags: ['viewer'],
    auth: false,
    body: deviceTokenBody,
    answers: { 200: deviceLogin, 202: devicePending, 400: null, 403: null, 404: null },
  });
  app.post('/auth/device/token', tokenDoc, async (req, reply) => {
    const s = requireSso();
    const { handle } = parseOr400(deviceTokenBody, req.body, 'invalid_body');
    const entry = pendingDevices.get(handle);
    if (!entry) throw new HttpError(404, 'not_found', 'no device sign-in with this handle (it ended, or this server restarted): run memflow login again');
    if (!entry.done) return reply.code(202).send({ status: 'pending' });
    pendingDevices.delete(handle);
    if (!entry.done.identity) {
      const denied = entry.done.error === 'access_denied';
      await refusedAtProvider('person.login', 'device', entry.done.error ?? 'unknown', req.id);
      throw new HttpError(400, denied ? 'access_denied' : 'expired_token', denied ? 'the sign-in was refused at the provider' : `the sign-in did not complete (${entry.done.error})`);
    }
    const { tenant, person } = await personOf(entry.done.identity, req.id, 'person.login');
    const expiresAt = new Date(Date.now() + s.loginKeyDays * 86_400_000);
    const host = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 60) : 'memflow login';
    const minted = await createApiKey(deps.prisma, tenant.name, { role: 'admin', personId: person.id, label: `memflow login (${host})`, expiresAt });
    await recordAudit(deps.prisma, { tenantId: tenant.id, actorKeyId: minted.keyId, action: 'person.login', target: `person:${person.id}`, outcome: 'success', details: { method: 'device', issuer: entry.done.identity.issuer, expiresAt: expiresAt.toISOString() }, requestId: req.id });
    return answer(deviceLogin, { key: minted.key, keyId: minted.keyId, tenant: tenant.name, person, expiresAt: expiresAt.toISOString() });
  });

  app.addHook('onClose', async () => {
    for (const d of pendingDevices.values()) d.abort.abort();
    pendingDevices.clear();
  });

  return {
    /** Signing out of the viewer ends the key its sign-in minted. */
    async signedOut(session, requestId) {
      if (!session.signInKeyId) return;
      await revokeApiKey(deps.prisma, session.signInKeyId, session.signInKeyId).catch((err: Error) => deps.logger.warn({ err: err.message, requestId }, 'could not revoke a sign-in key'));
    },
  };
}
