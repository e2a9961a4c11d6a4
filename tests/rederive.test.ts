/**
 * Re-derivation (docs/rederivation.md) against the real stack: a project of 1,000 sessions whose raw
 * events and timeline are seeded in SQL and whose summaries and learnings were written by the
 * offline summarizer is derived again by Claude (the real SDK against the scripted Messages API).
 * The dry run's estimate comes first and changes nothing; bad requests change nothing; the run is
 * cancelled part-way and resumed (sessions already derived are not derived again); while it runs,
 * every session read answers with a summary (the old one until the swap, the new one after: never
 * none); the swap retires the old summaries (kept) and the learnings' revisions say what changed;
 * the estimate is within 10 % of the tokens the API reported. A second project shows the daily
 * budget pausing a run (no overspend) until it is raised.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { learningFingerprint } from '../activities/summarize/learning-merge.js';
import { offlineFinal } from '../activities/summarize/offline.js';
import { createVectorActivities, type VectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { summaryText } from '../activities/summarize/summary-prompt.js';
import type { Config } from '../common/server/config.js';
import { createApiKey } from '../common/server/tenants.js';
import { renderEvent } from '../common/rules/observation.js';
import { countTokens } from '../common/rules/tokens.js';
import { waitUntil } from '../infra/wait-until.js';
import type { DerivationView } from '../messages/rederive-api-v1.js';
import { temporalConnectionOptions } from '../common/server/temporal-connection.js';
import { runCli } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { FakeAnthropic, userText } from './helpers/fake-anthropic.js';
import { keepHistory } from './helpers/histories.js';
import { apiClient, callApi } from './helpers/http.js';

const SESSIONS = 1000;
const TOPICS = 20;
const fake = new FakeAnthropic();
const prisma = testPrisma();
let config: Config;
let api: TestApi;
let worker: TestWorker;
let temporal: Connection;
let client: Client;
let vectors: VectorActivities;

before(async () => {
  await fake.start();
  config = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueName('rederive'),
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
    ANTHROPIC_BASE_URL: fake.url,
    MEMFLOW_SUMMARY_MODEL: 'claude-haiku-4-5',
    MEMFLOW_FINAL_SUMMARY_MODEL: 'claude-sonnet-4-6',
    MEMFLOW_DAILY_TOKEN_BUDGET: '0',
    // The test reads sessions and searches without pause while the run goes on.
    MEMFLOW_RATE_LIMIT_PER_MINUTE: '0',
  });
  api = await startTestApi(config, prisma);
  worker = await startTestWorker(config, prisma);
  vectors = createVectorActivities({ prisma, config });
  temporal = await Connection.connect(temporalConnectionOptions(config));
  client = new Client({ connection: temporal, namespace: config.TEMPORAL_NAMESPACE });
});

after(async () => {
  await api?.close();
  await worker?.stop();
  await temporal?.close();
  await fake.stop();
  await prisma.$disconnect();
});

const call = (key: string, method: string, url: string, body?: unknown) => callApi(api.url, key, method, url, body);

type Event = { event: 'user-prompt-submit' | 'post-tool-use' | 'post-tool-use-failure' | 'stop'; payload: Record<string, unknown> };

/** The hook events of one session of topic `t`: a prompt, a Read, a failing test, an Edit, the test passing, Claude's answer. */
function sessionEvents(t: number, i: number): Event[] {
  const file = `src/billing/module${t}.ts`;
  const test = `npm test -- test/module${t}.test.ts`;
  const code = Array.from({ length: 30 }, (_, k) => `export function step${t}_${k}(amount: number): number { return Math.round(amount * ${k + 1}) / 100; }`).join('\n');
  return [
    { event: 'user-prompt-submit', payload: { prompt: `Fix the rounding bug in billing module ${t} that run ${i} reported: totals are off by one cent` } },
    { event: 'post-tool-use', payload: { tool_name: 'Read', tool_use_id: `r-${i}`, tool_input: { file_path: `/repo/${file}` }, tool_response: { type: 'text', file: { filePath: `/repo/${file}`, content: code } } } },
    {
      event: 'post-tool-use-failure',
      payload: { tool_name: 'Bash', tool_use_id: `b1-${i}`, tool_input: { command: test }, error: `FAIL test/module${t}.test.ts\n  AssertionError: expected ${1999 + t} to be ${2000 + t}\n    at Context.<anonymous> (test/module${t}.test.ts:14:10)\nTests: 1 failed, 11 passed, 12 total` },
    },
    { event: 'post-tool-use', payload: { tool_name: 'Edit', tool_use_id: `e-${i}`, tool_input: { file_path: `/repo/${file}`, old_string: 'Math.round(amount * 1) / 100', new_string: 'Math.round(amount * 100) / 100' }, tool_response: { filePath: `/repo/${file}` } } },
    { event: 'post-tool-use', payload: { tool_name: 'Bash', tool_use_id: `b2-${i}`, tool_input: { command: test }, tool_response: { stdout: 'PASS test/module.test.ts\nTests: 12 passed, 12 total', stderr: '', interrupted: false } } },
    { event: 'stop', payload: { last_assistant_message: `Fixed the rounding in ${file}: amounts are now rounded to cents; ${test} passes.` } },
  ];
}

const HOOK_ENUM: Record<Event['event'], string> = { 'user-prompt-submit': 'user-prompt-submit', 'post-tool-use': 'post-tool-use', 'post-tool-use-failure': 'post-tool-use-failure', stop: 'stop' };

/**
 * A project of `n` sessions as capture and the offline summarizer left it: raw events and their
 * timeline items (inserted in SQL, in bulk), each session's offline final summary, and the
 * project's offline learnings with their first revision.
 */
async function seedProject(tenantId: string, name: string, n: number) {
  const project = await prisma.project.create({ data: { tenantId, name } });
  const t0 = Date.now() - 3 * 86_400_000;
  const sessions = Array.from({ length: n }, (_, i) => ({ id: crypto.randomUUID(), agent: `agent-${name}-${i}`, startedAt: new Date(t0 + i * 60_000) }));
  await prisma.session.createMany({
    data: sessions.map((s) => ({ id: s.id, tenantId, projectId: project.id, agentSessionId: s.agent, status: 'completed' as const, startedAt: s.startedAt, endedAt: new Date(s.startedAt.getTime() + 50_000), eventCount: 6 })),
  });
  const ev = { id: [] as string[], session: [] as string[], event: [] as string[], seq: [] as number[], key: [] as string[], tool: [] as (string | null)[], payload: [] as string[], at: [] as string[] };
  const ob = { session: [] as string[], kind: [] as string[], seq: [] as number[], tool: [] as (string | null)[], toolUse: [] as (string | null)[], title: [] as string[], text: [] as string[], tokens: [] as number[], source: [] as string[], at: [] as string[] };
  type Item = { id: string; sequence: number; kind: string; toolName: string | null; title: string; text: string; tokenCount: number };
  const timelines = new Map<string, Item[]>();
  sessions.forEach((s, i) => {
    const items: Item[] = [];
    sessionEvents(i % TOPICS, i).forEach((e, k) => {
      const payload: Record<string, unknown> = { session_id: s.agent, cwd: '/repo', hook_event_name: e.event, ...e.payload };
      const id = crypto.randomUUID();
      const at = new Date(s.startedAt.getTime() + k * 5000).toISOString();
      const o = renderEvent(e.event, payload)!;
      const row = { id, session: s.id, event: HOOK_ENUM[e.event], seq: k + 1, key: `${s.id}:${k + 1}`, tool: (payload.tool_name as string | undefined) ?? null, payload: JSON.stringify(payload), at };
      for (const f of Object.keys(ev) as (keyof typeof ev)[]) (ev[f] as unknown[]).push(row[f]);
      const item = { session: s.id, kind: o.kind, seq: k + 1, tool: o.toolName ?? null, toolUse: o.toolUseId ?? null, title: o.title, text: o.text, tokens: countTokens(o.text), source: id, at };
      for (const f of Object.keys(ob) as (keyof typeof ob)[]) (ob[f] as unknown[]).push(item[f]);
      items.push({ id, sequence: k + 1, kind: o.kind, toolName: o.toolName ?? null, title: o.title, text: o.text, tokenCount: countTokens(o.text) });
    });
    timelines.set(s.id, items);
  });
  await prisma.$executeRawUnsafe(
    `INSERT INTO hook_events (id, tenant_id, project_id, session_id, event, sequence, idempotency_key, tool_name, payload, original_bytes, received_at, processed_at)
     SELECT e.id, $1::uuid, $2::uuid, e.session_id, e.event::hook_event_name, e.seq, e.key, e.tool, e.payload::jsonb, length(e.payload), e.at, e.at
       FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::timestamptz[]) AS e(id, session_id, event, seq, key, tool, payload, at)`,
    tenantId, project.id, ev.id, ev.session, ev.event, ev.seq, ev.key, ev.tool, ev.payload, ev.at,
  );
  await prisma.$executeRawUnsafe(
    `INSERT INTO observations (tenant_id, project_id, session_id, kind, sequence, tool_name, tool_use_id, title, text, token_count, source_event_ids, created_at)
     SELECT $1::uuid, $2::uuid, o.session_id, o.kind::observation_kind, o.seq, o.tool, o.tool_use, o.title, o.text, o.tokens, ARRAY[o.source], o.at
       FROM unnest($3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::uuid[], $12::timestamptz[]) AS o(session_id, kind, seq, tool, tool_use, title, text, tokens, source, at)`,
    tenantId, project.id, ob.session, ob.kind, ob.seq, ob.tool, ob.toolUse, ob.title, ob.text, ob.tokens, ob.source, ob.at,
  );
  // What the offline summarizer made of them: a final summary per session, learnings per project.
  const learnings = new Map<string, { kind: string; title: string; body: string; n: number }>();
  const summaries = sessions.map((s) => {
    const answer = offlineFinal(timelines.get(s.id)!);
    for (const l of answer.learnings) {
      const fp = learningFingerprint(l.kind, l.title);
      const prev = learnings.get(fp);
      if (prev) prev.n++;
      else learnings.set(fp, { kind: l.kind, title: l.title, body: l.body, n: 1 });
    }
    const text = summaryText(answer);
    return {
      tenantId, projectId: project.id, sessionId: s.id, kind: 'final' as const, title: answer.title, request: answer.request || null, investigated: answer.investigated || null,
      completed: answer.completed || null, nextSteps: answer.nextSteps || null, text, tokenCount: countTokens(text), offline: true, fromSequence: 1, toSequence: 6, observationCount: 6,
      createdAt: new Date(s.startedAt.getTime() + 60_000),
    };
  });
  await prisma.summary.createMany({ data: summaries });
  // Their objects in Weaviate, as the session workflows' vector sync left them.
  const ids = (await prisma.summary.findMany({ where: { projectId: project.id }, select: { id: true } })).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 250) await vectors.syncRecordVectors({ tenantId, recordType: 'summary', ids: ids.slice(i, i + 250) });
  for (const [fingerprint, l] of learnings) {
    const row = await prisma.learning.create({ data: { tenantId, projectId: project.id, kind: l.kind as 'fix', title: l.title, body: l.body, fingerprint, strength: l.n, createdAt: new Date(t0) } });
    await prisma.learningRevision.create({ data: { learningId: row.id, revision: 1, kind: row.kind, title: row.title, body: row.body, confidence: row.confidence, status: 'active', strength: row.strength, reason: 'created' } });
  }
  return { projectId: project.id, sessions, learnings: learnings.size };
}

async function derivation(key: string, id: string): Promise<DerivationView> {
  return apiClient(api.url, key).derivation(id);
}

async function waitFor(key: string, id: string, what: string, ok: (d: DerivationView) => boolean, timeoutMs = 120_000): Promise<DerivationView> {
  let d: DerivationView | undefined;
  await waitUntil(async () => ok((d = await derivation(key, id))), { what: `derivation ${id} ${what}`, timeoutMs, intervalMs: 100 });
  return d!;
}

test('1,000 sessions re-derived by Claude: estimate, cancel, resume, served without a gap, swapped atomically', async () => {
  const admin = await newTenant(prisma, 'admin');
  const { key: member } = await createApiKey(prisma, admin.name, { role: 'member' });
  const other = await newTenant(prisma, 'admin');
  const name = uniqueName('rederive');
  const t0 = Date.now();
  const lap = (what: string) => console.log(`rederive: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const seeded = await seedProject(admin.tenantId, name, SESSIONS);
  lap('seeded');
  const agentIds = seeded.sessions.map((s) => s.agent);
  const served = () => prisma.summary.groupBy({ by: ['derivationId'], where: { projectId: seeded.projectId }, _count: true });

  // Bad requests are refused with a 4xx and change nothing.
  const bad: [string, string, string, unknown, number][] = [
    [member, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude' }, 403],
    [admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'gpt' }, 400],
    [admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude', pageSize: 0 }, 400],
    [admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude', extra: 1 }, 400],
    [admin.key, 'POST', `/v1/projects/no-such-project/rederive`, { summarizer: 'claude' }, 404],
    [other.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude' }, 404],
    [admin.key, 'GET', `/v1/derivations/not-a-uuid`, undefined, 400],
    [admin.key, 'POST', `/v1/derivations/${crypto.randomUUID()}/cancel`, {}, 404],
  ];
  for (const [key, method, url, body, status] of bad) {
    const res = await call(key, method, url, body);
    assert.equal(res.status, status, `${method} ${url} ${JSON.stringify(body)}: ${res.text}`);
    assert.ok(res.body.error, 'the one error shape');
  }
  assert.equal(await prisma.derivation.count({ where: { projectId: seeded.projectId } }), 0, 'a refused request created no derivation');

  // The dry run: the estimate, and nothing derived, called or changed.
  const dry = await call(admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude', dryRun: true });
  assert.equal(dry.status, 200, dry.text);
  const estimate = dry.body as unknown as DerivationView;
  lap('estimated');
  assert.equal(estimate.status, 'estimated');
  assert.equal(estimate.sessionsTotal, SESSIONS);
  assert.equal(estimate.model, 'claude-sonnet-4-6');
  assert.ok(estimate.estimate.tokens > SESSIONS * 500, `an estimate of real size: ${estimate.estimate.tokens}`);
  assert.ok(estimate.estimate.costUsd > 0);
  assert.equal(fake.requests.length, 0, 'a dry run calls no model');
  assert.equal(await prisma.derivedSession.count({ where: { derivationId: estimate.id } }), 0);

  // The run, watched from the outside: every read of a session finds a summary, before, during and after the swap.
  const started = await call(admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude', pageSize: 5 });
  assert.equal(started.status, 202, started.text);
  const id = String(started.body.id);
  assert.equal((await call(admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'offline' })).status, 409, 'one derivation of a project runs at a time');
  let watching = true;
  const seen = { reads: 0, old: 0, fresh: 0, missing: [] as string[], searchEmpty: 0, semanticEmpty: 0, contextEmpty: 0, errors: [] as string[] };
  const watcher = (async () => {
    let k = 0;
    while (watching) {
      // A reader every 100 ms or so, not a busy loop: the machine has two cores for the API, the worker and this.
      await sleep(100);
      const agent = agentIds[(k++ * 37) % SESSIONS]!;
      const s = await call(member, 'GET', `/v1/sessions/${agent}?project=${name}`);
      seen.reads++;
      if (s.status !== 200) seen.errors.push(`session ${s.status}: ${s.text}`);
      const summary = s.body.summary as string | null;
      if (!summary) seen.missing.push(agent);
      else if (summary.startsWith('[offline]')) seen.old++;
      else seen.fresh++;
      const found = await call(member, 'GET', `/v1/search?q=rounding%20billing&project=${name}&mode=keyword&types=summary&limit=5`);
      if (found.status !== 200) seen.errors.push(`search ${found.status}: ${found.text}`);
      else if ((found.body.results as unknown[]).length === 0) seen.searchEmpty++;
      // The vector leg alone: Weaviate holds the old objects until the new text is embedded under the same ids.
      const similar = await call(member, 'GET', `/v1/search?q=rounding%20bug%20billing%20module&project=${name}&mode=semantic&types=summary&limit=5`);
      if (similar.status !== 200) seen.errors.push(`semantic search ${similar.status}: ${similar.text}`);
      else if ((similar.body.results as unknown[]).length === 0) seen.semanticEmpty++;
      // The start context a new session gets: its recent summaries, old or new, never none.
      const context = await call(member, 'GET', `/v1/context?project=${name}&tokens=800`);
      if (context.status !== 200) seen.errors.push(`context ${context.status}: ${context.text}`);
      else if ((context.body.items as unknown[]).length === 0) seen.contextEmpty++;
    }
  })();

  // Cancel part-way: what is served stays the old derivation, untouched.
  await waitFor(admin.key, id, 'past 150 sessions', (d) => d.sessionsDone >= 150);
  const cancelCli = await runCli(['rederive', 'cancel', id], { env: { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: admin.key } });
  assert.equal(cancelCli.code, 0, cancelCli.stderr);
  assert.match(cancelCli.stdout, /cancelling derivation .*; the served derivation stays/);
  const cancelled = await waitFor(admin.key, id, 'cancelled', (d) => d.status === 'cancelled');
  lap('cancelled');
  assert.ok(cancelled.sessionsDone >= 150 && cancelled.sessionsDone < SESSIONS, `cancelled part-way: ${cancelled.sessionsDone}`);
  assert.deepEqual((await served()).map((g) => [g.derivationId, g._count]), [[null, SESSIONS]], 'the old summaries are still the ones served');
  // The page in flight when the cancel came may still finish: its sessions are staged, not served.
  const stagedAtCancel = await prisma.derivedSession.count({ where: { derivationId: id } });
  assert.ok(stagedAtCancel >= cancelled.sessionsDone && stagedAtCancel <= cancelled.sessionsDone + 5, `staged ${stagedAtCancel}, counted ${cancelled.sessionsDone}`);
  assert.equal((await call(admin.key, 'POST', `/v1/derivations/${id}/cancel`, {})).status, 409, 'a cancelled derivation is not cancelled again');

  // The CLI shows it; resume it from the CLI and follow it to the end.
  const cliEnv = { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: admin.key };
  const list = await runCli(['rederive', 'list', name], { env: cliEnv });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${id}\\s+cancelled\\s+claude claude-sonnet-4-6\\s+\\d+/${SESSIONS}`));
  const resumed = await runCli(['rederive', 'resume', id, '--wait', '--page-size', '8'], { env: cliEnv });
  assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.match(resumed.stderr, /building: \d[\d,]*\/1,000 sessions \(\d+ %\)/, 'progress lines while it runs');
  assert.match(resumed.stdout, /active: 1,000\/1,000 sessions/);
  watching = false;
  await watcher;
  lap('active');
  console.log(`rederive: reads during the run: ${JSON.stringify({ ...seen, missing: seen.missing.length, errors: seen.errors.length })}`);

  const done = await derivation(admin.key, id);
  assert.equal(done.status, 'active');
  assert.equal(done.sessionsDone, SESSIONS);
  // Nothing derived twice: one model call per session, across the cancel and the resume.
  assert.equal(fake.answered.length, SESSIONS, 'one call per session');
  assert.equal(await prisma.derivedSession.count({ where: { derivationId: id } }), SESSIONS);

  // Served without a gap: every read found a summary; the old ones until the swap, the new ones after.
  assert.deepEqual(seen.errors.slice(0, 3), [], 'every read answered');
  assert.deepEqual(seen.missing, [], `reads that found no summary (of ${seen.reads})`);
  assert.equal(seen.searchEmpty, 0, 'keyword search always answered');
  assert.equal(seen.semanticEmpty, 0, 'semantic search always answered');
  assert.equal(seen.contextEmpty, 0, 'the start context always had items');
  assert.ok(seen.old > 0 && seen.reads > 20, `reads during the run: ${JSON.stringify(seen)}`);
  const after1 = await call(member, 'GET', `/v1/sessions/${agentIds[0]}?project=${name}`);
  assert.match(String(after1.body.summary), /^Worked on: Fix the rounding bug/);

  // The swap: every session's summary is the new derivation's; the old ones are kept, retired.
  assert.deepEqual((await served()).map((g) => [g.derivationId, g._count]), [[id, SESSIONS]]);
  const retired = await prisma.derivedSession.findFirstOrThrow({ where: { derivationId: id } });
  assert.match(JSON.stringify(retired.retired), /\[offline\]/, 'the replaced summary is kept');
  assert.ok(done.changes && done.changes.summariesReplaced === SESSIONS, JSON.stringify(done.changes));

  // Learnings: the offline ones not derived again are superseded, the new ones created; each revision says why.
  const revisions = await prisma.learningRevision.findMany({ where: { learning: { projectId: seeded.projectId }, reason: 're-derived' }, include: { learning: true } });
  const superseded = revisions.filter((r) => r.status === 'superseded');
  const created = revisions.filter((r) => r.note?.includes(': new, stated by'));
  assert.equal(superseded.length, seeded.learnings, 'every offline learning is accounted for');
  assert.ok(superseded.every((r) => r.note!.includes('re-derived by claude claude-sonnet-4-6') && r.note!.includes('was the live summarizer')), superseded[0]?.note ?? '');
  assert.equal(created.length, TOPICS, 'one learning per topic, stated by its sessions');
  assert.ok(created.every((r) => r.learning.strength === SESSIONS / TOPICS && r.learning.status === 'active'));
  const learnings = await apiClient(api.url, member).learnings({ project: name, limit: 100 });
  assert.equal(learnings.items.length, TOPICS, 'the active learnings are the new derivation\'s');
  // The start context is the new derivation's: its learnings, none of the superseded ones.
  const context = String((await call(member, 'GET', `/v1/context?project=${name}&tokens=800`)).body.context);
  assert.match(context, /passes after fixing src\/billing\/module\d+\.ts/);
  for (const r of superseded) assert.ok(!context.includes(r.learning.title), `superseded learning in the context: ${r.learning.title}`);

  // The estimate against what the API measured (the fake reports usage as the API does).
  const measured = fake.answered.reduce((sum, r) => sum + r.usage!.input_tokens + r.usage!.output_tokens + r.usage!.cache_creation_input_tokens + r.usage!.cache_read_input_tokens, 0);
  assert.equal(done.measured.tokens, measured, 'the derivation counts what the API reported');
  const error = Math.abs(done.estimate.tokens - measured) / measured;
  console.log(`rederive: estimate ${done.estimate.tokens} tokens, measured ${measured} (${(100 * error).toFixed(2)} % off); $${done.estimate.costUsd.toFixed(4)} estimated, $${done.measured.costUsd.toFixed(4)} measured`);
  assert.ok(error <= 0.1, `estimate within 10 %: ${(100 * error).toFixed(2)} %`);
  const usage = await prisma.tokenUsage.findMany({ where: { tenantId: admin.tenantId } });
  assert.equal(usage.reduce((s, u) => s + Number(u.tokensIn + u.tokensOut + u.cacheReadTokens + u.cacheWriteTokens), 0), measured, 'the daily budget saw every token');

  // Weaviate follows: the new summaries are found by meaning, the retired ones are gone.
  const semantic = await call(member, 'GET', `/v1/search?q=rounding%20bug%20billing%20module&project=${name}&mode=semantic&types=summary&limit=10`);
  assert.equal(semantic.status, 200, semantic.text);
  const hits = semantic.body.results as { id: string; title: string }[];
  assert.ok(hits.length > 0 && hits.every((h) => h.title.startsWith('Worked on:')), JSON.stringify(hits.slice(0, 3)));

  // The workflow continued as new on the way (pageSize 5: 200 pages) and its history replays.
  lap('checked');
  const handle = client.workflow.getHandle(String(done.jobId));
  const history = await handle.fetchHistory();
  assert.ok(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId, 'the last run continued an earlier one');
  await keepHistory('rederive-project', handle);
});

test('the daily budget pauses a run instead of overspending; raised, the run completes; an offline derivation retires it', async () => {
  const admin = await newTenant(prisma, 'admin');
  const name = uniqueName('rederive-budget');
  await seedProject(admin.tenantId, name, 30);
  const calls = () => fake.answered.filter((r) => userText(r.body).startsWith(`Project: ${name}\n`)).length;
  // Room for about ten calls today.
  const dry = (await call(admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude', dryRun: true })).body as unknown as DerivationView;
  const budget = Math.round(dry.estimate.tokens / 3);
  await prisma.tenant.update({ where: { id: admin.tenantId }, data: { dailyTokenBudget: budget } });
  const started = await call(admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'claude', pageSize: 4, budgetRecheckSeconds: 1 });
  assert.equal(started.status, 202, started.text);
  const id = String(started.body.id);
  const paused = await waitFor(admin.key, id, 'paused', (d) => d.status === 'paused');
  assert.ok(paused.pausedUntil, 'it says when it tries again');
  assert.ok(paused.sessionsDone > 0 && paused.sessionsDone < 30, `paused part-way: ${paused.sessionsDone}`);
  const [usage] = await prisma.tokenUsage.findMany({ where: { tenantId: admin.tenantId } });
  const spent = Number(usage!.tokensIn + usage!.tokensOut + usage!.cacheReadTokens + usage!.cacheWriteTokens);
  assert.ok(spent <= budget, `no overspend: ${spent} of ${budget}`);
  assert.equal(calls(), paused.sessionsDone, 'no call was made that the budget could not pay for');
  // An operator raises the budget: the run goes on from where it paused.
  await prisma.tenant.update({ where: { id: admin.tenantId }, data: { dailyTokenBudget: null } });
  const done = await waitFor(admin.key, id, 'active', (d) => d.status === 'active');
  assert.equal(done.sessionsDone, 30);
  assert.equal(calls(), 30, 'one call per session, none lost to the pause');

  // Back to the offline summarizer: the Claude derivation is retired, and the learnings say so.
  const offline = await call(admin.key, 'POST', `/v1/projects/${name}/rederive`, { summarizer: 'offline' });
  assert.equal(offline.status, 202, offline.text);
  const back = await waitFor(admin.key, String(offline.body.id), 'active', (d) => d.status === 'active');
  assert.deepEqual([back.model, back.estimate.tokens, back.measured.tokens, back.sessionsDone], [null, 0, 0, 30], 'the offline summarizer costs nothing');
  assert.equal((await derivation(admin.key, id)).status, 'retired');
  const summaries = await prisma.summary.findMany({ where: { project: { name } }, select: { title: true, derivationId: true, offline: true } });
  assert.ok(summaries.length === 30 && summaries.every((x) => x.derivationId === back.id && x.offline && x.title.startsWith('[offline]')));
  const notes = (await prisma.learningRevision.findMany({ where: { learning: { project: { name } }, changedBy: `derivation:${back.id}` } })).map((r) => `${r.status}: ${r.note}`);
  assert.ok(notes.some((n) => /^active: re-derived by offline \(prompt [\w-]+\), was claude claude-sonnet-4-6 \(prompt [\w-]+\): derived again, active again/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /^superseded: re-derived by offline .*not derived again from the same sessions, superseded$/.test(n)), notes.join('\n'));
  const list = (await apiClient(api.url, admin.key).derivations(name)).items.map((d) => `${d.summarizer}:${d.status}`);
  assert.deepEqual(list, ['offline:active', 'claude:retired', 'claude:estimated']);
});
