/**
 * `memflow sessions`, `sessions show`, `timeline`: thin clients over the sessions API, against the
 * real API and worker. Human-readable by default, --json for scripts, one clear line on failure.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { sessionResult } from './helpers/sessions.js';
import { closedPort, runCli } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, stopTestApp, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('cli-sessions') });
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const project = uniqueName('sessproj');
const sid = crypto.randomUUID();

async function post(event: string, body: Record<string, unknown>) {
  const res = await fetch(`${api.url}/v1/hooks/${event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
    body: JSON.stringify({ session_id: sid, cwd: `/home/dev/src/${project}`, ...body }),
  });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 50, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  await post('session-start', { hook_event_name: 'SessionStart', source: 'startup' });
  await post('user-prompt-submit', { hook_event_name: 'UserPromptSubmit', prompt: 'List the files' });
  await post('pre-tool-use', { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: 'toolu_1', tool_input: { command: 'ls' } });
  await post('post-tool-use', {
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_use_id: 'toolu_1',
    tool_input: { command: 'ls' },
    tool_response: { stdout: 'README.md\npackage.json\n' },
  });
  await post('stop', { hook_event_name: 'Stop' });
  await post('session-end', { hook_event_name: 'SessionEnd', reason: 'exit' });
  // The session workflow has turned every event into the timeline once it completes.
  await sessionResult(temporal.client, prisma, tenant.tenantId, sid);
});

after(() => stopTestApp({ api, worker }, temporal, prisma));

const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: tenant.key, ...env } });

describe('reading sessions', () => {
  test('sessions lists the session, as a table or as JSON', async () => {
    const human = await cli(['sessions', '--project', project]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^SESSION\s+TITLE\s+PROJECT\s+AGENT\s+STATUS\s+STARTED\s+EVENTS\n/);
    assert.match(human.stdout, new RegExp(`${sid}\\s+.+\\s+${project}\\s+claude-code\\s+completed\\s+.*\\s6\\n`));

    // Run in this repository, the default scope is its project: --all-projects lifts it.
    const json = await cli(['sessions', 'list', '--json', '--all-projects']);
    assert.equal(json.code, 0, json.stderr);
    const page = JSON.parse(json.stdout) as { items: { id: string; eventCount: number }[]; nextCursor: string | null };
    assert.equal(page.items.find((s) => s.id === sid)?.eventCount, 6);
  });

  test('sessions show <id>', async () => {
    const r = await cli(['sessions', 'show', sid, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { id: string; project: string; status: string };
    assert.deepEqual([s.id, s.project, s.status], [sid, project, 'completed']);
    const human = await cli(['sessions', 'show', sid]);
    assert.match(human.stdout, new RegExp(`^session  ${sid}\\ntitle    .+\\n(asked    .+\\n)?project  ${project}\\nagent    claude-code\\nstatus   completed\\n`));
  });

  test('timeline <id> lists the items in order, following pages with --all', async () => {
    const r = await cli(['timeline', sid, '--json', '--limit', '2', '--all']);
    assert.equal(r.code, 0, r.stderr);
    const page = JSON.parse(r.stdout) as { items: { kind: string; toolName: string | null }[]; nextCursor: string | null };
    assert.deepEqual(page.items.map((i) => i.kind), ['start', 'prompt', 'tool', 'stop', 'end']);
    assert.equal(page.nextCursor, null);
    const human = await cli(['sessions', 'timeline', sid]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /tool\s+Bash/);
  });
});

describe('failures: one line on stderr, exit 1', () => {
  test('401: a wrong key', async () => {
    const r = await cli(['sessions'], { MEMFLOW_API_KEY: 'mf_wrong' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: the API rejected MEMFLOW_API_KEY \(401 unauthenticated: .*\)\n$/);
    assert.equal(r.stdout, '');
  });

  test('an unknown session (named by id or by the start of one): one line that says so', async () => {
    const r = await cli(['sessions', 'show', 'no-such-session']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: no session has the id 'no-such-session', or an id that starts with it\n$/);
  });

  test('the API unreachable', async () => {
    const r = await cli(['timeline', sid], { MEMFLOW_URL: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: cannot reach the memflow API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    assert.equal(r.stderr.split('\n').length, 2);
  });

  test('no key', async () => {
    const r = await cli(['sessions'], { MEMFLOW_API_KEY: undefined });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: MEMFLOW_API_KEY is required but not set/);
  });

  test('a bad --limit', async () => {
    const r = await cli(['sessions', '--limit', 'many']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: --limit must be a positive integer/);
  });
});
