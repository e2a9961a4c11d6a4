/**
 * Capture end to end against the real stack: a multi-session Claude Code stream (with duplicates,
 * secrets and <private> spans) posted to the real API, processed by the real worker; every tool call
 * stored once, every session completed, no secret in PostgreSQL or Temporal history, and another
 * tenant sees none of it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../infra/wait-until.js';
import { sessionWorkflowId } from '../messages/workflows-v1/session.js';
import { buildSession, PLANTED_SECRETS, withDuplicates, type FixtureSession } from './fixtures/claude-sessions.js';
import { startTestApi, workerLogLines } from './helpers/app.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';

const apiLogs: string[] = [];
const stack = withTestStack('capture', { api: { tuning: { flushDelayMs: 50, idleTimeoutMs: 120_000 }, logSink: apiLogs } });
const { prisma, config, call } = stack;
let tenantA: Awaited<ReturnType<typeof newTenant>>;
let tenantB: Awaited<ReturnType<typeof newTenant>>;

async function post(key: string, event: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.api.url}/v1/hooks/${event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

before(async () => {
  tenantA = await newTenant(prisma);
  tenantB = await newTenant(prisma);
});

/** A real git repository with a subfolder and a linked worktree: three cwds, one project. */
function gitRepoWithWorktree(name: string): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-capture-'));
  const main = path.join(root, name);
  fs.mkdirSync(path.join(main, 'packages', 'api'), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: main, stdio: 'ignore' });
  git('init', '-q');
  fs.writeFileSync(path.join(main, 'README.md'), 'x');
  git('add', '.');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
  const worktree = path.join(root, `${name}-feature`);
  git('worktree', 'add', '-q', worktree);
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  return [main, worktree, path.join(main, 'packages', 'api')];
}

describe('a replayed multi-session stream', () => {
  const project = uniqueName('webapp');
  const cwds = gitRepoWithWorktree(project);
  const sessions: FixtureSession[] = [0, 1, 2].map((i) => buildSession(crypto.randomUUID(), cwds[i]!, 6 + i * 3));

  test('is acknowledged, then every session completes with each tool call stored once', async () => {
    // Sessions run concurrently; within a session Claude Code delivers hooks one after another.
    await Promise.all(
      sessions.map(async (s) => {
        for (const d of withDuplicates(s.deliveries)) {
          const res = await post(tenantA.key, d.event, d.body);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          if (d.event === 'session-start') {
            assert.equal(res.body.hookSpecificOutput?.hookEventName, 'SessionStart');
            assert.equal(typeof res.body.hookSpecificOutput?.additionalContext, 'string');
          } else {
            assert.deepEqual(res.body, {});
          }
        }
      }),
    );

    for (const s of sessions) {
      const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenantA.tenantId, agentSessionId: s.sessionId } });
      const result = await stack.temporal.workflow.getHandle(sessionWorkflowId(tenantA.tenantId, row.projectId, s.sessionId)).result();
      assert.equal(result.status, 'completed');
      assert.equal(result.closedBy, 'session-end');

      const events = await prisma.hookEvent.count({ where: { sessionId: row.id } });
      assert.equal(events, s.deliveries.length, 'each distinct delivery stored once');
      const tools = await prisma.observation.findMany({ where: { sessionId: row.id, kind: 'tool' } });
      assert.deepEqual(tools.map((t) => t.toolUseId).sort(), [...s.toolUseIds].sort());
      assert.ok(tools.every((t) => t.sourceEventIds.length === 2), 'a tool call merges its pre and post events');

      const view = await call(tenantA.key, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.status, 200);
      assert.equal(view.body.status, 'completed');
      assert.equal(view.body.eventCount, s.deliveries.length);
      assert.equal(view.body.project, project, 'the checkout, its worktree and its subfolders are one project');
    }
  });

  test('the timeline lists the session in order, a tool call and its result as one item, paginated', async () => {
    const s = sessions[1]!;
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(tenantA.key, 'GET', `/v1/sessions/${s.sessionId}/timeline?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      items.map((i) => i.kind),
      ['start', 'prompt', ...s.toolUseIds.map(() => 'tool'), 'stop', 'end'],
    );
    assert.deepEqual(items.filter((i) => i.kind === 'tool').map((i) => i.toolUseId), s.toolUseIds);
    assert.match(items.find((i) => i.toolName === 'Bash').text, /expected 200, got 401/);
  });

  test('no planted secret or private text is stored in PostgreSQL or in Temporal history, nor logged', async () => {
    // The logs were written at debug level (one line per request, worker and workflow activity).
    const logs = [...apiLogs, ...workerLogLines()].join('\n');
    assert.ok(apiLogs.length > 20 && workerLogLines().length > 0, 'logs were captured');
    for (const secret of [...PLANTED_SECRETS, tenantA.key]) assert.ok(!logs.includes(secret), `a log line holds ${secret.slice(0, 12)}…`);

    const dump = JSON.stringify([
      await prisma.hookEvent.findMany({ where: { tenantId: tenantA.tenantId } }),
      await prisma.observation.findMany({ where: { tenantId: tenantA.tenantId }, select: { title: true, text: true } }),
      await prisma.prompt.findMany({ where: { tenantId: tenantA.tenantId } }),
      await prisma.session.findMany({ where: { tenantId: tenantA.tenantId } }),
    ]);
    assert.match(dump, /Fix the failing login test/);
    for (const secret of PLANTED_SECRETS) assert.ok(!dump.includes(secret), `PostgreSQL holds ${secret.slice(0, 12)}…`);

    for (const s of sessions) {
      const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenantA.tenantId, agentSessionId: s.sessionId } });
      const history = await stack.temporal.workflow.getHandle(sessionWorkflowId(tenantA.tenantId, row.projectId, s.sessionId)).fetchHistory();
      const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
      for (const secret of PLANTED_SECRETS) assert.ok(!text.includes(secret), 'Temporal history holds a secret');
    }
  });

  test('another tenant sees none of it', async () => {
    const list = await call(tenantB.key, 'GET', '/v1/sessions');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items, []);
    for (const s of sessions) {
      const one = await call(tenantB.key, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(one.status, 404);
      const timeline = await call(tenantB.key, 'GET', `/v1/sessions/${s.sessionId}/timeline`);
      assert.equal(timeline.status, 404);
    }
    const mine = await call(tenantA.key, 'GET', `/v1/sessions?project=${project}&limit=2`);
    assert.equal(mine.body.items.length, 2);
    assert.ok(mine.body.nextCursor);
  });
});

describe('bad input', () => {
  test('gets a 4xx naming the problem and stores nothing', async () => {
    const before = await prisma.hookEvent.count({ where: { tenantId: tenantA.tenantId } });
    const cases: [string, unknown, number, RegExp][] = [
      ['Session_Begin', { session_id: 'x', cwd: '/a' }, 400, /event: must be a hook event name in kebab-case/],
      ['post-tool-use-failure', { session_id: 'x', cwd: '/a', error: 'exit 1' }, 400, /tool_name: tool_name is required for post-tool-use-failure/],
      ['stop', '{not json', 400, /./],
      ['stop', [1, 2], 400, /body: must be a JSON object/],
      ['stop', { cwd: '/a' }, 400, /session_id/],
      ['stop', { session_id: 'has spaces', cwd: '/a' }, 400, /session_id/],
      ['pre-tool-use', { session_id: 'x', cwd: '/a' }, 400, /tool_name/],
      ['user-prompt-submit', { session_id: 'x', cwd: '/a' }, 400, /prompt/],
      ['stop', { session_id: 'x' }, 400, /cwd/],
    ];
    for (const [event, body, status, message] of cases) {
      const res = await post(tenantA.key, event, body);
      assert.equal(res.status, status, `${event} ${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, message);
    }
    const res = await post(tenantA.key, 'stop', { session_id: 'x', cwd: '/a' }, { 'x-memflow-project': '../etc' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_project');
    // The time a spooled event happened: an ISO 8601 instant, not in the future, not absurdly old.
    const hour = 3_600_000;
    for (const [at, message] of [
      ['yesterday', /^X-Memflow-Occurred-At: must be an ISO 8601 date-time with a zone/],
      ['2026-11-23 10:00:00', /^X-Memflow-Occurred-At: must be an ISO 8601/],
      ['2026-13-45T99:00:00Z', /^X-Memflow-Occurred-At: not a valid date-time/],
      [new Date(Date.now() + hour).toISOString(), /^X-Memflow-Occurred-At: .* is in the future/],
      [new Date(Date.now() - 400 * 24 * hour).toISOString(), /^X-Memflow-Occurred-At: .* is more than 90 days old/],
    ] as const) {
      const bad = await post(tenantA.key, 'stop', { session_id: 'x', cwd: '/a' }, { 'x-memflow-occurred-at': at });
      assert.equal(bad.status, 400, at);
      assert.equal(bad.body.error.code, 'invalid_header');
      assert.match(bad.body.error.message, message);
    }
    assert.equal(await prisma.hookEvent.count({ where: { tenantId: tenantA.tenantId } }), before);
  });

  test('a body over the limit gets 413; a large tool output is stored cut, with its original size', async () => {
    const small = await startTestApi(config, prisma, { hookBodyLimit: 64 * 1024, maxStoredEventBytes: 8 * 1024 });
    try {
      const base = { session_id: crypto.randomUUID(), cwd: `/tmp/${uniqueName('big')}`, tool_name: 'Bash', tool_use_id: 'toolu_big' };
      const huge = await fetch(`${small.url}/v1/hooks/post-tool-use`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantA.key}` },
        body: JSON.stringify({ ...base, tool_response: { stdout: 'x'.repeat(100 * 1024) } }),
      });
      assert.equal(huge.status, 413);
      assert.equal(((await huge.json()) as any).error.code, 'payload_too_large');

      const big = await fetch(`${small.url}/v1/hooks/post-tool-use`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantA.key}` },
        body: JSON.stringify({ ...base, tool_response: { stdout: 'y'.repeat(40 * 1024) } }),
      });
      assert.equal(big.status, 200);
      const row = await prisma.hookEvent.findUniqueOrThrow({ where: { id: big.headers.get('x-memflow-event-id')! } });
      assert.equal(row.truncated, true);
      assert.ok(row.originalBytes > 40 * 1024);
      assert.ok(Buffer.byteLength(JSON.stringify(row.payload)) <= 8 * 1024);
      assert.match(JSON.stringify(row.payload), /memflow: cut/);
    } finally {
      await small.close();
    }
  });
});

describe('hook deliveries without an Idempotency-Key', () => {
  test('every Stop of a session is kept (their bodies are identical); an immediate repeat is stored once', async () => {
    const sessionId = crypto.randomUUID();
    const common = { session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: `/tmp/${uniqueName('stops')}`, permission_mode: 'default' };
    const stop = { ...common, hook_event_name: 'Stop', stop_hook_active: false };
    const prompt = (text: string) => ({ ...common, hook_event_name: 'UserPromptSubmit', prompt: text });
    const first = await post(tenantA.key, 'stop', stop);
    const retried = await post(tenantA.key, 'stop', stop); // the same delivery again, nothing in between
    assert.equal(first.status, 200);
    assert.equal(retried.headers.get('x-memflow-event-id'), first.headers.get('x-memflow-event-id'));
    await post(tenantA.key, 'user-prompt-submit', prompt('continue'));
    const second = await post(tenantA.key, 'stop', stop); // the next turn's Stop: same body, new event
    assert.notEqual(second.headers.get('x-memflow-event-id'), first.headers.get('x-memflow-event-id'));
    await post(tenantA.key, 'user-prompt-submit', prompt('continue')); // the same words, typed again
    const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenantA.tenantId, agentSessionId: sessionId } });
    const events = await prisma.hookEvent.findMany({ where: { sessionId: row.id }, orderBy: { sequence: 'asc' } });
    assert.deepEqual(
      events.map((e) => e.event),
      ['stop', 'user_prompt_submit', 'stop', 'user_prompt_submit'],
    );
  });
});

describe('request ids', () => {
  test('the id of the request that delivered an event is kept with the event and logged with the request', async () => {
    // The API stores the event with its timeline item in one statement (batched capture): the
    // request id travels with the stored row, and the request's log line names it.
    const requestId = `trace-${crypto.randomUUID()}`;
    const sessionId = crypto.randomUUID();
    const body = { session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: `/tmp/${uniqueName('trace')}`, hook_event_name: 'UserPromptSubmit', prompt: 'trace me' };
    const res = await post(tenantA.key, 'user-prompt-submit', body, { 'x-request-id': requestId });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), requestId, 'the caller’s id is kept and echoed');
    const row = await prisma.hookEvent.findUniqueOrThrow({ where: { id: res.headers.get('x-memflow-event-id')! } });
    assert.equal(row.requestId, requestId);
    assert.ok(row.processedAt, 'stored with its timeline item');
    const item = await prisma.observation.findFirstOrThrow({ where: { sessionId: row.sessionId, sequence: row.sequence } });
    assert.deepEqual(item.sourceEventIds, [row.id]);
    await waitUntil(async () => apiLogs.some((l) => l.includes(requestId) && l.includes('"msg":"request"')), {
      what: 'the API log line of the request',
      timeoutMs: 5000,
      intervalMs: 50,
    });
  });
});
