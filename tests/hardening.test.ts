/**
 * Limits and defaults of the HTTP API against the real stack: per-key 429s with Retry-After, the hook
 * ingress on its own budget, 413s in the error shape, list limits capped, CORS closed unless
 * configured, security headers and no-store on every answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { createApi } from '../api/app.js';
import { createLogger } from '../common/server/logger.js';
import { createApiKey } from '../common/server/tenants.js';

const prisma = testPrisma();
after(() => prisma.$disconnect());

type Json = Record<string, any>;

async function call(url: string, init: RequestInit & { key?: string } = {}) {
  const { key, headers, ...rest } = init;
  const res = await fetch(url, { ...rest, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(headers as Record<string, string> | undefined) } });
  const text = await res.text();
  let body: Json = {};
  try {
    body = text ? (JSON.parse(text) as Json) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

const hook = (api: TestApi, key: string, sessionId: string, extra: Json = {}) =>
  call(`${api.url}/v1/hooks/stop`, {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json', 'x-memflow-project': 'hardening' },
    body: JSON.stringify({ session_id: sessionId, hook_event_name: 'Stop', ...extra }),
  });

function assertErrorShape(body: Json, code: string) {
  assert.equal(typeof body.error?.message, 'string', JSON.stringify(body));
  assert.equal(body.error?.code, code, JSON.stringify(body));
  assert.doesNotMatch(JSON.stringify(body), /\n\s+at /, 'no stack trace');
}

describe('rate limits', () => {
  let api: TestApi;
  let tenant: Awaited<ReturnType<typeof newTenant>>;
  before(async () => {
    tenant = await newTenant(prisma);
    const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('hardening'), MEMFLOW_RATE_LIMIT_PER_MINUTE: '5', MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: '1000' });
    api = await startTestApi(config, prisma);
  });
  after(() => api?.close());

  test('a key over its budget gets 429 rate_limited with Retry-After; its hooks still answer 200', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await call(`${api.url}/v1/sessions`, { key: tenant.key });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    }
    const limited = await call(`${api.url}/v1/sessions`, { key: tenant.key });
    assert.equal(limited.status, 429);
    assertErrorShape(limited.body, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${limited.headers.get('retry-after')}`);
    // Every other non-hook route shares the bucket.
    assert.equal((await call(`${api.url}/v1/search?q=x`, { key: tenant.key })).status, 429);

    // The hook ingress has its own, larger bucket: the agent is never slowed by its own CLI use.
    const sessionId = uniqueName('limited');
    for (let i = 0; i < 20; i++) {
      const res = await hook(api, tenant.key, sessionId, { n: i });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    // Another key of the same tenant has a budget of its own; probes without auth are not limited.
    const { key: other } = await createApiKey(prisma, tenant.name);
    assert.equal((await call(`${api.url}/v1/sessions`, { key: other })).status, 200);
    for (let i = 0; i < 10; i++) assert.equal((await call(`${api.url}/health`)).status, 200);
    assert.equal((await call(`${api.url}/metrics`)).status, 200);
  });

  test('failed authentications are counted per address and refused with 429 once over the budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(`${api.url}/v1/sessions`, { key: `mf_unknown-${i}` })).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    const limited = await call(`${api.url}/v1/sessions`, { key: 'mf_unknown-x' });
    assert.equal(limited.status, 429);
    assertErrorShape(limited.body, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});

describe('a batch of hook events spends the hooks\' budget as its events would', () => {
  let api: TestApi;
  let tenant: Awaited<ReturnType<typeof newTenant>>;
  before(async () => {
    tenant = await newTenant(prisma);
    api = await startTestApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('hardening'), MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: '30' }), prisma);
  });
  after(() => api?.close());

  test('20 events in one batch count 20: the next batch of 20 is 429 and nothing of it is stored', async () => {
    const sessionId = uniqueName('batched');
    const batch = (from: number) =>
      call(`${api.url}/v1/hooks:batch`, {
        method: 'POST',
        key: tenant.key,
        headers: { 'content-type': 'application/json', 'x-memflow-project': 'hardening' },
        body: JSON.stringify({ events: Array.from({ length: 20 }, (_, i) => ({ event: 'stop', payload: { session_id: sessionId, hook_event_name: 'Stop', n: from + i }, idempotencyKey: `k${from + i}` })) }),
      });
    const first = await batch(0);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const limited = await batch(20);
    assert.equal(limited.status, 429);
    assertErrorShape(limited.body, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(await prisma.hookEvent.count({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sessionId } } }), 20);
    // The budget is spent for single hooks too.
    assert.equal((await hook(api, tenant.key, sessionId)).status, 429);
  });
});

describe('bodies, limits and defaults', () => {
  let api: TestApi;
  let tenant: Awaited<ReturnType<typeof newTenant>>;
  before(async () => {
    tenant = await newTenant(prisma, 'admin');
    api = await startTestApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('hardening') }), prisma, { hookBodyLimit: 4096 });
  });
  after(() => api?.close());

  test('bodies over the limit are 413 payload_too_large in the error shape, per route', async () => {
    const ids = Array.from({ length: 3000 }, () => crypto.randomUUID()); // ~117 KB > 64 KiB
    const big = await call(`${api.url}/v1/memories:batchGet`, { method: 'POST', key: tenant.key, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids }) });
    assert.equal(big.status, 413);
    assertErrorShape(big.body, 'payload_too_large');
    const hookBig = await hook(api, tenant.key, uniqueName('big'), { prompt: 'x'.repeat(8000) });
    assert.equal(hookBig.status, 413);
    assertErrorShape(hookBig.body, 'payload_too_large');
    // A hook body may be larger than the other routes' limit when the hook limit allows it.
    const small = await hook(api, tenant.key, uniqueName('small'), { prompt: 'x'.repeat(3000) });
    assert.equal(small.status, 200, JSON.stringify(small.body));
  });

  test('a JSON body declared in another charset than UTF-8 is 415, and starts nothing', async () => {
    // Found by tests/fuzz.test.ts: the parser reads every body as UTF-8, so `9` sent as UTF-16 started a backup.
    const backupsBefore = await prisma.backup.count({ where: { tenantId: tenant.tenantId } });
    for (const charset of ['utf-16', 'UTF-16LE', '"latin1"', '']) {
      const res = await call(`${api.url}/v1/admin/backups`, { method: 'POST', key: tenant.key, headers: { 'content-type': `application/json; charset=${charset}` }, body: '9' });
      assert.equal(res.status, 415, charset);
      assertErrorShape(res.body, 'unsupported_media_type');
    }
    assert.equal(await prisma.backup.count({ where: { tenantId: tenant.tenantId } }), backupsBefore);
    // UTF-8, however it is spelled, is JSON as before; a bad key is still refused first.
    for (const contentType of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8']) {
      const res = await call(`${api.url}/v1/memories:batchGet`, { method: 'POST', key: tenant.key, headers: { 'content-type': contentType }, body: JSON.stringify({ ids: [crypto.randomUUID()] }) });
      assert.equal(res.status, 200, contentType);
    }
    const badKey = await call(`${api.url}/v1/admin/backups`, { method: 'POST', key: 'mf_not-a-key', headers: { 'content-type': 'application/json; charset=utf-16' }, body: '9' });
    assert.equal(badKey.status, 401);
  });

  test('every list route caps limit: above the cap is a 400 naming the field', async () => {
    const sessionId = uniqueName('cap');
    assert.equal((await hook(api, tenant.key, sessionId)).status, 200);
    for (const path of ['/v1/sessions', '/v1/learnings', '/v1/search?q=x&', `/v1/sessions/${sessionId}/timeline`, '/v1/admin/audit']) {
      const sep = path.endsWith('&') ? '' : '?';
      // A timeline page may hold up to 1,000 items (and about 4 MiB); the other lists up to 100.
      const cap = path.endsWith('/timeline') ? 1000 : 100;
      const ok = await call(`${api.url}${path}${sep}limit=${cap}`, { key: tenant.key });
      assert.equal(ok.status, 200, `${path}: ${JSON.stringify(ok.body)}`);
      for (const bad of [String(cap + 1), '100000', '0', '-1', '1.5', 'ten']) {
        const res = await call(`${api.url}${path}${sep}limit=${bad}`, { key: tenant.key });
        assert.equal(res.status, 400, `${path} limit=${bad}`);
        assert.match(res.body.error?.message ?? '', /limit/, `${path} limit=${bad}`);
      }
    }
  });

  test('CORS is closed by default: no access-control-allow-origin, preflights included', async () => {
    const origin = 'https://evil.example.com';
    const get = await call(`${api.url}/v1/sessions`, { key: tenant.key, headers: { origin } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), null);
    const preflight = await call(`${api.url}/v1/sessions`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.ok(preflight.status >= 400 && preflight.status < 500, `preflight ${preflight.status}`);
    preflight.headers.forEach((_value, name) => assert.doesNotMatch(name, /^access-control-/, name));
  });

  test('security headers and no-store on every answer', async () => {
    for (const [path, key] of [['/v1/sessions', tenant.key], ['/v1/sessions', undefined], ['/v1/nope', tenant.key], ['/health', undefined]] as const) {
      const res = await call(`${api.url}${path}`, key ? { key } : {});
      const h = res.headers;
      assert.equal(h.get('x-content-type-options'), 'nosniff', path);
      assert.equal(h.get('x-frame-options'), 'DENY', path);
      assert.equal(h.get('referrer-policy'), 'no-referrer', path);
      assert.match(h.get('content-security-policy') ?? '', /default-src 'none'/, path);
      assert.match(h.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      assert.equal(h.get('cache-control'), 'no-store', path);
      assert.equal(h.get('x-powered-by'), null, path);
    }
  });
});

test('CORS answers a configured origin only', async () => {
  const allowed = 'https://app.example.com';
  const api = await startTestApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('hardening'), MEMFLOW_CORS_ORIGINS: `${allowed}, http://localhost:5173` }), prisma);
  try {
    const tenant = await newTenant(prisma);
    const ok = await call(`${api.url}/v1/sessions`, { key: tenant.key, headers: { origin: allowed } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), allowed);
    const other = await call(`${api.url}/v1/sessions`, { key: tenant.key, headers: { origin: 'https://evil.example.com' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${api.url}/v1/search`, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), allowed);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const badPreflight = await fetch(`${api.url}/v1/search`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(badPreflight.headers.get('access-control-allow-origin'), null);
  } finally {
    await api.close();
  }
});

test('requests must arrive within 30 s and idle sockets close after 30 s; bodies default to 64 KiB', async () => {
  const api = createApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('hardening') }), prisma, createLogger('hardening', 'silent'));
  try {
    assert.equal(api.app.server.requestTimeout, 30_000);
    assert.equal(api.app.initialConfig.connectionTimeout, 30_000);
    assert.equal(api.app.initialConfig.bodyLimit, 64 * 1024);
  } finally {
    await api.close();
  }
});
