/** /health and /ready against the real stack, and /ready naming a dependency that is down. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { waitUntil } from '../infra/wait-until.js';
import { closedPort } from './fixtures/cli-run.js';
import { startTestApi } from './helpers/app.js';
import { testConfig, testPrisma, uniqueName } from './helpers/env.js';

const prisma = testPrisma();
after(() => prisma.$disconnect());

test('/health answers without auth; /ready reports postgres, temporal and weaviate up with latency', async () => {
  const api = await startTestApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('ready') }), prisma);
  try {
    const health = await fetch(`${api.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });

    // Each probe has 2 s; on a machine busy with other test files one can miss it: ask again.
    let status = 0;
    let body = { ready: false, dependencies: {} } as { ready: boolean; dependencies: Record<string, { status: string; latencyMs: number }> };
    await waitUntil(
      async () => {
        const ready = await fetch(`${api.url}/ready`);
        status = ready.status;
        body = (await ready.json()) as typeof body;
        return status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 500, attemptTimeoutMs: 10_000, what: () => `/ready: ${status} ${JSON.stringify(body)}` },
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.ready, true);
    for (const dep of ['postgres', 'temporal', 'weaviate']) {
      assert.equal(body.dependencies[dep]?.status, 'up', dep);
      assert.equal(typeof body.dependencies[dep]?.latencyMs, 'number');
    }
  } finally {
    await api.close();
  }
});

test('/ready answers 503 and names Weaviate when it cannot be reached', async () => {
  const port = await closedPort();
  const config = testConfig({ WEAVIATE_URL: `http://127.0.0.1:${port}`, TEMPORAL_TASK_QUEUE: uniqueName('ready') });
  const api = await startTestApi(config, prisma);
  try {
    const ready = await fetch(`${api.url}/ready`);
    const body = (await ready.json()) as { ready: boolean; dependencies: Record<string, { status: string; error?: string }> };
    assert.equal(ready.status, 503);
    assert.equal(body.ready, false);
    assert.equal(body.dependencies.weaviate?.status, 'down');
    assert.match(body.dependencies.weaviate?.error ?? '', /\S/);
    assert.equal(body.dependencies.postgres?.status, 'up');
  } finally {
    await api.close();
  }
});

test('unknown routes get the JSON error shape, and /v1 requires an API key', async () => {
  const api = await startTestApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('ready') }), prisma);
  try {
    const missing = await fetch(`${api.url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');

    const noKey = await fetch(`${api.url}/v1/sessions`);
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { error: { code: string } }).error.code, 'unauthenticated');

    const badKey = await fetch(`${api.url}/v1/sessions`, { headers: { authorization: 'Bearer mf_not-a-real-key-at-all' } });
    assert.equal(badKey.status, 401);
  } finally {
    await api.close();
  }
});
