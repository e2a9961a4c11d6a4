/**
 * Retrieval quality on a realistic memory (tests/fixtures/retrieval-corpus.ts): fourteen sessions
 * of a web shop code base and 24 questions worded differently from what was stored, each with the
 * session that answers it. recall@5 = the share of questions whose session appears among the top
 * five results (any record type). It is printed for each mode, and hybrid — the default mode — must
 * reach RECALL_AT_5_MIN.
 *
 * Why 0.8: the issue asks that "most" questions find their session; with fourteen candidate
 * sessions a random ranking would reach about 5/14 ≈ 0.36, and the offline embedder has no model
 * weights (it relies on stemming, a concept lexicon and character n-grams), so a few paraphrases
 * that share neither words nor concepts with the stored text are expected to miss. 0.8 leaves room
 * for those while failing on any real regression of the keyword leg, the vector leg or fusion.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { QUESTIONS, seedCorpus, syncCorpusVectors, type SeededCorpus } from './fixtures/retrieval-corpus.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const RECALL_AT_5_MIN = 0.8;

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('quality') });
const prisma = testPrisma();
let api: TestApi;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let seeded: SeededCorpus;

before(async () => {
  tenant = await newTenant(prisma);
  seeded = await seedCorpus(prisma, tenant.tenantId, 'storefront');
  await syncCorpusVectors(createVectorActivities({ prisma, config }), tenant.tenantId, seeded);
  api = await startTestApi(config, prisma);
});

after(async () => {
  await api?.close();
  await prisma.$disconnect();
});

async function recallAt5(mode: string): Promise<{ recall: number; misses: string[] }> {
  const misses: string[] = [];
  for (const { question, expect } of QUESTIONS) {
    const res = await fetch(`${api.url}/v1/search?${new URLSearchParams({ q: question, mode, limit: '5', project: 'storefront' }).toString()}`, {
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    const body = (await res.json()) as { results: { sessionId: string | null }[]; degraded: boolean };
    assert.equal(res.status, 200);
    assert.equal(body.degraded, false, 'measured with Weaviate up');
    const want = seeded.sessions.find((s) => s.key === expect)!.agentSessionId;
    if (!body.results.slice(0, 5).some((r) => r.sessionId === want)) misses.push(`${question} (expected ${expect})`);
  }
  return { recall: (QUESTIONS.length - misses.length) / QUESTIONS.length, misses };
}

test(`hybrid search finds the right session in the top 5 for at least ${RECALL_AT_5_MIN * 100}% of paraphrased questions`, async () => {
  const results: Record<string, { recall: number; misses: string[] }> = {};
  for (const mode of ['hybrid', 'keyword', 'semantic']) results[mode] = await recallAt5(mode);
  console.log(`recall@5 over ${QUESTIONS.length} paraphrased questions, ${seeded.sessions.length} sessions:`);
  for (const [mode, r] of Object.entries(results)) {
    console.log(`  ${mode.padEnd(8)} ${r.recall.toFixed(3)}${r.misses.length ? `  missed: ${r.misses.join('; ')}` : ''}`);
  }
  assert.ok(results.hybrid!.recall >= RECALL_AT_5_MIN, `hybrid recall@5 ${results.hybrid!.recall.toFixed(3)} < ${RECALL_AT_5_MIN}`);
});
