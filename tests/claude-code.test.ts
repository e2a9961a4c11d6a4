/**
 * The integration as a new user gets it: `memflow install` in a git repository, then the installed
 * hooks executed exactly as Claude Code executes them — `bash -c "<command>"` in the session's cwd,
 * with its environment (`memflow` on PATH, MEMFLOW_API_KEY, CLAUDE_PROJECT_DIR) and the hook JSON on
 * stdin, field for field as the hooks reference shows it (code.claude.com/docs/en/hooks) — against
 * the real API, worker, PostgreSQL, Temporal and Weaviate.
 *
 * A test run that fails (PostToolUseFailure: no tool_response, an `error`) and passes after an edit
 * must leave a stored failure with its error text and a "fix" learning; a resumed session gets no
 * second context; Claude's own account of the turn (Stop.last_assistant_message) is kept.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { memflowOnPath, runCli, spoolFiles, tempDir } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { freePort } from '../infra/ports.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { sessionResult } from './helpers/sessions.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('claude-code') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let repo: string;
let home: string;
let settings: { hooks: Record<string, { matcher?: string; hooks: { type: string; command?: string; async?: boolean }[] }[]> };

before(async () => {
  // The hooks' Node fallback starts a relay when none answers: this file's own, on a port of its own.
  process.env.MEMFLOW_RELAY_PORT = String(await freePort());
  process.env.MEMFLOW_RELAY_IDLE_MS = '120000';
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  home = await tempDir('cc-home');
  repo = path.join(await tempDir('cc-repo'), uniqueName('shop'));
  await fs.mkdir(path.join(repo, 'src'), { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  const r = await runCli(['install', '--no-relay', '--command-hooks', '--url', api.url], { cwd: repo, env: { HOME: home } });
  assert.equal(r.code, 0, r.stderr);
  settings = JSON.parse(await fs.readFile(path.join(repo, '.claude', 'settings.local.json'), 'utf8')) as typeof settings;
});

after(async () => {
  await runCli(['relay', 'stop']);
  await api?.close();
  await worker?.stop();
  await temporal.connection.close();
  await prisma.$disconnect();
});

/** Runs the installed hook for `claudeEvent` as Claude Code does; returns its stdout. */
async function fire(claudeEvent: string, payload: Record<string, unknown>): Promise<string> {
  const out = await runInstalled({ settings, repo }, claudeEvent, payload);
  assert.equal(out.stderr, '', `${claudeEvent}: nothing to complain about`);
  return out.stdout;
}

/** The installed hook of `at.settings` for `claudeEvent`, run in `at.repo` with Claude Code's environment. */
async function runInstalled(at: { settings: typeof settings; repo: string; env?: Record<string, string> }, claudeEvent: string, payload: Record<string, unknown>) {
  const handlers = (at.settings.hooks[claudeEvent] ?? []).flatMap((g) => g.hooks).filter((h) => h.type === 'command' && /^memflow-hook /.test(h.command ?? ''));
  assert.equal(handlers.length, 1, `one memflow hook for ${claudeEvent}`);
  // The installed `memflow-hook <event>` hands the event to the local relay; these tests drive the
  // Node client it falls back to when no relay answers (`memflow hook <event>`), which must deliver
  // or spool by itself. The relay's own path runs in the real Claude Code (claude-code-real.test.ts).
  const command = handlers[0]!.command!.replace(/^memflow-hook /, 'memflow hook ');
  const out = await runCli([], {
    shell: `bash -c ${JSON.stringify(command)}`,
    cwd: at.repo,
    input: JSON.stringify({ hook_event_name: claudeEvent, ...payload }),
    env: {
      PATH: await memflowOnPath(),
      HOME: home,
      MEMFLOW_API_KEY: tenant.key,
      MEMFLOW_SPOOL_DIR: path.join(home, 'spool'),
      MEMFLOW_CACHE_DIR: path.join(home, 'cache'),
      CLAUDE_PROJECT_DIR: at.repo,
      ...at.env,
    },
  });
  assert.equal(out.code, 0, out.stderr);
  return out;
}

test('a failing test run, an edit, a passing run: the failure is stored with its error, and a fix learning is made', async () => {
  const sessionId = crypto.randomUUID();
  const common = { session_id: sessionId, transcript_path: path.join(home, `${sessionId}.jsonl`), cwd: repo, permission_mode: 'default' };
  const start = JSON.parse(await fire('SessionStart', { ...common, source: 'startup', model: 'claude-sonnet-4-5' })) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
  assert.equal(start.hookSpecificOutput.hookEventName, 'SessionStart');

  await fire('UserPromptSubmit', { ...common, prompt: 'The cart total test fails, please fix it' });
  // PostToolUseFailure as the reference shows it: no tool_response; `error`, is_interrupt, duration_ms.
  await fire('PostToolUseFailure', {
    ...common,
    tool_name: 'Bash',
    tool_input: { command: 'npm test', description: 'Run the test suite' },
    tool_use_id: 'toolu_01FAIL',
    error: 'Command exited with non-zero status code 1',
    is_interrupt: false,
    duration_ms: 4187,
  });
  await fire('PostToolUse', {
    ...common,
    tool_name: 'Edit',
    tool_input: { file_path: path.join(repo, 'src/total.ts'), old_string: 'line.price', new_string: 'line.product.price', replace_all: false },
    tool_response: {
      filePath: path.join(repo, 'src/total.ts'),
      oldString: 'line.price',
      newString: 'line.product.price',
      originalFile: `export const total = (cart) => cart.items.reduce((s, line) => s + line.price, 0);\n${'// the whole file before the edit\n'.repeat(50)}`,
      structuredPatch: [{ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, lines: ['-  line.price', '+  line.product.price'] }],
      userModified: false,
      replaceAll: false,
    },
    tool_use_id: 'toolu_02EDIT',
    duration_ms: 12,
  });
  await fire('PostToolUse', {
    ...common,
    tool_name: 'Bash',
    tool_input: { command: 'npm test', description: 'Run the test suite' },
    tool_response: { stdout: 'Test Suites: 4 passed, 4 total\nTests:       31 passed, 31 total', stderr: '', interrupted: false, isImage: false, noOutputExpected: false },
    tool_use_id: 'toolu_03PASS',
    duration_ms: 3920,
  });
  await fire('Stop', {
    ...common,
    stop_hook_active: false,
    last_assistant_message: 'The total test failed because lines keep the price on line.product, not on the line. I changed src/total.ts to read line.product.price and the suite passes.',
  });
  await fire('SessionEnd', { ...common, reason: 'prompt_input_exit' });

  await sessionResult(temporal.client, prisma, tenant.tenantId, sessionId, 90_000);
  const observations = await prisma.observation.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sessionId } }, orderBy: { sequence: 'asc' } });
  const failed = observations.find((o) => o.toolUseId === 'toolu_01FAIL');
  assert.ok(failed, 'the failed tool call is stored');
  assert.equal(failed.title, 'FAILED Bash: npm test');
  assert.match(failed.text, /failed: Command exited with non-zero status code 1/);
  const edit = observations.find((o) => o.toolUseId === 'toolu_02EDIT')!;
  assert.ok(!edit.text.includes('the whole file before the edit'), "an Edit's originalFile is not kept in the observation");
  const stop = observations.find((o) => o.kind === 'stop')!;
  assert.match(stop.title, /^Agent stopped: The total test failed because/);
  assert.match(stop.text, /line\.product\.price/);

  const project = await prisma.project.findFirstOrThrow({ where: { tenantId: tenant.tenantId, name: path.basename(repo) } });
  const learnings = await prisma.learning.findMany({ where: { tenantId: tenant.tenantId, projectId: project.id } });
  const fix = learnings.find((l) => l.kind === 'fix');
  assert.ok(fix, `a fix learning among: ${learnings.map((l) => `${l.kind}: ${l.title}`).join('; ')}`);
  assert.match(fix.title, /npm test failed, output: «.*non-zero status code 1/);
  assert.match(fix.body, /src\/total\.ts/);
});

test('a resumed session gets no second context; a new one does', async () => {
  const sessionId = crypto.randomUUID();
  const common = { session_id: sessionId, transcript_path: path.join(home, `${sessionId}.jsonl`), cwd: repo };
  const fresh = JSON.parse(await fire('SessionStart', { ...common, source: 'startup' })) as { hookSpecificOutput?: { additionalContext: string } };
  assert.ok((fresh.hookSpecificOutput?.additionalContext ?? '').length > 0, 'the first start injects the memory of the earlier session');
  assert.ok(fresh.hookSpecificOutput!.additionalContext.length <= 10_000);
  // What helps the next session: what failed and what fixed it, paths relative to the project, the
  // first prompt once (the session's summary names it).
  const context = fresh.hookSpecificOutput!.additionalContext;
  assert.match(
    context,
    // The error is what the tool printed, quoted fenced; the agent's answer is said once (here by the session's summary).
    /## What failed, and what fixed it\n- \d{4}-\d\d-\d\d FAILED Bash: npm test: failed, output: «[^\n»]+» → fixed in src\/total\.ts[^\n→]* → passed on a later run/,
    context,
  );
  assert.ok(!context.includes(repo), `no absolute path of the checkout:\n${context}`);
  assert.match(context, /Edit: src\/total\.ts/);
  assert.ok(context.split('The cart total test fails, please fix it').length <= 2, `the first prompt once:\n${context}`);
  const resumed = JSON.parse(await fire('SessionStart', { ...common, source: 'resume' })) as Record<string, unknown>;
  assert.deepEqual(resumed, {}, 'nothing is injected twice into a resumed conversation');
});

/**
 * A repository whose hooks are installed for the API's address through a proxy that can be taken
 * away (`proxy.cut()`, `proxy.restore()`), with its own spool, and a session in it.
 */
async function installedBehindProxy(name: string) {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
  const url = `http://127.0.0.1:${proxy.port}`;
  const dir = path.join(await tempDir(`cc-${name}`), uniqueName(name));
  await fs.mkdir(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  assert.equal((await runCli(['install', '--no-relay', '--command-hooks', '--url', url], { cwd: dir, env: { HOME: home } })).code, 0);
  const installed = JSON.parse(await fs.readFile(path.join(dir, '.claude', 'settings.local.json'), 'utf8')) as typeof settings;
  const spoolDir = path.join(home, `spool-${name}`);
  const sessionId = crypto.randomUUID();
  return {
    proxy,
    url,
    spoolDir,
    sessionId,
    at: { repo: dir, settings: installed, env: { MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_HOOK_OUTAGE_MS: '1' } },
    common: { session_id: sessionId, transcript_path: path.join(home, `${sessionId}.jsonl`), cwd: dir, permission_mode: 'default' },
  };
}

test('events spooled while the API was away are stored with the time they happened, in order, once', async () => {
  const { proxy, spoolDir, sessionId, at, common } = await installedBehindProxy('till');
  try {
    await proxy.cut();
    const start = await runInstalled(at, 'SessionStart', { ...common, source: 'startup', model: 'claude-sonnet-4-5' });
    assert.match((JSON.parse(start.stdout) as { systemMessage: string }).systemMessage, /API unreachable/);
    await runInstalled(at, 'UserPromptSubmit', { ...common, prompt: 'Add a discount line to the receipt' });
    const entries = await Promise.all((await spoolFiles(spoolDir)).map(async (f) => JSON.parse(await fs.readFile(path.join(spoolDir, f), 'utf8')) as { event: string; createdAt: string }));
    assert.deepEqual(entries.map((e) => e.event), ['session-start', 'user-prompt-submit']);

    // Back: the next hook delivers the spooled events first (with their times), then its own.
    await proxy.restore();
    await runInstalled(at, 'Stop', { ...common, stop_hook_active: false, last_assistant_message: 'Added the discount line.' });
    const session = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: sessionId } });
    const events = await prisma.hookEvent.findMany({ where: { sessionId: session.id }, orderBy: { sequence: 'asc' } });
    assert.deepEqual(events.map((e) => [e.sequence, e.event]), [[1, 'session_start'], [2, 'user_prompt_submit'], [3, 'stop']], 'sequence is delivery order');
    assert.deepEqual(events.map((e) => e.occurredAt?.toISOString() ?? null), [entries[0]!.createdAt, entries[1]!.createdAt, null]);
    assert.equal(session.startedAt.toISOString(), entries[0]!.createdAt, 'the session started when its first event happened');
    const prompt = await prisma.prompt.findFirstOrThrow({ where: { sessionId: session.id } });
    assert.equal(prompt.createdAt.toISOString(), entries[1]!.createdAt);

    // The timeline shows when each happened.
    const res = await fetch(`${api.url}/v1/sessions/${sessionId}/timeline`, { headers: { authorization: `Bearer ${tenant.key}` } });
    const timeline = (await res.json()) as { items: { kind: string; createdAt: string }[] };
    assert.deepEqual(timeline.items.slice(0, 2).map((i) => [i.kind, i.createdAt]), [['start', entries[0]!.createdAt], ['prompt', entries[1]!.createdAt]]);
    assert.ok(Date.parse(timeline.items[2]!.createdAt) > Date.parse(entries[1]!.createdAt));
  } finally {
    await proxy.close();
  }
});

test('a session recorded while offline and delivered hours later is dated when it happened, its summary too', async () => {
  const { proxy, url, spoolDir, sessionId, at, common } = await installedBehindProxy('ledger');
  try {
    await proxy.cut();
    await runInstalled(at, 'SessionStart', { ...common, source: 'startup', model: 'claude-sonnet-4-5' });
    await runInstalled(at, 'UserPromptSubmit', { ...common, prompt: 'Round the ledger totals to cents' });
    await runInstalled(at, 'PostToolUse', {
      ...common,
      tool_name: 'Edit',
      tool_input: { file_path: path.join(at.repo, 'src/ledger.ts'), old_string: 'total', new_string: 'Math.round(total * 100) / 100', replace_all: false },
      tool_response: { filePath: path.join(at.repo, 'src/ledger.ts'), oldString: 'total', newString: 'Math.round(total * 100) / 100', originalFile: 'total', structuredPatch: [], userModified: false, replaceAll: false },
      tool_use_id: 'toolu_01LEDGER',
      duration_ms: 9,
    });
    await runInstalled(at, 'Stop', { ...common, stop_hook_active: false, last_assistant_message: 'Ledger totals are rounded to cents now.' });
    await runInstalled(at, 'SessionEnd', { ...common, reason: 'prompt_input_exit' });
    // The spool waited two hours (a laptop offline): its entries say so, as a real wait would leave them.
    const twoHours = 2 * 3_600_000;
    const files = await spoolFiles(spoolDir);
    assert.equal(files.length, 5);
    const times: string[] = [];
    for (const f of files) {
      const entry = JSON.parse(await fs.readFile(path.join(spoolDir, f), 'utf8')) as { createdAt: string };
      entry.createdAt = new Date(Date.parse(entry.createdAt) - twoHours).toISOString();
      times.push(entry.createdAt);
      await fs.writeFile(path.join(spoolDir, f), JSON.stringify(entry), { mode: 0o600 });
    }

    await proxy.restore();
    const flushed = await runCli(['spool', 'flush', '--json', '--url', url], {
      cwd: at.repo,
      env: { HOME: home, MEMFLOW_API_KEY: tenant.key, MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_CACHE_DIR: path.join(home, 'cache') },
    });
    assert.equal(flushed.code, 0, flushed.stderr);
    assert.equal((JSON.parse(flushed.stdout) as { delivered: number }).delivered, 5);
    await sessionResult(temporal.client, prisma, tenant.tenantId, sessionId, 90_000);

    const session = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: sessionId } });
    assert.equal(session.startedAt.toISOString(), times[0]);
    const observations = await prisma.observation.findMany({ where: { sessionId: session.id }, orderBy: { sequence: 'asc' } });
    assert.deepEqual(observations.map((o) => o.createdAt.toISOString()), times);
    const summaries = await prisma.summary.findMany({ where: { sessionId: session.id } });
    assert.ok(summaries.length > 0, 'summarized');
    for (const s of summaries) assert.ok(times.includes(s.createdAt.toISOString()), `the summary is dated by its activity: ${s.createdAt.toISOString()} in ${times.join(', ')}`);
  } finally {
    await proxy.close();
  }
});

test('the installed hooks (--command-hooks): every event a synchronous memflow-hook command, nothing left running at exit; PreToolUse on the file tools only', () => {
  const ours = (e: string) => (settings.hooks[e] ?? []).flatMap((g) => g.hooks).filter((h) => /^memflow-hook [a-z-]+/.test(h.command ?? ''));
  for (const e of ['SessionStart', 'SessionEnd', 'UserPromptSubmit', 'PostToolUse', 'PostToolUseFailure', 'Stop', 'SubagentStop', 'StopFailure', 'PreCompact', 'PostCompact']) {
    // Synchronous: Claude Code cancels async hooks still running at exit (the last tool call, the Stop).
    assert.deepEqual(ours(e).map((h) => [h.type, h.async]), [['command', undefined]], e);
  }
  // PreToolUse only where a file is about to be read or changed: no process on a Bash call.
  assert.deepEqual(settings.hooks.PreToolUse?.map((g) => [g.matcher, ours('PreToolUse').length]), [['Edit|Write|MultiEdit|NotebookEdit', 1]]);
});

/** A git repository named `name` under `parent`, with `origin` set to `remote`. */
async function gitRepo(parent: string, name: string, remote: string): Promise<string> {
  const dir = path.join(parent, name);
  await fs.mkdir(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', remote]);
  return dir;
}

/** Runs the installed SessionStart hook of `settings` for a session in `cwd`, with CLAUDE_PROJECT_DIR. */
async function startIn(cwd: string, projectDir: string, sessionId: string = crypto.randomUUID()): Promise<string> {
  const command = settings.hooks.SessionStart![0]!.hooks[0]!.command!;
  const out = await runCli([], {
    shell: `bash -c ${JSON.stringify(command)}`,
    cwd,
    input: JSON.stringify({ session_id: sessionId, cwd, hook_event_name: 'SessionStart', source: 'startup' }),
    env: { PATH: await memflowOnPath(), HOME: home, MEMFLOW_API_KEY: tenant.key, MEMFLOW_SPOOL_DIR: path.join(home, 'spool'), MEMFLOW_CACHE_DIR: path.join(home, 'cache'), CLAUDE_PROJECT_DIR: projectDir },
  });
  assert.equal(out.code, 0, out.stderr);
  return sessionId;
}

const projectOfSession = async (sessionId: string) =>
  (await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: sessionId }, include: { project: true } })).project;

test('two unrelated repositories named alike are two projects; a worktree and a cd stay in one', async () => {
  const base = await tempDir('cc-alike');
  const mine = await gitRepo(path.join(base, 'work'), 'api', 'git@github.com:acme/api.git');
  const theirs = await gitRepo(path.join(base, 'oss'), 'api', 'https://github.com/someone-else/api');
  const a = await projectOfSession(await startIn(mine, mine));
  const b = await projectOfSession(await startIn(theirs, theirs));
  assert.notEqual(a.id, b.id, 'two projects');
  assert.equal(a.name, 'api');
  assert.match(b.name, /^api-[0-9a-f]{6}$/, 'the second keeps its folder name, with a short key');
  assert.equal(a.identity, (await prisma.project.findUniqueOrThrow({ where: { id: a.id } })).identity);

  // A linked worktree of the first repository, elsewhere on disk: the same project.
  execFileSync('git', ['-C', mine, 'commit', '-q', '--allow-empty', '-m', 'first'], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  const worktree = path.join(base, 'api-feature');
  execFileSync('git', ['-C', mine, 'worktree', 'add', '-q', worktree]);
  assert.equal((await projectOfSession(await startIn(worktree, worktree))).id, a.id);

  // The agent cd'd into the other repository mid-session: Claude Code's project dir still names it.
  const sid = await startIn(mine, mine);
  await startIn(theirs, mine, sid);
  const sessions = await prisma.session.findMany({ where: { tenantId: tenant.tenantId, agentSessionId: sid } });
  assert.equal(sessions.length, 1, 'one session, not split by the cd');
  assert.equal(sessions[0]!.projectId, a.id);
});

/**
 * Posts `payload` as Claude Code runs an http hook: header values interpolate $VAR and ${VAR} from its
 * environment, only for variables listed in allowedEnvVars (any other becomes an empty string).
 */
async function postAsHttpHook(handler: { url?: string; headers?: Record<string, string>; allowedEnvVars?: string[] }, payload: Record<string, unknown>, env: Record<string, string>) {
  const allowed = new Set(handler.allowedEnvVars ?? []);
  const headers = Object.fromEntries(
    Object.entries(handler.headers ?? {}).map(([k, v]) => [k, v.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => (allowed.has((a ?? b)!) ? (env[(a ?? b)!] ?? '') : ''))]),
  );
  const res = await fetch(handler.url!, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
  assert.equal(res.status, 200, await res.clone().text());
  return res;
}

test('with --http, the capture hooks name the project as the command client does: a cd stays, a namesake stays apart', async () => {
  const base = await tempDir('cc-http');
  const name = uniqueName('web');
  const mine = await gitRepo(path.join(base, 'work'), name, 'git@github.com:acme/web.git');
  const theirs = await gitRepo(path.join(base, 'oss'), name, 'https://github.com/someone-else/web');
  const projects: string[] = [];
  for (const dir of [mine, theirs]) {
    await fs.mkdir(path.join(dir, 'src'), { recursive: true });
    const r = await runCli(['install', '--http', '--url', api.url], { cwd: dir, env: { HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    const installed = JSON.parse(await fs.readFile(path.join(dir, '.claude', 'settings.local.json'), 'utf8')) as typeof settings;
    const handler = installed.hooks.PostToolUse![0]!.hooks[0]! as { type: string; url?: string; headers?: Record<string, string>; allowedEnvVars?: string[] };
    assert.equal(handler.type, 'http');
    assert.ok(!JSON.stringify(handler.headers).includes(base), 'no path in the headers');

    // SessionStart stays a command hook; the tool call, from a subfolder, goes by http.
    const sid = await startIn(dir, dir);
    await postAsHttpHook(
      handler,
      { session_id: sid, transcript_path: path.join(home, `${sid}.jsonl`), cwd: path.join(dir, 'src'), hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: 'a.ts', stderr: '', interrupted: false, isImage: false, noOutputExpected: false }, tool_use_id: `toolu_${sid.slice(0, 8)}` },
      { MEMFLOW_API_KEY: tenant.key, HOME: home },
    );
    const sessions = await prisma.session.findMany({ where: { tenantId: tenant.tenantId, agentSessionId: sid }, include: { project: true } });
    assert.equal(sessions.length, 1, 'the http hook and the command hook: one session, not split by the cd');
    assert.equal(sessions[0]!.eventCount, 2);
    projects.push(sessions[0]!.project.id);
  }
  assert.notEqual(projects[0], projects[1], 'two unrelated repositories named alike are two projects');
});

test('a refused key is said at session start, and memflow doctor names what to fix', async () => {
  // The Node client on its own: the hook's fallback when no relay answers and none can start (the
  // relay's own answers to a refused key are tested with the real client, claude-code-real.test.ts).
  const env = {
    PATH: await memflowOnPath(),
    HOME: home,
    MEMFLOW_URL: api.url,
    MEMFLOW_SPOOL_DIR: path.join(home, 'spool-doctor'),
    MEMFLOW_CACHE_DIR: path.join(home, 'cache'),
    MEMFLOW_RELAY_PORT: String(await freePort()),
    MEMFLOW_RELAY_ENTRY: path.join(home, 'no-relay-here.js'),
  };
  const good = await runCli(['doctor'], { cwd: repo, env: { ...env, MEMFLOW_API_KEY: tenant.key } });
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^ok +API at .* is up and ready$/m);
  assert.match(good.stdout, /^ok +the API accepts MEMFLOW_API_KEY/m);
  assert.match(good.stdout, /^ok +Claude Code: memflow's hooks in .*settings\.local\.json$/m);
  // The MCP entry goes to Claude Code's local scope (~/.claude.json) unless --shared asks for .mcp.json.
  assert.match(good.stdout, /^ok +Claude Code: MCP server "memflow" in ~\/\.claude\.json/m);

  const badKey = 'mf_revoked-or-never-minted';
  const command = settings.hooks.SessionStart![0]!.hooks[0]!.command!;
  const start = await runCli([], {
    shell: `bash -c ${JSON.stringify(command)}`,
    cwd: repo,
    input: JSON.stringify({ session_id: crypto.randomUUID(), cwd: repo, hook_event_name: 'SessionStart', source: 'startup' }),
    env: { ...env, MEMFLOW_API_KEY: badKey },
  });
  assert.equal(start.code, 0);
  const said = JSON.parse(start.stdout) as { systemMessage?: string };
  assert.match(said.systemMessage ?? '', /^memflow: 401 unauthenticated: unknown or revoked API key; events are kept and sent later \(run `memflow doctor`\)$/);

  const bad = await runCli(['doctor'], { cwd: repo, env: { ...env, MEMFLOW_API_KEY: badKey } });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^fail +the API refuses MEMFLOW_API_KEY \(401\)\n +→ the key is unknown or revoked/m);
  assert.match(bad.stdout, /^ok +1 event\(s\) wait in .*: 1 for this API and key, 0 stuck for another API or key/m);
});
