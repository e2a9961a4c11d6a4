/**
 * Search through a restart of the stack's own Weaviate: it keeps answering (degraded, from
 * PostgreSQL alone) while Weaviate is stopped, and uses it again once it is back. It stops and starts
 * the shared Weaviate (`stackManages`), so it runs in the one-at-a-time tier; the rest of search,
 * a Weaviate that cannot be reached included, is tests/search.test.ts, which runs beside the others.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { createApi } from '../api/app.js';
import { createLogger } from '../common/server/logger.js';
import { waitUntil } from '../infra/wait-until.js';
import { weaviateService } from '../infra/services/weaviate.js';
import { CORPUS, seedCorpus, syncCorpusVectors, type SeededCorpus } from './fixtures/retrieval-corpus.js';
import { newTenant, stackManages, testProfile } from './helpers/env.js';
import { callApi } from './helpers/http.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('search-restart', { worker: false });
const { prisma, config } = stack;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let storefront: SeededCorpus;

before(async () => {
  tenant = await newTenant(prisma);
  // The session asked for among two others on nearby topics (seeding and embedding the whole corpus
  // is what search.test.ts needs; this tier runs one file at a time).
  const keys = ['flaky-checkout-e2e', 'docker-build-cache', 'cors-preflight'];
  storefront = await seedCorpus(prisma, tenant.tenantId, 'storefront', CORPUS.filter((s) => keys.includes(s.key)));
  await syncCorpusVectors(createVectorActivities({ prisma, config }), tenant.tenantId, storefront);
});

test('search keeps answering (degraded) while Weaviate is down, and uses it again once it is back', {
  skip: !stackManages('weaviate') && 'the test stack does not manage Weaviate here',
}, async () => {
  const live = createApi(config, prisma, createLogger('test-api', 'silent'), { search: { vectorTimeoutMs: 2000, cooldownMs: 200 } });
  await live.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(live.app.server.address() as AddressInfo).port}`;
  const flaky = storefront.sessions.find((s) => s.key === 'flaky-checkout-e2e')!;
  const search = () => callApi(url, tenant.key, 'GET', `/v1/search?${new URLSearchParams({ q: 'flaky checkout test timing out in CI', mode: 'hybrid' })}`);
  try {
    assert.equal((await search()).body.degraded, false, 'Weaviate answers before the stop');
    assert.equal(await weaviateService.stop(testProfile()), true);
    try {
      const down = await search();
      assert.equal(down.status, 200);
      assert.equal(down.body.degraded, true);
      assert.equal(down.body.results[0]?.sessionId, flaky.agentSessionId, 'PostgreSQL alone still finds it');
    } finally {
      await weaviateService.start(testProfile(), () => undefined);
    }
    await waitUntil(async () => (await search()).body.degraded === false, {
      what: 'search using Weaviate again after its restart',
      timeoutMs: 30_000,
      intervalMs: 300,
    });
  } finally {
    await live.close();
  }
});
