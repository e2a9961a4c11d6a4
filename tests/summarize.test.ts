/**
 * Summarization end to end: recorded sessions replayed through the real API, workflows on a real
 * Temporal server, rows in the real PostgreSQL, and Claude replaced by a local server speaking the
 * Messages API, driven through the real SDK. Covers the normal run, a rate-limited and failing API that
 * recovers, a tenant over its daily budget (parked, then finished), the offline summarizer, and the
 * merging of learnings across sessions.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSummarizeActivities, type SummaryOutcome } from '../activities/summarize/summarize-activities.js';
import { renderObservation } from '../activities/summarize/summary-prompt.js';
import type { Config } from '../common/server/config.js';
import { countTokens } from '../common/rules/tokens.js';
import type { PrismaClient } from '../common/server/db.js';
import { waitUntil } from '../infra/wait-until.js';
import { sessionViewQuery, sessionWorkflowId } from '../messages/workflows-v1/session.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { FakeAnthropic, apiKeyOf, behaviours, userText } from './helpers/fake-anthropic.js';
import { keepHistory } from './helpers/histories.js';
import { replay, sessionResult } from './helpers/sessions.js';

const BATCH_TOKENS = 500;
const tuning = { flushDelayMs: 30, idleTimeoutMs: 120_000, summaryBatchTokens: BATCH_TOKENS, parkRecheckMs: 400 };
const fake = new FakeAnthropic();
const prisma = testPrisma();
let temporal: Connection;
let client: Client;

interface Stack {
  config: Config;
  api: TestApi;
  worker: TestWorker;
}

async function startStack(overrides: Record<string, string>, offline = false): Promise<Stack> {
  const parsed = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('summarize'), MEMFLOW_SUMMARY_BATCH_TOKENS: String(BATCH_TOKENS), ...overrides });
  const config: Config = offline ? { ...parsed, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined } : parsed;
  const api = await startTestApi(config, prisma, { tuning });
  const worker = await startTestWorker(config, prisma);
  return { config, api, worker };
}

const claudeEnv = () => ({
  ANTHROPIC_API_KEY: 'sk-ant-test-key',
  ANTHROPIC_BASE_URL: fake.url,
  MEMFLOW_SUMMARY_MODEL: 'claude-haiku-4-5',
  MEMFLOW_FINAL_SUMMARY_MODEL: 'claude-sonnet-4-5',
});

let claude: Stack;
let offline: Stack;

before(async () => {
  await fake.start();
  temporal = await Connection.connect({ address: testConfig().TEMPORAL_ADDRESS });
  client = new Client({ connection: temporal });
  claude = await startStack(claudeEnv());
  offline = await startStack({}, true);
});

after(async () => {
  for (const s of [claude, offline]) {
    await s?.api.close();
    await s?.worker.stop();
  }
  await temporal?.close();
  await fake.stop();
  await prisma.$disconnect();
});

async function runSession(stack: Stack, key: string, tenantId: string, project: string, padding = 6, pauseAtFirstStop = false) {
  const session = buildDebugSession(crypto.randomUUID(), `/home/dev/${project}`, padding);
  const firstStop = session.deliveries.findIndex((d) => d.event === 'stop') + 1;
  if (pauseAtFirstStop) {
    // The agent's first turn ends; the user reads the answer before typing again.
    await replay(stack.api.url, key, session.deliveries.slice(0, firstStop));
    await waitUntil(async () => (await prisma.summary.count({ where: { session: { tenantId, agentSessionId: session.sessionId }, kind: 'rolling' } })) > 0, {
      what: 'the rolling summary of the first turn',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  }
  await replay(stack.api.url, key, session.deliveries.slice(pauseAtFirstStop ? firstStop : 0));
  const result = await sessionResult(client, prisma, tenantId, session.sessionId, 90_000);
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId, agentSessionId: session.sessionId } });
  return { session, result, row };
}

/** Every learning source of the session's learnings points at one of the session's observations. */
async function assertLearningsCite(sessionId: string): Promise<number> {
  const sources = await prisma.learningSource.findMany({
    where: { summary: { sessionId, kind: 'final' } },
    select: { learningId: true },
  });
  const learningIds = [...new Set(sources.map((s) => s.learningId))];
  assert.ok(learningIds.length > 0, 'the final summary produced learnings');
  for (const learningId of learningIds) {
    const evidence = await prisma.learningSource.findMany({ where: { learningId, observationId: { not: null } }, include: { observation: true } });
    assert.ok(evidence.length > 0, 'each learning has observation evidence');
    for (const e of evidence) assert.ok(e.observation, 'the cited observation exists');
  }
  return learningIds.length;
}

describe('with Claude (the fake Messages API)', () => {
  test('a recorded session ends completed with batch, rolling and final summaries and cited learnings', async () => {
    fake.reset();
    const t = await newTenant(prisma);
    const { session, result, row } = await runSession(claude, t.key, t.tenantId, 'shop', 12, true);
    assert.equal(result.status, 'completed');
    assert.equal(row.status, 'completed');

    const summaries = await prisma.summary.findMany({ where: { sessionId: row.id }, orderBy: { createdAt: 'asc' } });
    const batches = summaries.filter((s) => s.kind === 'batch');
    assert.ok(batches.length >= 2, `the padded session is summarized in several batches (${batches.length})`);
    assert.ok(summaries.some((s) => s.kind === 'rolling'), 'a rolling summary at a stop');
    const final = summaries.filter((s) => s.kind === 'final');
    assert.equal(final.length, 1);
    assert.equal(final[0]!.offline, false);
    assert.equal(final[0]!.model, 'claude-sonnet-4-5');
    assert.match(final[0]!.text, /GET \/api\/orders\/total returns a 500/);
    // Batches are consecutive, without gaps or overlaps, and each within the token budget.
    const observations = await prisma.observation.findMany({ where: { sessionId: row.id }, orderBy: { sequence: 'asc' } });
    let next = observations[0]!.sequence;
    for (const b of batches.sort((a, c) => a.fromSequence - c.fromSequence)) {
      assert.equal(b.fromSequence, next, 'batches follow each other');
      const inBatch = observations.filter((o) => o.sequence >= b.fromSequence && o.sequence <= b.toSequence);
      // Measured as the model is sent them (renderObservation clips long tool output).
      const tokens = inBatch.reduce((sum, o) => sum + countTokens(renderObservation(o)), 0);
      assert.ok(inBatch.length === 1 || tokens <= BATCH_TOKENS, `batch ${b.fromSequence}-${b.toSequence} has ${tokens} tokens`);
      next = (observations.find((o) => o.sequence > b.toSequence)?.sequence ?? b.toSequence + 1);
      assert.ok(b.tokensIn + b.cacheReadTokens + b.cacheWriteTokens > 0 && b.tokensOut > 0, 'usage recorded per summary');
    }
    assert.equal(next, observations.at(-1)!.sequence + 1, 'every observation is in a batch');
    assert.ok((await assertLearningsCite(row.id)) >= 1);

    // The requests: our key, the configured models, a forced tool, the cached system prompt.
    const ours = fake.requests.filter((r) => userText(r.body).includes('/home/dev/shop') || userText(r.body).includes('Project: shop'));
    assert.equal(ours.length, fake.requests.length);
    for (const r of fake.requests) {
      assert.equal(apiKeyOf(r.headers), 'sk-ant-test-key');
      assert.equal(r.body.tool_choice?.type, 'tool');
      assert.deepEqual((r.body.system as { cache_control?: unknown }[])[0]!.cache_control, { type: 'ephemeral' });
      assert.equal(r.body.max_tokens, 2048);
    }
    const finalRequests = fake.requests.filter((r) => r.body.tools?.[0]?.input_schema.properties?.learnings);
    assert.equal(finalRequests.length, 1);
    assert.equal(finalRequests[0]!.body.model, 'claude-sonnet-4-5');
    assert.ok(fake.requests.filter((r) => r.body.model === 'claude-haiku-4-5').length >= batches.length);
    assert.ok(fake.answered.some((r) => (r.usage?.cache_read_input_tokens ?? 0) > 0), 'later batches read the system prompt from the cache');

    // Usage and cost per tenant and day.
    const usage = await prisma.tokenUsage.findFirstOrThrow({ where: { tenantId: t.tenantId } });
    assert.equal(usage.requests, fake.answered.length);
    assert.ok(Number(usage.costUsd) > 0);
    const res = await fetch(`${claude.api.url}/v1/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${t.key}` } });
    const body = (await res.json()) as { status: string; summary: string };
    assert.equal(body.status, 'completed');
    assert.equal(body.summary, final[0]!.text);

    // The same usage, exposed to Prometheus.
    const metrics = await (await fetch(`${claude.api.url}/metrics`)).text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.ok(value('memflow_llm_tokens_total{type="output"}') >= Number(usage.tokensOut), 'output tokens exported');
    assert.ok(value('memflow_llm_tokens_total{type="cache_read"}') > 0, 'cache reads exported');
    assert.ok(value('memflow_llm_cost_usd_total') > 0);
    assert.ok(value('memflow_summaries_total{kind="final",source="model"}') >= 1);
  });

  test('an API that answers 429, 529 and 500 for a while is waited out: same outcome, nothing lost', async () => {
    fake.reset();
    // A 500 without retry-after is backed off by Temporal's policy; the others say how long to wait.
    fake.enqueue(behaviours.serverError(), behaviours.rateLimited(1), behaviours.overloaded(1), behaviours.rateLimited(1), behaviours.rateLimited(1));
    const t = await newTenant(prisma);
    const { session, result, row } = await runSession(claude, t.key, t.tenantId, 'shop-retry');
    assert.equal(result.status, 'completed');
    assert.equal(await prisma.hookEvent.count({ where: { sessionId: row.id } }), session.deliveries.length, 'every event stored once');
    assert.equal(await prisma.observation.count({ where: { sessionId: row.id, kind: 'tool' } }), session.toolCalls);
    const final = await prisma.summary.findFirstOrThrow({ where: { sessionId: row.id, kind: 'final' } });
    assert.equal(final.offline, false, 'the model wrote it once the API recovered');
    assert.ok((await assertLearningsCite(row.id)) >= 1);
    const failed = fake.requests.filter((r) => r.status !== 200);
    assert.equal(failed.length, 5);
    // The request after a 429 with retry-after: 1 came no sooner than a second later.
    const i = fake.requests.findIndex((r) => r.status === 429);
    assert.ok(fake.requests[i + 1]!.at - fake.requests[i]!.at >= 950, 'retry-after was honoured');
  });

  test('answers that stay malformed are summarized offline instead, and marked', async () => {
    fake.reset();
    fake.always = behaviours.invalidToolInput();
    const t = await newTenant(prisma);
    const { result, row } = await runSession(claude, t.key, t.tenantId, 'shop-malformed', 0);
    fake.always = undefined;
    assert.equal(result.status, 'completed');
    const summaries = await prisma.summary.findMany({ where: { sessionId: row.id } });
    assert.ok(summaries.length >= 2);
    assert.ok(summaries.every((s) => s.offline && s.title.startsWith('[offline]')), 'every summary fell back, visibly');
    // Tokens spent on the malformed answers still count against the budget.
    const usage = await prisma.tokenUsage.findFirstOrThrow({ where: { tenantId: t.tenantId } });
    assert.ok(usage.tokensOut > 0n);
  });

  test('a tenant over its daily budget has its work parked, then finished when the budget returns', async () => {
    fake.reset();
    const t = await newTenant(prisma);
    await prisma.tenant.update({ where: { id: t.tenantId }, data: { dailyTokenBudget: 10n } });
    const session = buildDebugSession(crypto.randomUUID(), '/home/dev/shop-budget', 6);
    await replay(claude.api.url, t.key, session.deliveries);
    const row = await prisma.session.findFirstOrThrow({ where: { tenantId: t.tenantId, agentSessionId: session.sessionId } });
    const handle = client.workflow.getHandle(sessionWorkflowId(t.tenantId, row.projectId, session.sessionId));
    // Work may park for budget at a stop already; the end's summary parks once the session is summarizing.
    await waitUntil(async () => {
      const v = await handle.query(sessionViewQuery).catch(() => undefined);
      return v?.parked?.reason === 'budget' && v.status === 'summarizing';
    }, {
      what: 'the final summary parked for budget',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const view = await handle.query(sessionViewQuery);
    assert.equal(view.status, 'summarizing');
    assert.equal(fake.requests.length, 0, 'no model call was made over budget');
    assert.equal((await prisma.session.findUniqueOrThrow({ where: { id: row.id } })).status, 'summarizing');
    assert.equal(await prisma.observation.count({ where: { sessionId: row.id, kind: 'tool' } }), session.toolCalls, 'capture went on while parked');
    assert.equal(await prisma.summary.count({ where: { sessionId: row.id } }), 0);

    // The budget returns (an operator raises it; a new UTC day does the same): the parked work runs.
    await prisma.tenant.update({ where: { id: t.tenantId }, data: { dailyTokenBudget: 10_000_000n } });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(await prisma.summary.count({ where: { sessionId: row.id, kind: 'final', offline: false } }), 1);
    assert.ok(await prisma.summary.count({ where: { sessionId: row.id, kind: 'batch' } }) >= 2);
    assert.ok((await assertLearningsCite(row.id)) >= 1);
  });

  test('a contradicting learning supersedes the old one, which is kept with its validity and history', async () => {
    fake.reset();
    const t = await newTenant(prisma);
    const first = await runSession(claude, t.key, t.tenantId, 'shop-supersede', 0);
    const old = await prisma.learning.findFirstOrThrow({ where: { tenantId: t.tenantId, projectId: first.row.projectId, kind: 'fix' } });
    // The next session's model answer replaces what the project knew (K1 is the only known learning).
    fake.responder = (req) => ({
      title: 'Empty carts now fail validation instead',
      request: 'Reject empty carts',
      investigated: '',
      learned: '',
      completed: '',
      nextSteps: '',
      ...(req.tools?.[0]?.input_schema.properties?.learnings
        ? {
            learnings: [
              {
                kind: 'fix',
                title: 'Empty carts are rejected with a 422 before totals are computed',
                body: 'Instead of defaulting items to [], loadCart rejects empty carts.',
                confidence: 0.9,
                sources: [Number(/^#(\d+) tool: Edit/m.exec(userText(req))?.[1] ?? 2)],
                supersedes: /^(K\d+) \[fix\]/m.exec(userText(req))?.[1],
              },
            ],
          }
        : {}),
    });
    const second = await runSession(claude, t.key, t.tenantId, 'shop-supersede', 0);
    assert.equal(second.result.status, 'completed');
    const replaced = await prisma.learning.findUniqueOrThrow({ where: { id: old.id }, include: { revisions: { orderBy: { revision: 'asc' } } } });
    assert.equal(replaced.status, 'superseded');
    assert.ok(replaced.validTo, 'validity ends');
    assert.ok(replaced.supersededById);
    assert.deepEqual(replaced.revisions.map((r) => r.reason), ['created', 'superseded']);
    const successor = await prisma.learning.findUniqueOrThrow({ where: { id: replaced.supersededById! } });
    assert.equal(successor.status, 'active');
    assert.match(successor.title, /rejected with a 422/);
  });
});

describe('outcome-aware extraction with Claude', () => {
  test('the prompt asks for dead ends and outcomes; a refuted attempt from the model is stored as a dead end', async () => {
    fake.reset();
    const t = await newTenant(prisma);
    // The model's answer: a short summary and, in the final call, a dead end and a confirmed fix.
    const learnings = (req: Parameters<typeof userText>[0]) => [
      {
        kind: 'dead_end',
        title: 'Defaulting items to [] in loadCart does not fix the 500',
        body: 'Tried defaulting items to []; the total route still failed because the cart id was undefined.',
        confidence: 0.7,
        outcome: 'refuted',
        sources: [Number(/^#(\d+) tool: Edit/m.exec(userText(req))?.[1] ?? 2)],
      },
      {
        kind: 'fix',
        title: 'The orders total needs the cart loaded before summing',
        body: 'Loading the cart first fixed the TypeError; the tests passed after.',
        confidence: 0.9,
        outcome: 'confirmed',
        sources: [Number(/^#(\d+) tool: Bash/m.exec(userText(req))?.[1] ?? 2)],
      },
    ];
    const empty = { investigated: '', learned: '', completed: '', nextSteps: '' };
    fake.responder = (req) => ({
      title: 'Tried to fix the cart total',
      request: 'Fix the 500',
      ...empty,
      ...(req.tools?.[0]?.input_schema.properties?.learnings ? { learnings: learnings(req) } : {}),
    });
    const { result } = await runSession(claude, t.key, t.tenantId, 'shop-outcome', 0);
    assert.equal(result.status, 'completed');
    const final = fake.requests.find((r) => r.body.tools?.[0]?.input_schema.properties?.learnings);
    assert.ok(final, 'a final call asked for learnings');
    assert.match(JSON.stringify(final.body.system), /dead_end/);
    assert.ok(final.body.tools![0]!.input_schema.properties!.learnings, 'the tool schema has learnings');
    assert.match(JSON.stringify(final.body.tools![0]!.input_schema), /"outcome"/);
    const rows = await prisma.learning.findMany({ where: { tenantId: t.tenantId } });
    const dead = rows.find((l) => l.kind === 'dead_end')!;
    assert.equal(dead.outcome, 'refuted');
    assert.equal(rows.find((l) => l.kind === 'fix')!.outcome, 'confirmed');
  });
});

describe('offline (no ANTHROPIC_API_KEY)', () => {
  test('the same session gets a sensible, marked summary and learnings from the timeline', async () => {
    const before = fake.requests.length;
    const t = await newTenant(prisma);
    const { result, row } = await runSession(offline, t.key, t.tenantId, 'shop-offline');
    assert.equal(result.status, 'completed');
    assert.equal(fake.requests.length, before, 'no network call');
    const final = await prisma.summary.findFirstOrThrow({ where: { sessionId: row.id, kind: 'final' } });
    assert.equal(final.offline, true);
    assert.equal(final.model, null);
    assert.match(final.title, /^\[offline\] GET \/api\/orders\/total returns a 500/);
    assert.match(final.investigated ?? '', /TypeError: Cannot read properties of undefined/);
    assert.match(final.completed ?? '', /src\/cart\/load\.ts/);
    const learnings = await prisma.learning.findMany({ where: { tenantId: t.tenantId }, orderBy: { kind: 'asc' } });
    assert.deepEqual(learnings.map((l) => l.kind).sort(), ['convention', 'decision', 'fix']);
    assert.ok((await assertLearningsCite(row.id)) === 3);
  });

  test('a learning restated in a later session is strengthened, not duplicated', async () => {
    const t = await newTenant(prisma);
    await runSession(offline, t.key, t.tenantId, 'shop-restate', 0);
    await runSession(offline, t.key, t.tenantId, 'shop-restate', 0);
    const learnings = await prisma.learning.findMany({ where: { tenantId: t.tenantId }, include: { revisions: true, sources: true } });
    assert.equal(learnings.length, 3, 'the same three learnings, not six');
    for (const l of learnings) {
      assert.equal(l.strength, 2);
      assert.deepEqual(l.revisions.map((r) => r.reason).sort(), ['created', 'restated']);
      assert.equal(l.sources.filter((s) => s.summaryId).length, 2, 'evidence from both sessions');
    }
  });
});

describe('sessions of one project ending together', () => {
  test('each merges its learnings in turn: every restatement counted once, no session left behind', async () => {
    const t = await newTenant(prisma);
    const sessions = 5;
    // The same three learnings from every session, all ending at once: each final summary waits
    // for the project's learnings lock between short transactions, never inside one.
    await Promise.all(Array.from({ length: sessions }, () => runSession(offline, t.key, t.tenantId, 'shop-together', 0)));
    const learnings = await prisma.learning.findMany({ where: { tenantId: t.tenantId }, include: { revisions: true, sources: true } });
    assert.equal(learnings.length, 3, 'the same three learnings, not fifteen');
    for (const l of learnings) {
      assert.equal(l.strength, sessions, `${l.title}: stated by every session`);
      assert.deepEqual(l.revisions.map((r) => r.reason).sort(), ['created', ...Array(sessions - 1).fill('restated')]);
      assert.equal(l.sources.filter((s) => s.summaryId).length, sessions, 'evidence from every session');
    }
    assert.equal(await prisma.summary.count({ where: { tenantId: t.tenantId, kind: 'final' } }), sessions);
  });
});

describe('workers busy with other sessions', () => {
  test('in-session summaries that wait too long for a worker are left to the end: the session still closes with every batch summarized', async () => {
    fake.reset();
    // One activity slot: a session whose summary takes 20 s holds it while another session works.
    // Token rounds are signalled at once (minStopIntervalMs), so B's batch is asked for while A's runs.
    const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('busy'), MEMFLOW_SUMMARY_BATCH_TOKENS: String(BATCH_TOKENS), MEMFLOW_WORKER_MAX_ACTIVITIES: '1', ...claudeEnv() });
    const busy = { api: await startTestApi(config, prisma, { tuning: { ...tuning, minStopIntervalMs: 200 } }), worker: await startTestWorker(config, prisma) };
    try {
      const t = await newTenant(prisma);
      const a = buildDebugSession(crypto.randomUUID(), '/home/dev/busy-a', 12);
      const b = buildDebugSession(crypto.randomUUID(), '/home/dev/busy-b', 12);
      const beforeStop = (s: typeof a) => s.deliveries.findIndex((d) => d.event === 'stop');
      fake.enqueue(behaviours.slow(20_000));
      await replay(busy.api.url, t.key, a.deliveries.slice(0, beforeStop(a)));
      await waitUntil(async () => fake.requests.length > 0, { what: "session A's first batch summary at the model", timeoutMs: 30_000, intervalMs: 100 });
      // B's observations pass a batch's worth of tokens while the only worker slot is taken.
      await replay(busy.api.url, t.key, b.deliveries.slice(0, beforeStop(b)));
      const rowB = await prisma.session.findFirstOrThrow({ where: { tenantId: t.tenantId, agentSessionId: b.sessionId } });
      const handle = client.workflow.getHandle(sessionWorkflowId(t.tenantId, rowB.projectId, b.sessionId));
      let gaveUp = false;
      await waitUntil(
        async () => {
          const history = await handle.fetchHistory();
          gaveUp = (history.events ?? []).some((e) => e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType === 2); // TIMEOUT_TYPE_SCHEDULE_TO_START
          return gaveUp;
        },
        { what: "session B's in-session summary giving up its wait for a worker", timeoutMs: 30_000, intervalMs: 250 },
      );
      assert.equal(fake.requests.filter((r) => userText(r.body).includes('/home/dev/busy-b')).length, 0, 'B reached no model call while the slot was taken');
      await Promise.all([replay(busy.api.url, t.key, a.deliveries.slice(beforeStop(a))), replay(busy.api.url, t.key, b.deliveries.slice(beforeStop(b)))]);
      for (const s of [a, b]) {
        const result = await sessionResult(client, prisma, t.tenantId, s.sessionId, 120_000);
        assert.equal(result.status, 'completed', `${s.sessionId} completed`);
      }
      // What B left during the session was summarized at its end: every observation in a batch, and a final summary.
      const observations = await prisma.observation.findMany({ where: { sessionId: rowB.id }, orderBy: { sequence: 'asc' } });
      const summaries = await prisma.summary.findMany({ where: { sessionId: rowB.id } });
      const batches = summaries.filter((x) => x.kind === 'batch').sort((x, y) => x.fromSequence - y.fromSequence);
      assert.ok(batches.length >= 2, `B's observations in several batches (${batches.length})`);
      assert.equal(batches[0]!.fromSequence, observations[0]!.sequence);
      assert.equal(batches.at(-1)!.toSequence, observations.at(-1)!.sequence, 'every observation of B is in a batch');
      assert.equal(summaries.filter((x) => x.kind === 'final').length, 1);
      await keepHistory('session-busy-workers', handle);
    } finally {
      await busy.api.close();
      await busy.worker.stop();
    }
  });
});

describe('activities on their own', () => {
  async function seedSession(p: PrismaClient) {
    const t = await newTenant(p);
    const project = await p.project.create({ data: { tenantId: t.tenantId, name: uniqueName('proj') } });
    const session = await p.session.create({ data: { tenantId: t.tenantId, projectId: project.id, agentSessionId: uniqueName('s') } });
    await p.observation.createMany({
      data: Array.from({ length: 4 }, (_, i) => ({
        tenantId: t.tenantId,
        projectId: project.id,
        sessionId: session.id,
        kind: i === 0 ? ('prompt' as const) : ('tool' as const),
        sequence: i + 1,
        title: i === 0 ? 'Speed up the report query' : `Read: src/report-${i}.ts`,
        text: 'x '.repeat(50),
        tokenCount: 60,
      })),
    });
    return { tenantId: t.tenantId, projectId: project.id, sessionId: session.id };
  }

  test('a retried batch reuses the stored summary instead of calling the model again', async () => {
    fake.reset();
    const ids = await seedSession(prisma);
    const acts = createSummarizeActivities({ prisma, config: { ...claude.config } });
    const env = new MockActivityEnvironment();
    const first: SummaryOutcome = await env.run(acts.summarizeBatch, { ...ids, afterSequence: 0, flush: true });
    const again: SummaryOutcome = await env.run(acts.summarizeBatch, { ...ids, afterSequence: 0, flush: true });
    assert.equal(first.status, 'done');
    assert.deepEqual(again, first);
    assert.equal(fake.requests.length, 1);
    assert.equal(await prisma.summary.count({ where: { sessionId: ids.sessionId } }), 1);
    assert.equal((await prisma.tokenUsage.findFirstOrThrow({ where: { tenantId: ids.tenantId } })).requests, 1);
  });

  test('credentials the API refuses fail the activity as non-retryable, without writing anything', async () => {
    fake.reset();
    fake.enqueue(behaviours.unauthorized());
    const ids = await seedSession(prisma);
    const acts = createSummarizeActivities({ prisma, config: { ...claude.config } });
    await assert.rejects(new MockActivityEnvironment().run(acts.summarizeBatch, { ...ids, afterSequence: 0, flush: true }), /LlmAuthFailed|401/);
    assert.equal(await prisma.summary.count({ where: { sessionId: ids.sessionId } }), 0);
  });
});
