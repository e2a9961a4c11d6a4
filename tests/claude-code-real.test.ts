/**
 * The real Claude Code CLI (pinned npm version), installed into by `memflow install`, against the
 * real API, worker, PostgreSQL, Temporal and Weaviate; the model is a scripted local Messages API.
 *
 * What the client fires is compared with what memflow stored: every event of a session exactly
 * once — the last tool call and the Stop with its last_assistant_message in headless mode too, and
 * in interactive sessions ended by /exit, Ctrl-D and Ctrl-C — and the next session's first request
 * to the model carries the failure and the fix. Then the harder days: the API down for a whole
 * session (everything arrives after it comes back, in order, once, with no command from the user),
 * two sessions at once, a tenant that already has a project of the repository's folder name (hooks,
 * MCP tools and `memflow context` all use the one project), and events captured under a wrong key
 * that reach the right place after the user corrects it and confirms.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { waitUntil } from '../infra/wait-until.js';
import { closedPort } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { ClaudeHarness, storedName, type Fired } from './helpers/claude-cli.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { ScriptedClaude, requestText, type Step } from './helpers/scripted-claude.js';
import { sessionResult } from './helpers/sessions.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('claude-real') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
const model = new ScriptedClaude();
let api: TestApi;
let worker: TestWorker;
let proxy: TcpProxy;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const harnesses: ClaudeHarness[] = [];

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  await model.start();
  // The hooks reach the API through a proxy the outage test can cut.
  const url = new URL(api.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
});

after(async () => {
  for (const h of harnesses) await h.stopRelay().catch(() => undefined);
  await proxy?.close();
  await model.close();
  await api?.close();
  await worker?.stop();
  await temporal.connection.close();
  await prisma.$disconnect();
});

const viaProxy = () => `http://127.0.0.1:${proxy.port}`;

async function harness(repoName: string, key = tenant.key): Promise<ClaudeHarness> {
  const h = await ClaudeHarness.create({ model, apiUrl: viaProxy(), key, relayPort: await closedPort(), repoName });
  harnesses.push(h);
  return h;
}

async function install(h: ClaudeHarness, args: string[] = []): Promise<void> {
  const r = await h.memflow(['install', ...args]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /relay running on 127\.0\.0\.1:\d+/);
}

/** A failing check, the fix, the passing check and the final answer (the repository's check.sh). */
function fixScript(prompt: string, answer: string): { prompt: string; steps: Step[] } {
  return {
    prompt,
    steps: [
      { tool: 'Bash', input: { command: 'bash check.sh', description: 'Run the refund tests' } },
      { tool: 'Bash', input: { command: 'echo fixed > state.txt', description: 'Round half-cents up' } },
      { tool: 'Bash', input: { command: 'bash check.sh', description: 'Run the refund tests again' } },
      { text: answer },
    ],
  };
}

function writeCheck(h: ClaudeHarness): void {
  fs.writeFileSync(path.join(h.repo, 'check.sh'), 'grep -q fixed state.txt || { echo "AssertionError: refund of 10.005 rounded to 10.00, expected 10.01"; exit 1; }\necho "refund tests: 3 passed"\n');
  fs.writeFileSync(path.join(h.repo, 'state.txt'), 'broken\n');
}

/** The session's stored events, in the order memflow keeps them. */
async function stored(sessionId: string, tenantId = tenant.tenantId) {
  const row = await prisma.session.findFirst({ where: { tenantId, agentSessionId: sessionId } });
  if (!row) return [];
  return prisma.hookEvent.findMany({ where: { sessionId: row.id }, orderBy: { sequence: 'asc' }, select: { event: true, toolUseId: true, payload: true } });
}

/** Every event the client fired for `sessionId` is stored exactly once, in the order it was fired. */
async function assertAllStoredOnce(fired: Fired[], sessionId: string, tenantId = tenant.tenantId): Promise<void> {
  const mine = fired.filter((f) => f.session_id === sessionId && f.hook_event_name !== 'PreToolUse');
  assert.ok(mine.length >= 4, `the client fired events for ${sessionId}`);
  const expected = mine.map((f) => `${storedName(f.hook_event_name)}${typeof f.tool_use_id === 'string' ? `:${f.tool_use_id}` : ''}`);
  let got: string[] = [];
  await waitUntil(
    async () => {
      got = (await stored(sessionId, tenantId)).map((e) => `${e.event}${e.toolUseId ? `:${e.toolUseId}` : ''}`);
      return got.length >= expected.length;
    },
    { what: `${expected.length} stored events of ${sessionId}`, timeoutMs: 60_000, intervalMs: 200 },
  );
  assert.deepEqual(got, expected, 'stored exactly once each, in the order fired');
}

test('headless: every event stored once (the last tool call and the Stop too), and the next session starts with the failure and the fix', async () => {
  const h = await harness(uniqueName('refunds'));
  writeCheck(h);
  await install(h);
  const prompt = `fix the refund rounding ${uniqueName('p')}`;
  const answer = 'Refunds now round half-cents up (state.txt says fixed); bash check.sh passes: 3 passed.';
  model.add(fixScript(prompt, answer));
  const run = await h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /round half-cents up/);

  const fired = h.fired();
  const sessionId = fired.find((f) => f.hook_event_name === 'SessionStart')!.session_id;
  await assertAllStoredOnce(fired, sessionId);
  const events = await stored(sessionId);
  const failure = events.find((e) => e.event === 'post_tool_use_failure');
  assert.ok(failure, 'the failed check is stored as a failure');
  assert.match(JSON.stringify(failure.payload), /AssertionError: refund of 10\.005/);
  const last = events.filter((e) => e.event === 'post_tool_use').at(-1)!;
  assert.match(JSON.stringify(last.payload), /3 passed/, 'the last tool call (the passing check) is stored');
  const stop = events.find((e) => e.event === 'stop')!;
  assert.equal((stop.payload as { last_assistant_message?: string }).last_assistant_message, answer);
  assert.ok(events.some((e) => e.event === 'session_end'));
  await sessionResult(temporal.client, prisma, tenant.tenantId, sessionId, 120_000);

  const next = `what next ${uniqueName('p')}`;
  model.add({ prompt: next, steps: [{ text: 'Nothing else to do.' }] });
  const run2 = await h.headless(next);
  assert.equal(run2.code, 0, run2.stderr);
  const first = model.requestsOf(next)[0];
  assert.ok(first, 'the second session asked the model');
  const shown = requestText(first.body);
  assert.match(shown, /bash check\.sh/, 'the failed check reaches the next session');
  assert.match(shown, /round half-cents up/i, 'and how it was fixed');
});

for (const end of ['exit', 'ctrl-d', 'ctrl-c'] as const) {
  test(`interactive, ended by ${end}: every event the client fired is stored once`, async () => {
    const h = await harness(uniqueName(`tui-${end}`));
    writeCheck(h);
    await install(h);
    const prompt = `interactive ${end} ${uniqueName('p')}`;
    const answer = `Checked it (${end}).`;
    model.add({ prompt, steps: [{ tool: 'Bash', input: { command: 'bash check.sh', description: 'Run the refund tests' } }, { text: answer }] });
    await h.interactive(prompt, answer, end);
    const fired = h.fired();
    const sessionId = fired.find((f) => f.hook_event_name === 'UserPromptSubmit')!.session_id;
    assert.ok(fired.some((f) => f.session_id === sessionId && f.hook_event_name === 'Stop'), 'the client fired Stop');
    await assertAllStoredOnce(fired, sessionId);
    const stop = (await stored(sessionId)).find((e) => e.event === 'stop')!;
    assert.equal((stop.payload as { last_assistant_message?: string }).last_assistant_message, answer);
  });
}

test('API down for a whole session: everything arrives after it comes back, in order, once, with no command', async () => {
  const h = await harness(uniqueName('outage'));
  writeCheck(h);
  await install(h);
  await proxy.cut();
  try {
    const prompt = `outage session ${uniqueName('p')}`;
    model.add(fixScript(prompt, 'Fixed during the outage.'));
    const run = await h.headless(prompt);
    assert.equal(run.code, 0, run.stderr);
    const sessionId = h.fired().find((f) => f.hook_event_name === 'SessionStart')!.session_id;
    assert.equal((await stored(sessionId)).length, 0, 'nothing reached the API while it was down');
    const health = JSON.parse((await h.memflow(['doctor', '--json'])).stdout) as { findings: { what: string }[] };
    assert.ok(health.findings.some((f) => /relay .* waiting for the API|does not answer/.test(f.what)), 'doctor says the API is not answering');
  } finally {
    await proxy.restore();
  }
  const fired = h.fired();
  const sessionId = fired.find((f) => f.hook_event_name === 'SessionStart')!.session_id;
  await assertAllStoredOnce(fired, sessionId);
});

test('two sessions at once keep their events apart', async () => {
  const h = await harness(uniqueName('pair'));
  writeCheck(h);
  await install(h);
  const a = `pair A ${uniqueName('p')}`;
  const b = `pair B ${uniqueName('p')}`;
  model.add(fixScript(a, 'A is done.'));
  model.add({ prompt: b, steps: [{ tool: 'Bash', input: { command: 'echo only-b', description: 'B' } }, { text: 'B is done.' }] });
  const [ra, rb] = await Promise.all([h.headless(a), h.headless(b)]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const fired = h.fired();
  const ids = [...new Set(fired.filter((f) => f.hook_event_name === 'UserPromptSubmit').map((f) => f.session_id))];
  assert.equal(ids.length, 2);
  for (const id of ids) await assertAllStoredOnce(fired, id);
  const bId = fired.find((f) => f.hook_event_name === 'UserPromptSubmit' && f.prompt === b)!.session_id;
  const bText = JSON.stringify(await stored(bId));
  assert.ok(bText.includes('only-b') && !bText.includes('check.sh'), "B's session holds only B's tool calls");
});

test('a tenant with another repository of the same folder name: hooks, MCP tools and memflow context use one project', async () => {
  const name = uniqueName('repo');
  // Another repository of that name came first.
  const other = await fetch(`${api.url}/v1/hooks/session-start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'x-memflow-project': name, 'x-memflow-project-key': '00000000deadbeef' },
    body: JSON.stringify({ session_id: `other-${name}`, cwd: `/elsewhere/${name}`, hook_event_name: 'SessionStart', source: 'startup' }),
  });
  assert.equal(other.status, 200);

  const h = await harness(name);
  await install(h);
  const marker = `zebra-${uniqueName('m')}`;
  const prompt = `remember the convention ${uniqueName('p')}`;
  model.add({
    prompt,
    steps: [
      { tool: 'mcp__memflow__remember', input: { text: `Refund amounts are rounded half up (${marker}).`, kind: 'convention' } },
      { tool: 'mcp__memflow__search', input: { query: marker, mode: 'keyword' } },
      { text: 'Remembered.' },
    ],
  });
  const run = await h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  const fired = h.fired();
  const sessionId = fired.find((f) => f.hook_event_name === 'SessionStart')!.session_id;
  await assertAllStoredOnce(fired, sessionId);
  const session = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: sessionId }, select: { project: { select: { name: true } } } });
  assert.match(session.project.name, new RegExp(`^${name}-[0-9a-f]{6}$`), 'the hooks stored this repository as its own project');

  // The MCP tools answered from that project (what Claude Code sent back to the model says so).
  const remembered = model.requestsOf(prompt).map((r) => requestText(r.body)).join('\n');
  const id = new RegExp(`Remembered: ([0-9a-f]{8}) in ${session.project.name}\\b`).exec(remembered)?.[1];
  assert.ok(id, 'remember wrote to the same project');
  // The search tool's answer lists the memory by its id (a hit line starts with it).
  assert.match(remembered, new RegExp(`^${id} \\w+ `, 'm'), 'search found what was just remembered');

  // The CLI, run in a subfolder of the repository, reads the same project.
  fs.mkdirSync(path.join(h.repo, 'src', 'deep'), { recursive: true });
  const ctx = await h.memflow(['context', '--json'], { cwd: path.join(h.repo, 'src', 'deep') });
  assert.equal(ctx.code, 0, ctx.stderr);
  assert.match(ctx.stdout, new RegExp(session.project.name));
  const doctor = await h.memflow(['doctor'], { cwd: path.join(h.repo, 'src') });
  assert.match(doctor.stdout, new RegExp(`project: "${session.project.name}"`));
});

test('events captured under a wrong key reach the right tenant after the user corrects it and confirms', async () => {
  const h = await harness(uniqueName('wrongkey'), 'mf_not-a-real-key-000000000000000000000000');
  writeCheck(h);
  await install(h);
  const prompt = `wrong key session ${uniqueName('p')}`;
  model.add(fixScript(prompt, 'Fixed with the wrong key set.'));
  const run = await h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  const fired = h.fired();
  const sessionId = fired.find((f) => f.hook_event_name === 'SessionStart')!.session_id;
  const doctor = await h.memflow(['doctor']);
  assert.equal(doctor.code, 1, 'doctor fails while events are stuck');
  assert.match(doctor.stdout, /refused the key|stuck/);
  assert.equal((await stored(sessionId)).length, 0);

  // The user fixes MEMFLOW_API_KEY, then confirms where the stuck events go.
  const retarget = await h.memflow(['spool', 'retarget', '--yes'], { env: { MEMFLOW_API_KEY: tenant.key } });
  assert.equal(retarget.code, 0, retarget.stderr);
  assert.match(retarget.stdout, /retargeted \d+ event/);
  await assertAllStoredOnce(fired, sessionId);
  const after = await h.memflow(['doctor'], { env: { MEMFLOW_API_KEY: tenant.key } });
  assert.doesNotMatch(after.stdout, /stuck for another API or key/);
});

test('resume, compaction and a subagent (the Agent tool) are captured as what they are', async () => {
  const h = await harness(uniqueName('lifecycle'));
  await install(h);
  const prompt = `delegate the audit ${uniqueName('p')}`;
  const subTask = `audit the refund module ${uniqueName('t')}`;
  model.add({
    prompt,
    steps: [
      { tool: 'Agent', input: { description: 'Audit refunds', prompt: subTask, subagent_type: 'general-purpose' } },
      { text: 'The subagent audited the refund module.' },
    ],
  });
  // The subagent's own conversation starts with the task's prompt.
  model.add({ prompt: subTask, steps: [{ tool: 'Bash', input: { command: 'echo audited', description: 'audit' } }, { text: 'Audit done: nothing wrong.' }] });
  const first = await h.headless(prompt);
  assert.equal(first.code, 0, first.stderr);
  const sessionId = h.fired().find((f) => f.hook_event_name === 'SessionStart')!.session_id;

  // Resumed (`--resume <id>`), then compacted (`/compact`): the same session continues.
  const again = `and once more ${uniqueName('p')}`;
  const resumed = await h.headless(again, ['--resume', sessionId]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const compacted = await h.headless('/compact', ['--resume', sessionId]);
  assert.equal(compacted.code, 0, compacted.stderr);

  const fired = h.fired();
  const names = fired.filter((f) => f.session_id === sessionId).map((f) => f.hook_event_name);
  assert.ok(names.includes('SubagentStop'), `the client fired SubagentStop (${names.join(', ')})`);
  assert.ok(fired.some((f) => f.session_id === sessionId && f.hook_event_name === 'SessionStart' && f.source === 'resume'), 'a resumed SessionStart');
  await assertAllStoredOnce(fired, sessionId);
  const events = await stored(sessionId);
  const kinds = new Set(events.map((e) => e.event));
  assert.ok(kinds.has('subagent_stop'), 'the subagent is stored as a subagent stop');
  if (names.includes('PreCompact')) assert.ok(kinds.has('pre_compact') && kinds.has('post_compact'), 'compaction is stored as what it is');
  const starts = events.filter((e) => e.event === 'session_start').map((e) => (e.payload as { source?: string }).source);
  assert.ok(starts.includes('startup') && starts.includes('resume'));
});
