/**
 * The memory is right: sessions replayed through the real API (the real ingest path), summarized by
 * the session workflow on a real Temporal server with the offline summarizer (no model key, as every
 * user without one gets it), rows in the real PostgreSQL, and the start context from GET /v1/context.
 * - The reported refund session (a failing `npm test -- test/refunds.test.ts`, a Grep, two Edits, a
 *   passing `npm test -- test/refunds.test.ts --repeat 20`, Claude's answer) is summarized as
 *   passing, its batch and final summaries differ, its title is not said again, its citations have
 *   real line ranges and its fix learning carries the assertion and the change.
 * - After 17 sessions of one project (fixes, a test piped through tail, memflow's own tool
 *   calls, a task phrased with "must", red endings) the start context has no duplicated line, no
 *   memflow self-activity, and every failure line carries its error.
 * - On the whole outcome corpus the offline summary states the final outcome correctly in at least
 *   98 % of the sessions, and no learning claims the opposite of the outcome.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../common/server/config.js';
import { contextProblems, judge, statedOutcome } from './fixtures/outcome-checks.js';
import { deliveriesOf, loadCorpus, REFUND_SESSION } from './fixtures/outcome-corpus.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { replay, sessionResult } from './helpers/sessions.js';

const prisma = testPrisma();
const tuning = { flushDelayMs: 30, idleTimeoutMs: 120_000, summaryBatchTokens: 4000 };
let temporal: Connection;
let client: Client;
let api: TestApi;
let worker: TestWorker;

before(async () => {
  const parsed = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('truth') });
  const config: Config = { ...parsed, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined };
  temporal = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  client = new Client({ connection: temporal });
  api = await startTestApi(config, prisma, { tuning });
  worker = await startTestWorker(config, prisma);
});

after(async () => {
  await api?.close();
  await worker?.stop();
  await temporal?.close();
  await prisma.$disconnect();
});

async function run(key: string, tenantId: string, s: typeof REFUND_SESSION) {
  const id = crypto.randomUUID();
  await replay(api.url, key, deliveriesOf(s, id));
  await sessionResult(client, prisma, tenantId, id, 120_000);
  return prisma.session.findFirstOrThrow({ where: { tenantId, agentSessionId: id } });
}

describe('the offline memory states what happened', () => {
  test('the reported refund session: passing, batch and final differ, no restated title, real line ranges, a fix with its assertion and change', async () => {
    const { tenantId, key } = await newTenant(prisma);
    const session = await run(key, tenantId, REFUND_SESSION);
    const summaries = await prisma.summary.findMany({ where: { sessionId: session.id }, orderBy: { createdAt: 'asc' } });
    const final = summaries.find((s) => s.kind === 'final');
    const batch = summaries.find((s) => s.kind === 'batch');
    assert.ok(final && batch, 'a batch and a final summary');
    assert.equal(statedOutcome(final.text), 'passing', final.text);
    assert.doesNotMatch(final.text, /Still failing/);
    assert.match(final.text, /npm test -- test\/refunds\.test\.ts --repeat 20/, 'the last run of the check is named');
    assert.notEqual(batch.text, final.text, 'batch and final summaries cover different things');
    assert.match(batch.title, /^\[offline\] #\d+–#\d+: fix the flaky refund test$/);
    assert.equal(final.title, '[offline] fix the flaky refund test');
    assert.equal(final.text.split('fix the flaky refund test').length - 1, 1, 'the title is said once');
    const citations = (final.citations ?? []) as { path: string; startLine: number; endLine: number }[];
    assert.ok(citations.length > 0, 'the edits are cited');
    for (const c of citations) assert.ok(c.startLine > 0 && c.endLine >= c.startLine, `a real range: ${JSON.stringify(c)}`);
    assert.ok(citations.some((c) => c.path === 'src/refunds.ts' && c.startLine === 27), 'where the first edit is');

    const learnings = await prisma.learning.findMany({ where: { tenantId } });
    const fix = learnings.find((l) => l.kind === 'fix');
    assert.ok(fix, `a fix learning among ${JSON.stringify(learnings.map((l) => l.title))}`);
    assert.match(fix.title, /AssertionError: expected 1999 to be 2000/);
    assert.match(fix.body, /changing src\/refunds\.ts/);
    assert.equal(fix.outcome, 'confirmed');
    assert.ok(!learnings.some((l) => l.kind === 'dead_end' || l.kind === 'convention'), 'nothing claims it failed, no task as a convention');
  });

  test('after 17 sessions the start context has no duplicated line, no self-activity and every failure with its error', async () => {
    const { tenantId, key } = await newTenant(prisma);
    const corpus = loadCorpus().filter((s) => s.cwd === '/home/dev/itsdangerous');
    // One session of each kind (16), and the same session twice (identical sessions leave one line).
    const picked = [...new Set(corpus.map((s) => s.scenario))].map((k) => corpus.find((s) => s.scenario === k)!);
    assert.ok(picked.length >= 10);
    const twice = picked.find((s) => s.scenario === 'explore')!;
    for (const s of [...picked, twice]) await run(key, tenantId, s);

    const res = await fetch(`${api.url}/v1/context?project=itsdangerous&tokens=3000`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    const { context } = (await res.json()) as { context: string };
    const problems = contextProblems(context);
    assert.ok(problems.lines >= 10, context);
    assert.deepEqual(problems.duplicated, [], context);
    assert.deepEqual(problems.repeatedWithin, [], context);
    assert.deepEqual(problems.selfActivity, [], context);
    assert.deepEqual(problems.failuresWithoutError, [], context);
    assert.match(context, /## What failed, and what fixed it\n- .*: failed, output: «\S+/, context);
    assert.match(context, /fixed in /, 'a failure with what fixed it');
    const conventions = await prisma.learning.findMany({ where: { tenantId, kind: 'convention' }, select: { title: true } });
    assert.ok(!conventions.some((c) => /must reject empty input/.test(c.title)), 'a task is not a convention');
    assert.ok(conventions.some((c) => /^From now on, always run/.test(c.title)), `a stated rule is: ${JSON.stringify(conventions)}`);
  });
});

test('on the outcome corpus the offline summary states the final outcome in >= 98 % of sessions, and no learning claims the opposite', () => {
  const corpus = loadCorpus();
  assert.ok(corpus.length >= 100);
  const verdicts = corpus.map((s) => judge(s, deliveriesOf(s)));
  const correct = verdicts.filter((v) => v.correct).length;
  assert.ok(correct / corpus.length >= 0.98, `${correct}/${corpus.length}: ${JSON.stringify(verdicts.filter((v) => !v.correct).map((v) => [v.id, v.stated]))}`);
  assert.ok(verdicts.find((v) => v.id === REFUND_SESSION.id)?.correct, 'the reported case');
  assert.deepEqual(verdicts.flatMap((v) => v.contradicting.map((l) => `${v.id}: ${l.title}`)), []);
  assert.equal(verdicts.reduce((a, v) => a + v.fixWithoutError + v.inventedConventions, 0), 0);
});
