/**
 * Retrieval through the real API against the real stack: GET /v1/search in its three modes with
 * every filter, the compact index it answers, details by id (GET /v1/memories/{id},
 * POST /v1/memories:batchGet), GET /v1/learnings, validation, tenant isolation, and search that
 * keeps answering from PostgreSQL alone (degraded) when Weaviate cannot be reached. Through a restart
 * of the stack's own Weaviate: tests/search-weaviate-restart.test.ts (the one-at-a-time tier).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { createApi } from '../api/app.js';
import { LONE_ROWS, NO_COMMON_TERMS, type CommonTerms, keywordSearch } from '../api/search/keyword.js';
import { createSearchService } from '../api/search/search-routes.js';
import { createVectorBackend } from '../api/search/semantic.js';
import { createLogger } from '../common/server/logger.js';
import { createPgPool } from '../common/server/pg.js';
import { freePort } from '../infra/ports.js';
import { CORPUS, seedCorpus, syncCorpusVectors, type SeededCorpus } from './fixtures/retrieval-corpus.js';
import { newTenant } from './helpers/env.js';
import { callApi } from './helpers/http.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('search', { worker: false });
const { prisma, config, call } = stack;
const vectors = createVectorActivities({ prisma, config });
let tenantA: Awaited<ReturnType<typeof newTenant>>;
let tenantB: Awaited<ReturnType<typeof newTenant>>;
let storefront: SeededCorpus;
let backoffice: SeededCorpus;
let bCorpus: SeededCorpus;

const byKey = (c: SeededCorpus, key: string) => c.sessions.find((s) => s.key === key)!;

/** GET /v1/search of this file's API, or of another API (`url`) started by a test. */
const search = (key: string, params: Record<string, string>, url = stack.api.url) => callApi(url, key, 'GET', `/v1/search?${new URLSearchParams(params).toString()}`);

before(async () => {
  tenantA = await newTenant(prisma);
  tenantB = await newTenant(prisma);
  storefront = await seedCorpus(prisma, tenantA.tenantId, 'storefront');
  // A second project of A holds two of the same topics, to tell the project filter at work.
  backoffice = await seedCorpus(prisma, tenantA.tenantId, 'backoffice', CORPUS.filter((s) => ['docker-build-cache', 'cors-preflight'].includes(s.key)));
  // B has its own memories, none about the checkout test.
  bCorpus = await seedCorpus(prisma, tenantB.tenantId, 'storefront', CORPUS.filter((s) => s.key === 'i18n-plurals'));
  for (const [tenantId, seeded] of [[tenantA.tenantId, storefront], [tenantA.tenantId, backoffice], [tenantB.tenantId, bCorpus]] as const) {
    await syncCorpusVectors(vectors, tenantId, seeded);
  }
});

describe('GET /v1/search', () => {
  test('answers a compact index, best match first, in every mode', async () => {
    const flaky = byKey(storefront, 'flaky-checkout-e2e');
    for (const mode of ['hybrid', 'keyword', 'semantic']) {
      const res = await search(tenantA.key, { q: 'flaky checkout test timing out in CI', mode, project: 'storefront' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.mode, mode);
      assert.equal(res.body.degraded, false, `${mode}: ${res.body.degradedReason}`);
      assert.equal(typeof res.body.tookMs, 'number');
      const results = res.body.results as any[];
      assert.ok(results.length > 0 && results.length <= 10);
      assert.equal(results[0].sessionId, flaky.agentSessionId, `${mode}: top hit ${results[0].title}`);
      const sessionOf = new Map([...storefront.sessions, ...backoffice.sessions].map((s) => [s.agentSessionId, s]));
      // A hit carries its session's best-matching turns (issue 66): the top hit's session has turns, and
      // every carried turn is an observation of the hit's own session, never the hit itself.
      assert.ok(results[0].turns?.length > 0, `${mode}: the top hit carries its session's turns`);
      for (const r of results) {
        assert.deepEqual(Object.keys(r).filter((k) => k !== 'turns').sort(), ['agent', 'createdAt', 'id', 'score', 'sessionId', 'snippet', 'title', 'type']);
        for (const t of r.turns ?? []) {
          assert.ok(sessionOf.get(r.sessionId)?.observationIds.includes(t.id), `${mode}: ${t.id} is a turn of ${r.sessionId}`);
          assert.notEqual(t.id, r.id);
          assert.ok(t.snippet.length <= 142 && ['prompt', 'tool', 'stop'].includes(t.kind));
        }
        assert.ok(['observation', 'summary', 'learning'].includes(r.type));
        assert.ok(r.snippet.length <= 202, 'a short snippet, not the body');
        assert.ok(!Number.isNaN(Date.parse(r.createdAt)));
      }
      const scores = results.map((r) => r.score);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'ordered by score');
    }
  });

  test('a learning carries the session of its source', async () => {
    const res = await search(tenantA.key, { q: 'volatile default column lock', types: 'learning' });
    const top = res.body.results[0];
    assert.equal(top.type, 'learning');
    assert.equal(top.id, byKey(storefront, 'migration-lock').learningId);
    assert.equal(top.sessionId, byKey(storefront, 'migration-lock').agentSessionId);
  });

  test('filters by project, types and time, in every mode', async () => {
    for (const mode of ['hybrid', 'keyword', 'semantic']) {
      const inBackoffice = await search(tenantA.key, { q: 'docker build npm ci cache layer', mode, project: 'backoffice' });
      const backofficeSessions = new Set(backoffice.sessions.map((s) => s.agentSessionId));
      assert.ok(inBackoffice.body.results.length > 0, mode);
      assert.ok(inBackoffice.body.results.every((r: any) => backofficeSessions.has(r.sessionId)), `${mode}: only backoffice results`);

      const unknownProject = await search(tenantA.key, { q: 'docker', mode, project: 'no-such-project' });
      assert.deepEqual(unknownProject.body.results, []);

      for (const types of ['learning', 'summary', 'observation', 'summary,learning']) {
        const res = await search(tenantA.key, { q: 'database index lock migration', mode, types, limit: '30' });
        assert.ok(res.body.results.length > 0, `${mode} ${types}`);
        assert.ok(res.body.results.every((r: any) => types.split(',').includes(r.type)), `${mode}: only ${types}`);
      }

      // The corpus spans 2..40 days ago: a window around 10..30 days keeps only those sessions.
      const since = new Date(Date.now() - 30.5 * 86_400_000).toISOString();
      const until = new Date(Date.now() - 9.5 * 86_400_000).toISOString();
      const windowed = await search(tenantA.key, { q: 'fix error slow test cache', mode, since, until, limit: '100' });
      assert.ok(windowed.body.results.length > 0, mode);
      for (const r of windowed.body.results) {
        assert.ok(r.createdAt >= since && r.createdAt < until, `${mode}: ${r.createdAt} outside [${since}, ${until})`);
      }
      const onlySince = await search(tenantA.key, { q: 'fix error slow test cache', mode, since: new Date(Date.now() - 5 * 86_400_000).toISOString() });
      assert.ok(onlySince.body.results.every((r: any) => Date.parse(r.createdAt) >= Date.now() - 5 * 86_400_000 - 60_000), mode);
    }
  });

  test('limit is honoured and capped at 100; bad parameters are 400s naming the field', async () => {
    const three = await search(tenantA.key, { q: 'fix', limit: '3' });
    assert.equal(three.status, 200);
    assert.ok(three.body.results.length <= 3);
    const hundred = await search(tenantA.key, { q: 'fix', limit: '100' });
    assert.equal(hundred.status, 200);

    const bad: [Record<string, string>, string][] = [
      [{ q: 'fix', limit: '101' }, 'limit'],
      [{ q: 'fix', limit: '0' }, 'limit'],
      [{ q: 'fix', limit: 'ten' }, 'limit'],
      [{}, 'q'],
      [{ q: '   ' }, 'q'],
      [{ q: 'fix', mode: 'fuzzy' }, 'mode'],
      [{ q: 'fix', types: 'observation,memo' }, 'types'],
      [{ q: 'fix', since: 'last tuesday' }, 'since'],
      [{ q: 'fix', until: '2026-13-45' }, 'until'],
      [{ q: 'fix', since: '2026-11-02', until: '2026-11-01' }, 'until'],
      [{ q: 'fix', project: '../etc' }, 'project'],
    ];
    for (const [params, field] of bad) {
      const res = await search(tenantA.key, params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.match(res.body.error.message, new RegExp(`^${field}:`), JSON.stringify(res.body));
    }
  });

  test('never crosses tenants', async () => {
    for (const mode of ['hybrid', 'keyword', 'semantic']) {
      const res = await search(tenantB.key, { q: 'Playwright checkout payment iframe timeout flaky', mode });
      assert.equal(res.status, 200);
      const ownIds = new Set(bCorpus.sessions.map((s) => s.agentSessionId));
      assert.ok(res.body.results.every((r: any) => ownIds.has(r.sessionId)), `${mode}: B sees only its own memories`);
      assert.ok(!res.body.results.some((r: any) => /checkout|playwright/i.test(r.title)), mode);
      // And A does not see B's (A's own i18n session exists; B's copy must not show up).
      const a = await search(tenantA.key, { q: 'French plural articles', mode, limit: '100' });
      assert.ok(!a.body.results.some((r: any) => r.sessionId === bCorpus.sessions[0]!.agentSessionId), mode);
    }
  });
});

/** A tenant of its own with one project (`name`) holding one completed session. */
async function tenantWithSession(name: string) {
  const t = await newTenant(prisma);
  const project = await prisma.project.create({ data: { tenantId: t.tenantId, name } });
  const session = await prisma.session.create({ data: { tenantId: t.tenantId, projectId: project.id, agentSessionId: crypto.randomUUID(), status: 'completed', startedAt: new Date(), eventCount: 3 } });
  return { t, project, session };
}

/** Stores observations of `kind` in the session (the text as its title too); each call answers the new one's id. */
function observationsIn(at: Awaited<ReturnType<typeof tenantWithSession>>, kind: 'tool' | 'prompt') {
  return async (sequence: number, text: string) =>
    (await prisma.observation.create({ data: { tenantId: at.t.tenantId, projectId: at.project.id, sessionId: at.session.id, kind, sequence, title: text, text, tokenCount: 0 } })).id;
}

describe('the keyword leg and the table\'s word statistics', () => {
  test('the one-word tier takes the rarest words while their rows fit the budget; pairs still hold every word; common words never count', async () => {
    const at = await tenantWithSession('terms');
    const { t, project } = at;
    const observe = observationsIn(at, 'tool');
    const both = await observe(1, 'cache eviction policy rewritten');
    const cacheOnly = await observe(2, 'cache warmup job added');
    const evictionOnly = await observe(3, 'eviction of stale sessions');
    const pool = createPgPool(config.DATABASE_URL, 2);
    try {
      // Over the tenant (the plain index) and in the project (its project-scoped index): the same answers.
      for (const projectId of [undefined, project.id]) {
        const found = async (terms: CommonTerms) => (await keywordSearch(pool, 'cache eviction', { tenantId: t.tenantId, types: ['observation'], ...(projectId ? { projectId } : {}) }, 30, terms)).map((r) => r.id);
        const withTerms = (common: string[], sized: Record<string, number>): CommonTerms => ({
          ...NO_COMMON_TERMS,
          observation: { common, sized: Object.keys(sized), sizedRows: Object.values(sized), listed: [...common, ...Object.keys(sized)] },
        });

        const plain = await found(NO_COMMON_TERMS);
        assert.equal(plain[0], both, 'the record holding both words first');
        assert.deepEqual(new Set(plain), new Set([both, cacheOnly, evictionOnly]));

        // 'cach' alone would select more rows than the budget: the pair still finds `both`,
        // 'evict' alone finds `evictionOnly`, nothing is selected by 'cach' alone.
        const tooMany = await found(withTerms([], { cach: LONE_ROWS + 1 }));
        assert.equal(tooMany[0], both);
        assert.deepEqual(new Set(tooMany), new Set([both, evictionOnly]));

        // Each fits, both together do not: only the rarer one (by rows, then by word) selects alone.
        const together = await found(withTerms([], { cach: LONE_ROWS / 2, evict: LONE_ROWS / 2 + 1 }));
        assert.deepEqual(new Set(together), new Set([both, cacheOnly]));

        // Not even the rarest fits: records holding all the words, not each one.
        assert.deepEqual(await found(withTerms([], { cach: LONE_ROWS + 1, evict: LONE_ROWS + 1 })), [both]);

        // 'cach' common: left out of every match; `both` still ranks first, holding all the words.
        const common = await found(withTerms(['cach'], {}));
        assert.equal(common[0], both);
        assert.deepEqual(new Set(common), new Set([both, evictionOnly]));
      }
    } finally {
      await pool.end();
    }
  });

  test('in one project, only its records match, even beside a project whose id starts alike; quoted words and web-search syntax match there too', async () => {
    const { t, project, session } = await tenantWithSession('scoped');
    // A second project of the tenant whose id shares the 13 characters the scoped index prefixes words with.
    const twinId = `${project.id.slice(0, 13)}${crypto.randomUUID().slice(13)}`;
    const twin = await prisma.project.create({ data: { id: twinId, tenantId: t.tenantId, name: 'scoped-twin' } });
    const twinSession = await prisma.session.create({ data: { tenantId: t.tenantId, projectId: twin.id, agentSessionId: crypto.randomUUID(), status: 'completed', startedAt: new Date(), eventCount: 1 } });
    const observe = async (projectId: string, sessionId: string, sequence: number, text: string) =>
      (await prisma.observation.create({ data: { tenantId: t.tenantId, projectId, sessionId, kind: 'tool', sequence, title: text, text, tokenCount: 0 } })).id;
    const mine = await observe(project.id, session.id, 1, "O'Brien's zeppelin parser rejects trailing commas");
    const theirs = await observe(twin.id, twinSession.id, 1, "O'Brien's zeppelin parser rejects trailing commas");
    const pool = createPgPool(config.DATABASE_URL, 2);
    try {
      const ids = async (q: string, projectId?: string) =>
        (await keywordSearch(pool, q, { tenantId: t.tenantId, types: ['observation'], ...(projectId ? { projectId } : {}) }, 30)).map((r) => r.id);
      for (const q of ["zeppelin parser O'Brien", 'trailing commas zeppelin', '"trailing commas" -yaml']) {
        assert.deepEqual(await ids(q, project.id), [mine], q);
        assert.deepEqual(await ids(q, twin.id), [theirs], q);
        assert.deepEqual(new Set(await ids(q)), new Set([mine, theirs]), `${q}: the whole tenant`);
      }
      assert.deepEqual(await ids('"trailing commas" -zeppelin', project.id), [], 'an excluded word excludes in the project too');
    } finally {
      await pool.end();
    }
  });

  test('a question that quotes a word or offers two options still matches by its words; what matches it literally ranks first', async () => {
    const at = await tenantWithSession('natural-websearch');
    const { t, project } = at;
    const observe = observationsIn(at, 'prompt');
    const cache = await observe(1, 'we keep the session cache in Redis, with a ten minute expiry');
    const both = await observe(2, 'Redis or Memcached for the session cache: Redis, because we already run it');
    const bind = await observe(3, 'the dev server binds to localhost only, port 7711');
    const pool = createPgPool(config.DATABASE_URL, 2);
    try {
      const ids = async (q: string) => (await keywordSearch(pool, q, { tenantId: t.tenantId, types: ['observation'], projectId: project.id }, 30)).map((r) => r.id);
      // Every word had to be there before: "did", "keep", "move" are in neither record, so this matched nothing.
      const options = await ids('did we keep the session cache in Redis or move it to Memcached?');
      assert.ok(options.includes(cache) && options.includes(both), options.join(', '));
      assert.equal(options[0], cache, 'the record holding one side of the "or" with its other words first');
      const quoted = await ids('which address does the dev server listen on, "localhost" or all interfaces?');
      assert.equal(quoted[0], bind, quoted.join(', '));
    } finally {
      await pool.end();
    }
  });
});

describe('what search agrees on', () => {
  test('a decision ranks above raw tool calls naming its terms; memflow\'s own calls and the question itself never rank', async () => {
    const { t, project, session } = await tenantWithSession('agrees');
    const question = 'what did we decide about the retry limit for payments';
    const observe = async (sequence: number, kind: 'prompt' | 'tool', title: string, text: string, toolName?: string) =>
      (await prisma.observation.create({ data: { tenantId: t.tenantId, projectId: project.id, sessionId: session.id, kind, sequence, title, text, tokenCount: 0, ...(toolName ? { toolName } : {}) } })).id;
    const asked = await observe(1, 'prompt', question, question);
    const own = await observe(2, 'tool', 'mcp__memflow__search: retry limit payments', 'retry limit payments decided', 'mcp__memflow__search');
    const raw = await observe(3, 'tool', 'Edit: payments/retry.py', 'MAX_RETRIES = 5  # retry limit for payments', 'Edit');
    const other = await observe(4, 'tool', 'Read: payments/retry.py', 'retry limit payments backoff', 'Read');
    const decision = await prisma.learning.create({
      data: { tenantId: t.tenantId, projectId: project.id, kind: 'decision', title: 'The retry limit for payments is 7', body: 'We decided the payments retry limit is capped at 7; never change it.', fingerprint: crypto.randomUUID().replace(/-/g, '') },
    });
    const res = await search(t.key, { q: question, mode: 'keyword', project: 'agrees' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const ids: string[] = res.body.results.map((r: any) => r.id);
    assert.ok(!ids.includes(own), 'memflow\'s own MCP call never ranks');
    assert.ok(!ids.includes(asked), 'the question itself is not its answer');
    assert.equal(ids[0], decision.id, `the decision first: ${JSON.stringify(res.body.results.map((r: any) => r.title))}`);
    // The session's records follow the learning (it does not take the session's place), its best first.
    const ofSession = res.body.results.filter((r: any) => r.type !== 'learning' && r.sessionId === session.agentSessionId);
    assert.ok([raw, other].includes(ofSession[0].id));
  });
});

describe('the page\'s session order (issue 66)', () => {
  test('hybrid: a session with two records that answer outranks a session with one closer record; keyword mode and the ranking without session evidence keep the closer one first', async () => {
    const t = await newTenant(prisma);
    const project = await prisma.project.create({ data: { tenantId: t.tenantId, name: 'order' } });
    const sessionOf = async (turns: string[]) => {
      const session = await prisma.session.create({ data: { tenantId: t.tenantId, projectId: project.id, agentSessionId: crypto.randomUUID(), status: 'completed', startedAt: new Date(), eventCount: turns.length } });
      for (const [i, text] of turns.entries()) {
        await prisma.observation.create({ data: { tenantId: t.tenantId, projectId: project.id, sessionId: session.id, kind: 'prompt', sequence: i + 1, title: text.slice(0, 60), text, tokenCount: 0 } });
      }
      await vectors.syncSessionVectors({ tenantId: t.tenantId, projectId: project.id, sessionId: session.id });
      return session.agentSessionId;
    };
    const question = 'why does the nightly invoice export stall for large tenants';
    // One record holding most words of the question, in a session about something else.
    const lucky = await sessionOf(['The nightly invoice export stalls, says the status page.', 'Moved the status page to the new theme.']);
    // Two turns, each holding most of it: the session that answers.
    const answers = await sessionOf(['The invoice export stalls on the biggest customers.', 'Large tenants hold millions of invoice rows, read at once by the export.']);
    // Other sessions, some sharing a word of the question (the keyword leg's weaker candidates).
    for (const filler of ['The nightly backup job finished early.', 'Renamed the tenants table in the admin page.', 'Bumped the linter and fixed a large batch of warnings.', 'The logger module got a new export format.', 'Wrote the onboarding guide for new developers.', 'Cleaned up the Docker build cache settings.']) {
      await sessionOf([filler, 'Done.']);
    }

    const order = (results: { sessionId: string | null }[]) => [...new Set(results.map((r) => r.sessionId))];
    const res = await search(t.key, { q: question, mode: 'hybrid', project: 'order' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(order(res.body.results).slice(0, 2), [answers, lucky], `hybrid: ${JSON.stringify(res.body.results.map((r: any) => [r.title, r.score]))}`);
    // Keyword mode is not reordered: the record holding most of the words leads.
    const keyword = await search(t.key, { q: question, mode: 'keyword', project: 'order' });
    assert.equal(order(keyword.body.results)[0], lucky);
    // The same ranking without the session evidence (fusion.ts: bySessionEvidence) puts the lucky session first: the evidence decides.
    const pool = createPgPool(config.DATABASE_URL, 2);
    const backend = createVectorBackend(config);
    try {
      const ask = (sessionEvidence: boolean) => createSearchService({ pool, vectors: backend, sessionEvidence }).search({ tenantId: t.tenantId, project: 'order', query: question, mode: 'hybrid', types: ['observation', 'summary', 'learning'], limit: 10 });
      const [without, withIt] = await Promise.all([ask(false), ask(true)]);
      assert.equal(without.degraded, false);
      assert.equal(order(without.results)[0], lucky);
      assert.deepEqual(order(withIt.results).slice(0, 2), [answers, lucky]);
    } finally {
      await backend.close();
      await pool.end();
    }
  });
});

describe('memories by id', () => {
  test('GET /v1/memories/{id} returns the full record of each type', async () => {
    const s = byKey(storefront, 'jwt-refresh-race');
    const obs = await call(tenantA.key, 'GET', `/v1/memories/${s.observationIds[1]}`);
    assert.equal(obs.status, 200);
    assert.equal(obs.body.type, 'observation');
    assert.equal(obs.body.sessionId, s.agentSessionId);
    assert.equal(obs.body.project, 'storefront');
    assert.equal(obs.body.toolName, 'Grep');
    assert.match(obs.body.text, /revokeFamily/);

    const sum = await call(tenantA.key, 'GET', `/v1/memories/${s.summaryId}`);
    assert.equal(sum.body.type, 'summary');
    assert.equal(sum.body.kind, 'final');
    assert.match(sum.body.investigated, /token family/);
    assert.equal(sum.body.sessionId, s.agentSessionId);

    const learning = await call(tenantA.key, 'GET', `/v1/memories/${s.learningId}`);
    assert.equal(learning.body.type, 'learning');
    assert.equal(learning.body.status, 'active');
    assert.equal(learning.body.sources.length, 1);
    assert.equal(learning.body.sources[0].summaryId, s.summaryId);
    assert.equal(learning.body.sources[0].sessionId, s.agentSessionId);
    assert.equal(learning.body.history.length, 1);
    assert.equal(learning.body.history[0].reason, 'created');
  });

  test('unknown ids and other tenants\' ids are 404; a malformed id is a 400', async () => {
    const s = byKey(storefront, 'jwt-refresh-race');
    for (const id of [s.observationIds[0], s.summaryId, s.learningId]) {
      const res = await call(tenantB.key, 'GET', `/v1/memories/${id}`);
      assert.equal(res.status, 404, 'B cannot read A\'s memory');
      assert.equal(res.body.error.code, 'not_found');
    }
    assert.equal((await call(tenantA.key, 'GET', '/v1/memories/00000000-0000-4000-8000-000000000000')).status, 404);
    const bad = await call(tenantA.key, 'GET', '/v1/memories/not-a-uuid');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^id:/);
  });

  test('POST /v1/memories:batchGet returns the records in order and lists what it did not find', async () => {
    const s = byKey(storefront, 'cors-preflight');
    const foreign = bCorpus.sessions[0]!.summaryId;
    const ids = [s.learningId, s.summaryId, foreign, s.observationIds[0]!];
    const res = await call(tenantA.key, 'POST', '/v1/memories:batchGet', { ids });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.items.map((r: any) => r.id), [s.learningId, s.summaryId, s.observationIds[0]]);
    assert.deepEqual(res.body.items.map((r: any) => r.type), ['learning', 'summary', 'observation']);
    assert.deepEqual(res.body.notFound, [foreign]);

    const tooMany = await call(tenantA.key, 'POST', '/v1/memories:batchGet', { ids: Array.from({ length: 101 }, () => s.summaryId) });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /^ids:/);
    for (const body of [{}, { ids: [] }, { ids: ['nope'] }, { ids: 'x' }]) {
      const res2 = await call(tenantA.key, 'POST', '/v1/memories:batchGet', body);
      assert.equal(res2.status, 400, JSON.stringify(body));
      assert.match(res2.body.error.message, /^ids/);
    }
  });
});

describe('GET /v1/learnings', () => {
  test('pages through the active learnings with their sources', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof call>> = await call(tenantA.key, 'GET', `/v1/learnings?project=storefront&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.items.length <= 5);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, CORPUS.length);
    assert.equal(new Set(seen.map((l) => l.id)).size, CORPUS.length);
    assert.ok(seen.every((l) => l.project === 'storefront' && l.status === 'active' && l.sources.length === 1 && l.sources[0].sessionId));
    const other = await call(tenantB.key, 'GET', '/v1/learnings');
    assert.deepEqual(other.body.items.map((l: any) => l.id), [bCorpus.sessions[0]!.learningId]);
    assert.equal((await call(tenantA.key, 'GET', '/v1/learnings?limit=500')).status, 400);
    assert.equal((await call(tenantA.key, 'GET', '/v1/learnings?cursor=bogus')).status, 400);
  });
});

describe('with Weaviate unreachable', () => {
  test('search answers from PostgreSQL alone and says it is degraded', async () => {
    const closed = await freePort(); // nothing listens there: connections are refused
    const down = createApi({ ...config, WEAVIATE_URL: `http://127.0.0.1:${closed}`, WEAVIATE_GRPC_PORT: closed }, prisma, createLogger('test-api', 'silent'), {
      search: { vectorTimeoutMs: 3000 },
    });
    await down.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(down.app.server.address() as AddressInfo).port}`;
    try {
      const flaky = byKey(storefront, 'flaky-checkout-e2e');
      for (const mode of ['hybrid', 'semantic']) {
        const res = await search(tenantA.key, { q: 'flaky checkout test timing out in CI', mode }, url);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.degraded, true, mode);
        assert.match(res.body.degradedReason, /weaviate/i);
        assert.doesNotMatch(res.body.degradedReason, /timeout/i, 'a refused connection fails at once, not at the time bound');
        assert.equal(res.body.results[0]?.sessionId, flaky.agentSessionId, `${mode}: keyword results still answer`);
      }
      const keyword = await search(tenantA.key, { q: 'flaky checkout', mode: 'keyword' }, url);
      assert.equal(keyword.body.degraded, false, 'keyword search never needs Weaviate');
      // Tenant isolation holds in degraded mode too.
      const other = await search(tenantB.key, { q: 'Playwright checkout payment iframe', mode: 'hybrid' }, url);
      assert.equal(other.body.degraded, true);
      assert.ok(!other.body.results.some((r: any) => /checkout/i.test(r.title)));
    } finally {
      await down.close();
    }
  });
});
