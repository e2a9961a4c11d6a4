/**
 * Cross-agent memory that stays clear: one project worked on by Codex and by Claude Code.
 * Every session says which agent (and version, when its hook client knows it) ran it, every search
 * hit says which agent produced it, and GET /v1/search, GET /v1/context and GET /v1/sessions hold
 * the answer to one agent with `agent=`; an unknown agent is a 400 that names the field. The Codex
 * events are built by the Codex adapter (cli/hosts/codex.ts) from Codex's own payload shape, as the
 * hook client sends them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codex } from '../cli/hosts/codex.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { replay } from './helpers/sessions.js';

const config = testConfig();
const prisma = testPrisma();
let api: TestApi;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const project = uniqueName('ledger');
const cwd = `/work/${project}`;
const codexSid = uniqueName('codex');
const claudeSid = uniqueName('claude');

const get = async (path: string) => {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${tenant.key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

function codexEvent(native: string, payload: Record<string, unknown>, exitCode?: number) {
  const e = codex.toHookEvent(native, { session_id: codexSid, cwd, ...payload }, { version: '0.169.0', ...(exitCode !== undefined ? { extras: { exitCode } } : {}) });
  assert.ok(e, native);
  return { event: e.event, body: e.body };
}

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma);
  await replay(api.url, tenant.key, [
    codexEvent('SessionStart', { hook_event_name: 'SessionStart', source: 'startup', model: 'gpt-5' }),
    codexEvent('PostToolUse', { hook_event_name: 'PostToolUse', tool_name: 'exec_command', tool_use_id: 'c1', tool_input: { cmd: 'python reconcile_ledger.py' }, tool_response: 'AssertionError: ledger totals drift by 0.01' }, 1),
    codexEvent('PostToolUse', { hook_event_name: 'PostToolUse', tool_name: 'exec_command', tool_use_id: 'c2', tool_input: { cmd: 'python reconcile_ledger.py' }, tool_response: 'ledger totals reconciled' }, 0),
    {
      event: 'session-start',
      body: { session_id: claudeSid, hook_event_name: 'SessionStart', cwd, source: 'startup' },
    },
    {
      event: 'post-tool-use',
      body: { session_id: claudeSid, hook_event_name: 'PostToolUse', cwd, tool_name: 'Bash', tool_use_id: 'k1', tool_input: { command: 'npm run ledger:export' }, tool_response: { stdout: 'ledger exported to ledger.csv', stderr: '' } },
    },
  ]);
});

after(async () => {
  await api?.close();
  await prisma.$disconnect();
});

test('each session says which agent ran it, and with which version', async () => {
  const all = await get(`/v1/sessions?project=${project}`);
  assert.equal(all.status, 200);
  const byId = Object.fromEntries((all.body.items as { id: string; agent: string; agentVersion: string | null }[]).map((s) => [s.id, s]));
  assert.equal(byId[codexSid]!.agent, 'codex');
  assert.equal(byId[codexSid]!.agentVersion, '0.169.0');
  assert.equal(byId[claudeSid]!.agent, 'claude-code');
  assert.equal(byId[claudeSid]!.agentVersion, null, "Claude Code's hooks do not say its version");
  const codexOnly = await get(`/v1/sessions?project=${project}&agent=codex`);
  assert.deepEqual(codexOnly.body.items.map((s: { id: string }) => s.id), [codexSid]);
});

test('search says the agent of each hit and filters by it', async () => {
  const hits = async (agent?: string) => {
    const r = await get(`/v1/search?q=ledger&mode=keyword&project=${project}${agent ? `&agent=${agent}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.results as { sessionId: string; agent: string }[];
  };
  const all = await hits();
  assert.deepEqual([...new Set(all.map((h) => h.agent))].sort(), ['claude-code', 'codex']);
  for (const h of all) assert.equal(h.agent, h.sessionId === codexSid ? 'codex' : 'claude-code');
  const codexHits = await hits('codex');
  assert.ok(codexHits.length >= 2, JSON.stringify(codexHits));
  assert.ok(codexHits.every((h) => h.sessionId === codexSid && h.agent === 'codex'));
  const claudeHits = await hits('claude-code');
  assert.ok(claudeHits.length >= 1);
  assert.ok(claudeHits.every((h) => h.sessionId === claudeSid));
  assert.deepEqual(await hits('opencode'), []);
});

test("the start context can be held to one agent's sessions", async () => {
  const context = async (agent?: string) => {
    const r = await get(`/v1/context?project=${project}&q=ledger${agent ? `&agent=${agent}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.context as string;
  };
  const all = await context();
  assert.match(all, /reconcile_ledger\.py/);
  assert.match(all, /ledger:export/);
  const claude = await context('claude-code');
  assert.match(claude, /ledger:export/);
  assert.doesNotMatch(claude, /reconcile_ledger/);
  const cx = await context('codex');
  assert.match(cx, /reconcile_ledger\.py/);
  assert.doesNotMatch(cx, /ledger:export/);
});

test('an unknown agent is refused with a 400 that names the field, on every route', async () => {
  for (const path of [`/v1/search?q=ledger&agent=vim`, `/v1/context?project=${project}&agent=vim`, `/v1/sessions?agent=vim`]) {
    const r = await get(path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.error.code, 'invalid_query');
    assert.match(r.body.error.message, /^agent: must be one of claude-code, codex, gemini, opencode, copilot/);
  }
});
