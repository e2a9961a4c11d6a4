/**
 * API keys are cached in every API process for the hook ingress and the read routes, and a revoked
 * key is still refused on its very next request in every process. Two APIs share the test database;
 * a key reads on both (its principal is then cached in each), is revoked, and its next search, batch
 * get, MCP call or write is a 401 on each — whether the revocation was announced (the trigger's
 * NOTIFY) or not at all (the worst case of a notification not yet heard, made by revoking with
 * triggers off in the revoking session). Plus: a read on a cached key says so in Server-Timing
 * (`keyCheck`), and a forged grant header (how /mcp's tools call the API) is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPgPool } from '../common/server/pg.js';
import { revokeApiKey } from '../common/server/tenants.js';
import { waitUntil } from '../infra/wait-until.js';
import { INTERNAL_GRANT_HEADER } from '../api/auth.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { callApi } from './helpers/http.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('authcache', { worker: false });
const { prisma } = stack;
let second: TestApi;
const project = uniqueName('keys');

before(async () => {
  await stack.ready;
  second = await startTestApi(stack.config, prisma);
});

after(async () => {
  await second?.close();
});

const urls = () => [stack.api.url, second.url];
const search = (url: string, key: string) => callApi(url, key, 'GET', `/v1/search?q=cache&project=${project}`);
const batchGet = (url: string, key: string) => callApi(url, key, 'POST', '/v1/memories:batchGet', { ids: ['0123abcd'] });
const remember = (url: string, key: string) => callApi(url, key, 'POST', '/v1/memories', { text: 'The cache keeps keys for a minute.', project });

async function mcpInitialize(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'auth-cache-test', version: '1' } } }),
  });
  await res.text();
  return res.status;
}

/** A key that every API has cached: its reads there took the cached path (Server-Timing keyCheck). */
async function cachedEverywhere(key: string): Promise<void> {
  for (const url of urls()) {
    await waitUntil(
      async () => {
        const res = await search(url, key);
        assert.equal(res.status, 200, res.text);
        return /\bkeyCheck;dur=/.test(res.headers.get('server-timing') ?? '');
      },
      { what: `the key cached by the API at ${url}`, timeoutMs: 10_000, intervalMs: 50 },
    );
    assert.equal((await batchGet(url, key)).status, 200);
    assert.equal(await mcpInitialize(url, key), 200);
  }
}

/** Revokes the key with the session's triggers off: no announcement reaches any API. */
async function revokeUnannounced(keyId: string): Promise<void> {
  const pool = createPgPool(stack.config.DATABASE_URL, 1);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    const { rowCount } = await client.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [keyId]);
    assert.equal(rowCount, 1);
    await client.query('COMMIT');
  } finally {
    client.release();
    await pool.end();
  }
}

async function keyIdOf(tenantId: string): Promise<string> {
  return (await prisma.apiKey.findFirstOrThrow({ where: { tenantId, revokedAt: null } })).id;
}

for (const announced of [true, false]) {
  describe(`a cached key revoked ${announced ? 'as usual (announced)' : 'without any announcement'}`, () => {
    test('is refused on its very next read, batch get, MCP call and write, in every API process', async () => {
      const t = await newTenant(prisma);
      await cachedEverywhere(t.key);
      const keyId = await keyIdOf(t.tenantId);
      if (announced) assert.equal(await revokeApiKey(prisma, keyId), true);
      else await revokeUnannounced(keyId);
      for (const url of urls()) {
        const read = await search(url, t.key);
        assert.equal(read.status, 401, `search at ${url}: ${read.text}`);
        assert.equal(read.body.error.code, 'unauthenticated');
        assert.doesNotMatch(read.text, /results/, 'no answer leaves with the refusal');
        assert.equal((await batchGet(url, t.key)).status, 401, `batchGet at ${url}`);
        assert.equal(await mcpInitialize(url, t.key), 401, `/mcp at ${url}`);
        assert.equal((await remember(url, t.key)).status, 401, `POST /v1/memories at ${url}`);
      }
      assert.equal(await prisma.learning.count({ where: { tenantId: t.tenantId } }), 0, 'nothing stored with the revoked key');
    });
  });
}

test('a live key keeps working on the cached path, and a write is looked up before it runs', async () => {
  const t = await newTenant(prisma);
  await cachedEverywhere(t.key);
  const stored = await remember(stack.api.url, t.key);
  assert.equal(stored.status, 201, stored.text);
  assert.doesNotMatch(stored.headers.get('server-timing') ?? '', /keyCheck/, 'a write does not run on the cached principal');
});

test('a forged grant header is refused like an unknown key, whatever key comes with it', async () => {
  const t = await newTenant(prisma);
  for (const url of urls()) {
    const res = await fetch(`${url}/v1/search?q=x&project=${project}`, { headers: { [INTERNAL_GRANT_HEADER]: 'forged-token', authorization: `Bearer ${t.key}` } });
    assert.equal(res.status, 401, await res.text());
  }
});
