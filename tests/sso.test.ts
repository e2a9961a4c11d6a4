/**
 * Single sign-on against a real OpenID provider (issue 51, done-when 1): the project's own provider
 * (infra/oidc-provider.ts: zitadel/oidc's, built from the Go module proxy) on a port of its own, the
 * API configured for it, Chromium for the browser.
 * - The viewer: "Sign in with your organization's account" -> the provider's login page ->
 *   back signed in as the person (authorization code with PKCE), with the role an admin gave them;
 *   no API key typed or kept by the page; sign-out ends the session and revokes its key; a sign-in
 *   that expires sends the viewer back to the sign-in page and its cookie stops working.
 * - `memflow login`: device authorization, approved in the provider's page; the personal key is
 *   kept for the other commands (`memflow whoami` names the person) and `memflow logout` revokes it;
 *   an expired one (at the server, or by the login file's end) is refused with a message that says
 *   to run `memflow login` again.
 * - API keys keep working beside it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApiKey } from '../common/server/tenants.js';
import { startOidcProvider, type OidcProvider } from '../infra/oidc-provider.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { loginFile } from '../common/workspace/login-store.js';
import { buildViewer } from '../viewer/build.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { launchBrowser } from './helpers/browser.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { BIN, repoRoot, runCli, tempDir } from './fixtures/cli-run.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('sso', { api: false, worker: false });
const { prisma } = stack;
const SESSION_SECONDS = 8;
let provider: OidcProvider;
let api: TestApi;
let browser: Browser;
const contexts: BrowserContext[] = [];
let tenant: Awaited<ReturnType<typeof newTenant>>;
let adaId: string;

const ADA = { id: 'sub-ada-7f3', username: 'ada', password: 'ada-password-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test' };
const BOB = { id: 'sub-bob-2c9', username: 'bob', password: 'bob-password-1', firstName: 'Bob', lastName: 'Builder', email: 'bob@example.test' };

before(async () => {
  await stack.ready;
  await buildViewer();
  tenant = await newTenant(prisma, 'admin');
  // Ada was added by an admin ahead of her first sign-in (maintainer); Bob was not (new people: reader).
  adaId = (await prisma.person.create({ data: { tenantId: tenant.tenantId, name: 'Ada (invited)', email: ADA.email, role: 'maintainer' } })).id;
  provider = await startOidcProvider(
    {
      port: await freePort(),
      people: [ADA, BOB],
      viewerClientId: 'memflow-viewer',
      redirectUris: ['http://127.0.0.1/ui/oidc/callback'],
      deviceClientId: 'memflow-cli',
      deviceClientSecret: 'memflow-cli-secret-for-tests',
    },
    (line) => console.log(`[oidc] ${line}`),
  );
  api = await startTestApi(
    {
      ...stack.config,
      MEMFLOW_OIDC_ISSUER: provider.issuer,
      MEMFLOW_OIDC_CLIENT_ID: 'memflow-viewer',
      MEMFLOW_OIDC_DEVICE_CLIENT_ID: 'memflow-cli',
      MEMFLOW_OIDC_DEVICE_CLIENT_SECRET: 'memflow-cli-secret-for-tests',
      MEMFLOW_OIDC_TENANT: tenant.name,
      MEMFLOW_OIDC_NEW_PEOPLE: 'reader',
      MEMFLOW_OIDC_SESSION_SECONDS: SESSION_SECONDS,
    },
    prisma,
  );
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await api?.close();
  await provider?.stop();
});

/** The viewer's sign-in through the provider's own login page; the page ends on the viewer, signed in. */
async function signInThroughProvider(who: typeof ADA): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${api.url}/ui`);
  await page.getByRole('link', { name: "Sign in with your organization's account" }).click();
  await page.waitForURL((u) => u.href.startsWith(provider.issuer), { timeout: 15_000 });
  await page.locator('#username').fill(who.username);
  await page.locator('#password').fill(who.password);
  await page.locator('button[type=submit]').click();
  await page.getByRole('navigation', { name: 'views' }).waitFor({ timeout: 15_000 });
  assert.ok(page.url().startsWith(`${api.url}/ui`), page.url());
  return page;
}

test('the viewer signs in through the provider (code + PKCE) as the person an admin added, with their role; no key is typed or kept', async () => {
  const page = await signInThroughProvider(ADA);
  const who = await page.locator('.who').innerText();
  assert.match(who, /Ada \(invited\)/, 'the person an admin added, linked by email');
  assert.match(who, /maintainer/);
  const me = (await page.evaluate(async () => (await fetch('/v1/me')).json())) as { person: { id: string; name: string }; role: string; expiresAt: string };
  assert.equal(me.person.id, adaId);
  assert.equal(me.role, 'maintainer');
  assert.ok(Date.parse(me.expiresAt) - Date.now() <= SESSION_SECONDS * 1000, 'the sign-in ends with the session');
  const linked = await prisma.person.findUniqueOrThrow({ where: { id: adaId } });
  assert.equal(linked.subject, ADA.id, 'linked to the provider subject');
  assert.equal(linked.issuer, provider.issuer);
  // Nothing key-like in the page's reach: the session is an HttpOnly cookie.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.doesNotMatch(stored, /mf_/);
  assert.equal(await page.getByLabel('API key').count(), 0, 'no key field on the signed-in page');
  const audit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: tenant.tenantId, action: 'viewer.signin', target: `person:${adaId}` } });
  assert.equal((audit.details as { method?: string }).method, 'oidc');
});

test('someone nobody added signs in as a reader; the reader cannot decide on the review inbox', async () => {
  const page = await signInThroughProvider(BOB);
  assert.match(await page.locator('.who').innerText(), /Bob Builder[\s\S]*reader/);
  const status = await page.evaluate(async () => {
    const me = (await (await fetch('/ui/session')).json()) as { csrf: string };
    return (await fetch('/v1/review/decisions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf }, body: JSON.stringify({ decision: 'approve', ids: ['00000000'] }) })).status;
  });
  assert.equal(status, 403);
});

test('sign-out ends the session and revokes the key the sign-in minted; the old cookie is refused', async () => {
  const page = await signInThroughProvider(ADA);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'memflow_session')!;
  const session = (await page.evaluate(async () => (await fetch('/ui/session')).json())) as { keyId: string };
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: "Sign in with your organization's account" }).waitFor();
  const key = await prisma.apiKey.findUniqueOrThrow({ where: { id: session.keyId } });
  assert.ok(key.revokedAt, 'the sign-in key is revoked');
  const replay = await fetch(`${api.url}/v1/me`, { headers: { cookie: `memflow_session=${cookie.value}` } });
  assert.equal(replay.status, 401);
});

test('a sign-in that expires: the viewer goes back to sign-in, and its cookie no longer reads anything', async () => {
  const page = await signInThroughProvider(ADA);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'memflow_session')!;
  await page.getByText('Your sign-in has ended; sign in again.').waitFor({ timeout: (SESSION_SECONDS + 10) * 1000 });
  const after = await fetch(`${api.url}/v1/review/counts`, { headers: { cookie: `memflow_session=${cookie.value}` } });
  assert.equal(after.status, 401);
});

test('memflow login: device authorization approved at the provider mints a personal key; whoami names the person; logout revokes it', async () => {
  const home = await tempDir('memflow-login-home');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, MEMFLOW_URL: api.url };
  const child = spawn(process.execPath, [BIN, 'login'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // The CLI's cold start is slow on a loaded machine: a generous wait, and what it said if it fails.
  await waitUntil(async () => /enter the code: \S+/.test(stderr) || child.exitCode !== null, { what: 'the device code', timeoutMs: 120_000, intervalMs: 100 });
  assert.match(stderr, /enter the code: \S+/, `memflow login said: ${stderr}${stdout}`);
  const url = /open (\S+)/.exec(stderr)![1]!;
  const code = /enter the code: (\S+)/.exec(stderr)![1]!;
  assert.ok(url.startsWith(provider.issuer), url);

  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  if (!url.includes('user_code=')) {
    await page.locator('#user_code').fill(code);
    await page.locator('button[type=submit]').click();
  }
  await page.locator('#username').fill(ADA.username);
  await page.locator('#password').fill(ADA.password);
  await page.locator('button[type=submit]').click();
  await page.getByRole('button', { name: 'Allow' }).click();
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /signed in as Ada \(invited\)/);

  const file = loginFile({ HOME: home });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the key is readable by its owner only');
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; keyId: string };
  const key = await prisma.apiKey.findUniqueOrThrow({ where: { id: stored.keyId } });
  assert.equal(key.personId, adaId);
  assert.ok(key.expiresAt, 'a personal key that expires');

  const whoami = await runCli(['whoami'], { env: { HOME: home, MEMFLOW_URL: api.url } });
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.match(whoami.stdout, /Ada \(invited\)/);
  assert.match(whoami.stdout, /role: maintainer/);
  const audit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: tenant.tenantId, action: 'person.login', actorKeyId: stored.keyId } });
  assert.equal((audit.details as { method?: string }).method, 'device');

  // Expired at the server (as it will be after MEMFLOW_OIDC_LOGIN_KEY_DAYS, or revoked by an admin):
  // the key kept by memflow login is refused, and the message says what to do.
  const cli = { HOME: home, MEMFLOW_URL: api.url };
  await prisma.apiKey.update({ where: { id: stored.keyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const refused = await runCli(['whoami'], { env: cli });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /the API refused the key of your sign-in as Ada \(invited\) \(401 .*\): it has ended or was revoked; run `memflow login` again/);
  // The same key given in MEMFLOW_API_KEY: refused too, with the same advice.
  const viaEnv = await runCli(['whoami'], { env: { ...cli, MEMFLOW_API_KEY: stored.key } });
  assert.notEqual(viaEnv.code, 0);
  assert.match(viaEnv.stderr, /401.*run `memflow login` again/);
  await prisma.apiKey.update({ where: { id: stored.keyId }, data: { expiresAt: new Date(Date.now() + 3600_000) } });

  // Ended by the clock of this machine (the login file's end has passed): said before any call.
  const kept = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, JSON.stringify({ ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() }), { mode: 0o600 });
  const ended = await runCli(['whoami'], { env: cli });
  assert.notEqual(ended.code, 0);
  assert.match(ended.stderr, /your sign-in as Ada \(invited\) ended at \S+: run `memflow login` again/);
  fs.writeFileSync(file, kept, { mode: 0o600 });

  // Sign-out: the key is revoked at the server and forgotten here; the commands then ask for a sign-in.
  const logout = await runCli(['logout'], { env: cli });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /signed out: the key of Ada \(invited\) is revoked/);
  assert.ok(!fs.existsSync(file), 'the login is forgotten');
  assert.ok((await prisma.apiKey.findUniqueOrThrow({ where: { id: stored.keyId } })).revokedAt, 'and its key revoked');
  assert.equal((await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${stored.key}` } })).status, 401, 'the revoked key opens nothing');
  const signedOut = await runCli(['whoami'], { env: cli });
  assert.notEqual(signedOut.code, 0);
  assert.match(signedOut.stderr, /sign in with `memflow login`/);
});

test('API keys keep working beside single sign-on; a server without it says so', async () => {
  const ci = await createApiKey(prisma, tenant.name, { role: 'member', label: uniqueName('ci') });
  const me = await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${ci.key}` } });
  assert.equal(me.status, 200);
  assert.equal(((await me.json()) as { person: unknown }).person, null);
  const state = (await (await fetch(`${api.url}/ui/sso`)).json()) as { enabled: boolean };
  assert.equal(state.enabled, true);
  const forged = await fetch(`${api.url}/ui/oidc/callback?state=forged&code=x`);
  assert.equal(forged.status, 400, 'a callback this browser did not start is refused');
  const badHandle = await fetch(`${api.url}/auth/device/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'x'.repeat(32) }) });
  assert.equal(badHandle.status, 404);
});

test('a person refusing at the provider is refused here too, and the refusal is audited (naming no one: the provider named no one)', async () => {
  const start = await fetch(`${api.url}/ui/oidc/start`, { redirect: 'manual' });
  assert.equal(start.status, 303);
  const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  // What the provider sends the browser back with when the person says no (RFC 6749 §4.1.2.1).
  const back = await fetch(`${api.url}/ui/oidc/callback?state=${encodeURIComponent(state)}&error=access_denied&error_description=the+person+refused`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(back.status, 403);
  assert.match(((await back.json()) as { error: { message: string } }).error.message, /the provider refused the sign-in \(access_denied: the person refused\)/);
  const row = await prisma.auditLog.findFirst({ where: { tenantId: tenant.tenantId, action: 'viewer.signin', outcome: 'denied', target: 'provider' }, orderBy: { createdAt: 'desc' } });
  assert.deepEqual(row?.details, { method: 'oidc', reason: 'refused at the provider (access_denied)' });
  assert.equal(row?.actorKeyId, null);
});
