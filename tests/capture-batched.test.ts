/**
 * Batched capture against the real stack: the API's group commit, capture after the answer and the
 * outbox of session signals. A completed session stays completed (no run started by a trailing
 * signal), a genuinely late event is stored and its run closes within seconds, a burst of concurrent
 * hooks of many sessions is stored exactly once in order, a session costs Temporal a signal per turn,
 * and a revoked key is refused on its very next hook although keys are cached.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { createIngestBatcher, KEY_REVOKED, type IngestInput } from '../api/capture/ingest.js';
import { claimOwed, overdueOwed, releaseOwed, settleOwed } from '../api/capture/dispatch.js';
import { createPgPool } from '../common/server/pg.js';
import { revokeApiKey } from '../common/server/tenants.js';
import { waitUntil } from '../infra/wait-until.js';
import { sessionWorkflowId } from '../messages/workflows-v1/session.js';
import { buildSession } from './fixtures/claude-sessions.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { keepHistory } from './helpers/histories.js';
import { assertStoredOnce, postHook, replay } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const LATE_IDLE_MS = 1500;
const stack = withTestStack('batched', { api: { tuning: { flushDelayMs: 50, idleTimeoutMs: 300_000, lateIdleMs: LATE_IDLE_MS }, redispatch: { graceMs: 500, intervalMs: 300 } } });
const { prisma } = stack;
let tenant: Awaited<ReturnType<typeof newTenant>>;

before(async () => {
  tenant = await newTenant(prisma);
});

const cwd = () => `/nonexistent/${uniqueName('batched')}`;

async function handleOf(agentSessionId: string) {
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId } });
  return stack.temporal.workflow.getHandle(sessionWorkflowId(tenant.tenantId, row.projectId, agentSessionId));
}

/** Every run of the session's workflow: [runId, status]. */
async function runsOf(agentSessionId: string): Promise<{ runId: string; status: string }[]> {
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId } });
  const id = sessionWorkflowId(tenant.tenantId, row.projectId, agentSessionId);
  const runs: { runId: string; status: string }[] = [];
  for await (const wf of stack.temporal.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push({ runId: wf.runId, status: wf.status.name });
  return runs;
}

async function completed(agentSessionId: string, timeoutMs = 60_000): Promise<string> {
  let runId = '';
  await waitUntil(
    async () => {
      try {
        const d = await (await handleOf(agentSessionId)).describe();
        runId = d.runId;
        return d.status.name === 'COMPLETED';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    { what: `session ${agentSessionId} completed`, timeoutMs, intervalMs: 100 },
  );
  return runId;
}

test('a completed session stays completed: nothing after its end starts another run', async () => {
  const s = buildSession(crypto.randomUUID(), cwd(), 6);
  await replay(stack.api.url, tenant.key, s.deliveries);
  const runId = await completed(s.sessionId);
  await assertStoredOnce(prisma, tenant.tenantId, s);
  // Every trailing signal has been sent once the outbox owes the session nothing: a run started by
  // one of them would exist by then.
  const sessionId = (await prisma.session.findFirstOrThrow({ where: { agentSessionId: s.sessionId } })).id;
  await waitUntil(async () => (await prisma.sessionSignal.count({ where: { sessionId } })) === 0, { what: 'no signal owed', timeoutMs: 30_000, intervalMs: 100 });
  const runs = await runsOf(s.sessionId);
  assert.deepEqual(runs, [{ runId, status: 'COMPLETED' }], 'one run, completed');
  await keepHistory('session-batched-capture', stack.temporal.workflow.getHandle((await handleOf(s.sessionId)).workflowId, runId));
});

test('a late event after the end is stored and its run closes within seconds, not at the idle timeout', async () => {
  const s = buildSession(crypto.randomUUID(), cwd(), 3);
  await replay(stack.api.url, tenant.key, s.deliveries);
  const first = await completed(s.sessionId);
  const late = { event: 'user-prompt-submit' as const, body: { ...s.deliveries[1]!.body, prompt: 'one more thing, delivered late from the spool' } };
  assert.equal((await postHook(stack.api.url, tenant.key, late)).status, 200);
  await waitUntil(async () => (await runsOf(s.sessionId)).length === 2 && (await runsOf(s.sessionId)).every((r) => r.status === 'COMPLETED'), {
    what: 'the late run completed', timeoutMs: 20_000, intervalMs: 200,
  });
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: s.sessionId } });
  assert.equal(row.status, 'completed');
  const prompts = await prisma.prompt.findMany({ where: { sessionId: row.id }, orderBy: { ordinal: 'asc' } });
  assert.equal(prompts.at(-1)?.text, 'one more thing, delivered late from the spool');
  assert.equal(await prisma.hookEvent.count({ where: { sessionId: row.id, processedAt: null } }), 0);
  const lateRun = (await runsOf(s.sessionId)).find((r) => r.runId !== first)?.runId;
  assert.ok(lateRun);
  await keepHistory('session-batched-late', stack.temporal.workflow.getHandle((await handleOf(s.sessionId)).workflowId, lateRun));
});

test('concurrent hooks of many sessions (with repeats) are stored once each, in order, and cost a signal per turn', async () => {
  const sessions = Array.from({ length: 12 }, () => buildSession(crypto.randomUUID(), cwd(), 15));
  // All sessions at once, each in order; every third tool result delivered twice, concurrently.
  await Promise.all(
    sessions.map(async (s) => {
      for (const [i, d] of s.deliveries.entries()) {
        const sends = d.event === 'post-tool-use' && i % 3 === 0 ? [postHook(stack.api.url, tenant.key, d), postHook(stack.api.url, tenant.key, d)] : [postHook(stack.api.url, tenant.key, d)];
        for (const r of await Promise.all(sends)) assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    }),
  );
  for (const s of sessions) {
    await completed(s.sessionId);
    await assertStoredOnce(prisma, tenant.tenantId, s);
    const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: s.sessionId } });
    const seqs = (await prisma.hookEvent.findMany({ where: { sessionId: row.id }, orderBy: { sequence: 'asc' }, select: { sequence: true, event: true } }));
    assert.deepEqual(seqs.map((e) => e.sequence), seqs.map((_, i) => i + 1), 'sequences 1..n without gaps');
    assert.equal(seqs[0]!.event, 'session_start');
    assert.equal(seqs.at(-1)!.event, 'session_end');
    // Far fewer signals than events: a start, a stop and an end, at most a few more.
    const history = await (await handleOf(s.sessionId)).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    assert.ok(signals <= 6, `${signals} signals for ${s.deliveries.length} events`);
  }
});

test('POST /v1/hooks:batch stores a session\'s events in the order sent, once; a bad event is refused alone; a faulty batch stores nothing', async () => {
  const s = buildSession(crypto.randomUUID(), cwd(), 9);
  const project = uniqueName('batch');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-memflow-project': project };
  const keyOf = (i: number) => `${s.sessionId}:${i}`;
  const single = async (i: number) => {
    const d = s.deliveries[i]!;
    const res = await fetch(`${stack.api.url}/v1/hooks/${d.event}`, { method: 'POST', headers: { ...headers, 'idempotency-key': keyOf(i) }, body: JSON.stringify(d.body) });
    assert.equal(res.status, 200, await res.text());
  };
  const batch = async (events: unknown[]) => {
    const res = await fetch(`${stack.api.url}/v1/hooks:batch`, { method: 'POST', headers, body: JSON.stringify({ events }) });
    return { status: res.status, body: (await res.json()) as { results?: { status: number; duplicate?: boolean; error?: { code: string; message: string } }[]; error?: { code: string; message: string } } };
  };
  const asSent = (i: number) => ({ event: s.deliveries[i]!.event, payload: s.deliveries[i]!.body, idempotencyKey: keyOf(i) });
  assert.equal(s.deliveries[0]!.event, 'session-start');
  assert.equal(s.deliveries[1]!.event, 'user-prompt-submit');
  // The start and the prompt are answered with memory: one by one. Then the tool calls in a batch, with a bad event
  // and a prompt among them (each refused alone, as /v1/hooks/{event} would refuse it).
  await single(0);
  await single(1);
  const cut = s.deliveries.length - 4;
  const middle = Array.from({ length: cut - 2 }, (_, k) => asSent(k + 2));
  const bad = { event: 'post-tool-use', payload: { session_id: s.sessionId, cwd: '/tmp' }, idempotencyKey: `${s.sessionId}:bad` };
  const prompt = { ...asSent(1), idempotencyKey: `${s.sessionId}:prompt-again` };
  const first = await batch([...middle.slice(0, 3), bad, prompt, ...middle.slice(3)]);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const results = first.body.results!;
  assert.equal(results.length, middle.length + 2);
  assert.deepEqual(results[3], { status: 400, error: { code: 'invalid_payload', message: 'events[3]: tool_name: tool_name is required for post-tool-use' } });
  assert.equal(results[4]!.status, 400);
  assert.match(results[4]!.error!.message, /^events\[4\]: event: user-prompt-submit is answered with memory/);
  assert.deepEqual(results.filter((r, k) => k !== 3 && k !== 4).map((r) => [r.status, r.duplicate]), middle.map(() => [200, false]));
  // The same batch again (a lost answer): every event it stored is answered as stored before, none stored twice.
  const again = await batch([...middle.slice(0, 3), bad, prompt, ...middle.slice(3)]);
  assert.deepEqual(again.body.results!.filter((r, k) => k !== 3 && k !== 4).map((r) => [r.status, r.duplicate]), middle.map(() => [200, true]));
  // A faulty batch is refused as a whole, naming the problem, and stores nothing of it.
  const rest = Array.from({ length: s.deliveries.length - cut }, (_, k) => asSent(cut + k));
  const noProject = await fetch(`${stack.api.url}/v1/hooks:batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` }, body: JSON.stringify({ events: rest }) });
  assert.equal(noProject.status, 400);
  assert.match(await noProject.text(), /X-Memflow-Project: required on a batch/);
  for (const [body, field] of [
    [{ events: [] }, /events: /],
    [{ events: Array.from({ length: 101 }, () => rest[0]) }, /events: /],
    [{ events: rest, extra: 1 }, /extra/],
    [{ events: [{ ...rest[0], payload: 'text' }] }, /events\.0\.payload/],
  ] as const) {
    const res = await fetch(`${stack.api.url}/v1/hooks:batch`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.match(text, field);
  }
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: s.sessionId } });
  assert.equal(await prisma.hookEvent.count({ where: { sessionId: row.id } }), cut, 'nothing of the refused batches stored');
  // The rest (the turn's end and the session's) in a batch: the session is complete, in order, each event once.
  const last = await batch(rest);
  assert.deepEqual(last.body.results!.map((r) => r.status), rest.map(() => 200));
  await completed(s.sessionId);
  await assertStoredOnce(prisma, tenant.tenantId, s);
  const stored = await prisma.hookEvent.findMany({ where: { sessionId: row.id }, orderBy: { sequence: 'asc' }, select: { sequence: true, event: true, toolUseId: true } });
  assert.deepEqual(stored.map((e) => e.sequence), stored.map((_, i) => i + 1), 'sequences 1..n without gaps');
  assert.deepEqual(
    stored.map((e) => `${e.event}:${e.toolUseId ?? ''}`),
    s.deliveries.map((d) => `${d.event.replace(/-/g, '_')}:${(d.body as { tool_use_id?: string }).tool_use_id ?? ''}`),
    'stored in the order sent',
  );
});

test('a revoked key is refused on its very next hook, although hook keys are cached', async () => {
  const own = await newTenant(prisma);
  const s = buildSession(crypto.randomUUID(), cwd(), 2);
  await replay(stack.api.url, own.key, s.deliveries.slice(0, 3)); // the key is cached now
  const keyRow = await prisma.apiKey.findFirstOrThrow({ where: { tenantId: own.tenantId, revokedAt: null } });
  assert.equal(await revokeApiKey(prisma, keyRow.id), true);
  const refused = await postHook(stack.api.url, own.key, s.deliveries[3]!);
  assert.equal(refused.status, 401, JSON.stringify(refused.body));
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: own.tenantId, agentSessionId: s.sessionId } });
  assert.equal(await prisma.hookEvent.count({ where: { sessionId: row.id } }), 3, 'nothing stored with the revoked key');
});

test('statements racing to create the same new project all land in it, each event once', async () => {
  // One event per statement, four statements in flight: all but one find the project created by a
  // concurrent statement after their snapshot, and write their event again in the next one.
  const pool = createPgPool(stack.config.DATABASE_URL);
  try {
    const batcher = createIngestBatcher(pool, { maxBatch: 1, maxConcurrent: 4 });
    const keyRow = await prisma.apiKey.findFirstOrThrow({ where: { tenantId: tenant.tenantId, revokedAt: null } });
    const projectName = uniqueName('race');
    const inputs: IngestInput[] = Array.from({ length: 16 }, (_, n) => ({
      tenantId: tenant.tenantId,
      keyId: keyRow.id,
      projectName,
      event: 'session-end',
      agentSessionId: crypto.randomUUID(),
      idempotencyKey: `${projectName}:${n}`,
      payloadJson: JSON.stringify({ hook_event_name: 'SessionEnd', reason: 'other' }),
      originalBytes: 40,
      truncated: false,
    }));
    const outcomes = await Promise.all(inputs.map((i) => batcher.ingest(i)));
    const projects = await prisma.project.findMany({ where: { tenantId: tenant.tenantId, name: projectName } });
    assert.equal(projects.length, 1, 'one project');
    for (const o of outcomes) {
      assert.notEqual(o, KEY_REVOKED);
      if (o === KEY_REVOKED) continue;
      assert.equal(o.duplicate, false);
      assert.equal(o.projectId, projects[0]!.id);
    }
    assert.equal(await prisma.hookEvent.count({ where: { projectId: projects[0]!.id } }), inputs.length, 'each event once');
    // Delivered again, every one is a duplicate of the stored event.
    const again = await Promise.all(inputs.map((i) => batcher.ingest(i)));
    assert.deepEqual(again.map((o) => o !== KEY_REVOKED && o.duplicate), inputs.map(() => true));
  } finally {
    await pool.end();
  }
});

test("one request's events (ingestAll) are never split over two statements: one session's events numbered in the order given", async () => {
  // Statements of at most 2 events, 2 in flight: a group of 9 split over statements could be numbered out of order.
  const pool = createPgPool(stack.config.DATABASE_URL);
  try {
    const batcher = createIngestBatcher(pool, { maxBatch: 2, maxConcurrent: 2 });
    const keyRow = await prisma.apiKey.findFirstOrThrow({ where: { tenantId: tenant.tenantId, revokedAt: null } });
    const projectName = uniqueName('group');
    const input = (agentSessionId: string, n: number): IngestInput => ({
      tenantId: tenant.tenantId,
      keyId: keyRow.id,
      projectName,
      event: 'notification',
      agentSessionId,
      idempotencyKey: `${agentSessionId}:${n}`,
      payloadJson: JSON.stringify({ hook_event_name: 'Notification', message: `m${n}` }),
      originalBytes: 40,
      truncated: false,
    });
    const grouped = crypto.randomUUID();
    const others = Array.from({ length: 3 }, () => crypto.randomUUID());
    const outcomes = await Promise.all([
      ...others.map((o) => batcher.ingest(input(o, 0))),
      batcher.ingestAll(Array.from({ length: 9 }, (_, n) => input(grouped, n))),
      ...others.map((o) => batcher.ingest(input(o, 1))),
    ]);
    const group = outcomes[3] as Awaited<ReturnType<typeof batcher.ingestAll>>;
    assert.deepEqual(group.map((o) => o !== KEY_REVOKED && o.sequence), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: grouped } });
    const stored = await prisma.hookEvent.findMany({ where: { sessionId: row.id }, orderBy: { sequence: 'asc' }, select: { payload: true } });
    assert.deepEqual(stored.map((e) => (e.payload as { message: string }).message), Array.from({ length: 9 }, (_, n) => `m${n}`));
  } finally {
    await pool.end();
  }
});

test('an owed signal is claimed by one sender at a time; a released or expired claim is free again', async () => {
  const s = buildSession(crypto.randomUUID(), cwd(), 1);
  await replay(stack.api.url, tenant.key, s.deliveries.slice(0, 2));
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: s.sessionId } });
  // The outbox row below belongs to a session row no API process has seen: no dispatcher holds it
  // due, so only this test's calls claim it (the replayed session's own signal, or the sweeper's
  // repeat of it, claimed the test's row whenever the machine was slow, load 20+).
  const quiet = await prisma.session.create({ data: { tenantId: tenant.tenantId, projectId: row.projectId, agentSessionId: `quiet-${crypto.randomUUID()}` } });
  const pool = createPgPool(stack.config.DATABASE_URL);
  try {
    // Owed as if its API had died before signalling. The row is dated an hour ahead, so the running
    // API's sweeper (it looks for rows older than its grace) never sees it, while the test's own
    // sweeper calls look two hours ahead (a negative grace) and see it at once. A row dated now was
    // claimed by that sweeper whenever the machine was slow enough for its grace to go by mid-test.
    const ahead = new Date(Date.now() + 3_600_000);
    await prisma.sessionSignal.upsert({
      where: { sessionId: quiet.id },
      create: { sessionId: quiet.id, tenantId: tenant.tenantId, projectId: row.projectId, agentSessionId: quiet.agentSessionId, events: 5, stops: 1, ends: 1, createdAt: ahead, updatedAt: ahead },
      update: { events: 5, stops: 1, ends: 1, createdAt: ahead, updatedAt: ahead, claimedUntil: null },
    });
    const lookAhead = -7_200_000;
    const first = await claimOwed(pool, quiet.id, 60_000);
    assert.equal(first?.progress.ends, 1);
    assert.equal(await claimOwed(pool, quiet.id, 60_000), undefined, 'a second sender gets nothing while the first sends');
    assert.ok(!(await overdueOwed(pool, lookAhead, lookAhead, 10_000)).includes(quiet.id), 'the sweeper leaves a claimed row alone');
    await releaseOwed(pool, quiet.id);
    assert.ok((await overdueOwed(pool, lookAhead, lookAhead, 10_000)).includes(quiet.id), 'released: overdue again');
    // A claim whose sender died expires.
    assert.ok(await claimOwed(pool, quiet.id, 1));
    await new Promise((r) => setTimeout(r, 20));
    const again = await claimOwed(pool, quiet.id, 60_000);
    assert.ok(again, 'an expired claim is taken over');
    // A batch captured while the signal was in flight stays owed after the settle, unclaimed.
    await prisma.sessionSignal.update({ where: { sessionId: quiet.id }, data: { events: { increment: 2 } } });
    await settleOwed(pool, again);
    const left = await prisma.sessionSignal.findUniqueOrThrow({ where: { sessionId: quiet.id } });
    assert.deepEqual([left.events, left.ends, left.stops, left.claimedUntil], [2, 0, 0, null]);
    await prisma.sessionSignal.delete({ where: { sessionId: quiet.id } });
  } finally {
    await pool.end();
  }
});
