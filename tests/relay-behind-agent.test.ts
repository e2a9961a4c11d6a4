/**
 * The relay stays out of the agent's way (cli/relay/session-activity.ts, held-context.ts), against the real
 * API, worker, PostgreSQL and Temporal:
 * - a session's events wait while its hooks come in quick succession and go out once it is quiet,
 *   in order and once; a SessionEnd sends what is left at once;
 * - after a session ended, the next SessionStart of the project is answered from the context the
 *   relay fetched behind it (the failure of the last session in it) without asking the API, and an
 *   event of the project delivered since makes the relay ask the API again.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { startRelay, type Relay } from '../cli/relay/relay-server.js';
import { waitUntil } from '../infra/wait-until.js';
import { countTokens } from '../common/rules/tokens.js';
import { START_TOKENS_WITH_PUSHES } from '../messages/hooks-v1.js';
import { tempDir } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('relay-behind') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
let api: TestApi;
let worker: TestWorker;
let relay: Relay;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const project = uniqueName('quiet');
const QUIET_MS = 3000;

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  relay = await startRelay({
    port: 0,
    spoolDir: await tempDir('relay-spool'),
    defaultUrl: api.url,
    // What is asserted is what the answers hold and the order of delivery, not how fast: a generous budget, so that a
    // context read on its own still comes back in time with three test files at once on two cores (CI read '' once).
    startBudgetMs: 15_000,
    // Likewise the prompt's push: past its budget the relay stops asking the API for a while (api-budget.ts), and the
    // compaction's SessionStart two hooks later was answered with only a warning (CI read '' again, 2026-12-02).
    promptBudgetMs: 15_000,
    timing: { quietMs: QUIET_MS, maxDeferMs: 60_000 },
  });
});

after(async () => {
  await relay?.close();
  await api?.close();
  await worker?.stop();
  await prisma.$disconnect();
});

/** A hook as Claude Code's http hook (or memflow-hook) hands it to the relay. */
async function hook(event: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${relay.url}/hook/${event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-memflow-url': api.url, 'x-memflow-project': project },
    body: JSON.stringify({ cwd: '/tmp', transcript_path: '/tmp/t.jsonl', ...body }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

/** The session's stored events in order: a tool call by its id, anything else by its route name. */
const stored = async (sessionId: string) =>
  (
    await prisma.hookEvent.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sessionId } }, orderBy: { sequence: 'asc' }, select: { event: true, toolUseId: true } })
  ).map((e) => e.toolUseId ?? e.event.replace(/_/g, '-'));

const health = async () => (await (await fetch(`${relay.url}/health`)).json()) as { startContexts: { served: number; fetched: number }; spool: { batched: number; delivered: number } };

test('a busy session is delivered once quiet, in order and once; SessionEnd sends the rest soon after', async () => {
  const s = crypto.randomUUID();
  await hook('session-start', { session_id: s, hook_event_name: 'SessionStart', source: 'startup' });
  await hook('user-prompt-submit', { session_id: s, hook_event_name: 'UserPromptSubmit', prompt: 'fix the refund rounding' });
  for (let i = 0; i < 3; i++) {
    await hook('post-tool-use', { session_id: s, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: `toolu_${i}`, tool_input: { command: `echo ${i}` }, tool_response: { stdout: `${i}\n`, stderr: '', interrupted: false } });
  }
  // While hooks keep coming, only what SessionStart itself delivered (for its context) is stored.
  const busy = await stored(s);
  assert.deepEqual(busy, ['session-start'], 'the prompt and the tool calls wait while the session is busy');
  // Once quiet, everything goes out, in the order it happened.
  await waitUntil(async () => (await stored(s)).length === 5, { what: 'the quiet session delivered', timeoutMs: 30_000, intervalMs: 100 });
  assert.deepEqual(await stored(s), ['session-start', 'user-prompt-submit', 'toolu_0', 'toolu_1', 'toolu_2']);
  // The prompt went on its own (its answer is memory); the tool calls that waited behind it in one batch.
  assert.equal((await health()).spool.batched, 3, 'the waiting tool calls went in one batch');
  // A SessionEnd is not held back for the quiet period: the agent is gone a moment later.
  await hook('post-tool-use-failure', { session_id: s, hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_use_id: 'toolu_f', tool_input: { command: 'npm test' }, error: 'AssertionError: expected 1999 to be 2000' });
  await hook('session-end', { session_id: s, hook_event_name: 'SessionEnd', reason: 'other' });
  await waitUntil(async () => (await stored(s)).length === 7, { what: 'the ended session delivered', timeoutMs: QUIET_MS - 200, intervalMs: 50 });
  assert.deepEqual((await stored(s)).slice(-2), ['toolu_f', 'session-end']);
});

test('the next SessionStart is answered from the context fetched behind the last session; a new delivery makes it ask the API', async () => {
  // The previous test's session ended: the relay fetches the project's context behind it.
  await waitUntil(async () => (await health()).startContexts.fetched > 0, { what: 'a start context fetched after the SessionEnd', timeoutMs: 30_000, intervalMs: 100 });
  const before = await health();
  const s = crypto.randomUUID();
  const answer = (await hook('session-start', { session_id: s, hook_event_name: 'SessionStart', source: 'startup' })) as { hookSpecificOutput?: { additionalContext?: string } };
  assert.match(answer.hookSpecificOutput?.additionalContext ?? '', /expected 1999 to be 2000/, 'the held context carries the last session\'s failure');
  assert.equal((await health()).startContexts.served, before.startContexts.served + 1, 'answered from the held context');
  // The SessionStart itself still reaches the API, behind the agent.
  await hook('session-end', { session_id: s, hook_event_name: 'SessionEnd', reason: 'other' });
  await waitUntil(async () => (await stored(s)).length === 2, { what: 'the second session delivered', timeoutMs: 30_000, intervalMs: 100 });
  // Claude Code's start context is the smaller one (the relay also pushes with each prompt and at each
  // file): the held context was fetched with that budget, and the API's receipt says it.
  assert.ok(countTokens(answer.hookSpecificOutput?.additionalContext ?? '') <= START_TOKENS_WITH_PUSHES);
  const startReceipt = () => prisma.contextReceipt.findFirst({ where: { tenantId: tenant.tenantId, channel: 'session_start', session: { agentSessionId: s } } });
  await waitUntil(async () => (await startReceipt()) !== null, { what: "the second session's start receipt", timeoutMs: 10_000, intervalMs: 50 });
  assert.equal((await startReceipt())!.budget, START_TOKENS_WITH_PUSHES);
  // Delivered since the context was fetched: the next start asks the API itself (until the relay
  // fetched again) — either way the answer carries the memory.
  const s3 = crypto.randomUUID();
  const third = (await hook('session-start', { session_id: s3, hook_event_name: 'SessionStart', source: 'startup' })) as { hookSpecificOutput?: { additionalContext?: string } };
  assert.match(third.hookSpecificOutput?.additionalContext ?? '', /expected 1999 to be 2000/, `the third start carries the memory: ${JSON.stringify(third)}`);
  // A resumed conversation gets no second context, and its event is still delivered.
  const resumed = await hook('session-start', { session_id: s, hook_event_name: 'SessionStart', source: 'resume' });
  assert.equal(resumed.hookSpecificOutput, undefined);
});

test("compaction's SessionStart keeps its place behind the session's waiting events, and still answers with the context", async () => {
  const s = crypto.randomUUID();
  await hook('session-start', { session_id: s, hook_event_name: 'SessionStart', source: 'startup' });
  await hook('user-prompt-submit', { session_id: s, hook_event_name: 'UserPromptSubmit', prompt: 'compact the conversation' });
  await hook('pre-compact', { session_id: s, hook_event_name: 'PreCompact', trigger: 'manual', custom_instructions: '' });
  // The session is busy (quiet period): the prompt and PreCompact wait in the spool. Delivered since
  // the context was held, so SessionStart cannot answer from it and reads the context itself.
  const answer = (await hook('session-start', { session_id: s, hook_event_name: 'SessionStart', source: 'compact' })) as { hookSpecificOutput?: { additionalContext?: string } };
  assert.match(answer.hookSpecificOutput?.additionalContext ?? '', /expected 1999 to be 2000/, `the context after compaction carries the memory: ${JSON.stringify(answer)}`);
  // What is stored so far (the first SessionStart, if it was delivered for its context) is the start
  // of the session in the order it happened: the compaction's SessionStart did not overtake anything.
  const order = ['session-start:startup', 'user-prompt-submit', 'pre-compact', 'session-start:compact', 'post-compact', 'session-end'];
  const withSource = async () =>
    (
      await prisma.hookEvent.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: s } }, orderBy: { sequence: 'asc' }, select: { event: true, payload: true } })
    ).map((e) => e.event.replace(/_/g, '-') + (e.event === 'session_start' ? `:${(e.payload as { source?: string }).source}` : ''));
  const early = await withSource();
  assert.deepEqual(early, order.slice(0, early.length), 'the compaction SessionStart did not overtake the waiting events');
  await hook('post-compact', { session_id: s, hook_event_name: 'PostCompact', trigger: 'manual', compact_summary: 'summary' });
  await hook('session-end', { session_id: s, hook_event_name: 'SessionEnd', reason: 'other' });
  await waitUntil(async () => (await withSource()).length === 6, { what: 'the compacted session delivered', timeoutMs: 30_000, intervalMs: 100 });
  assert.deepEqual(await withSource(), order);
});

test("another agent's native events go through the relay too: mapped by its adapter, answered in its format; an unknown agent is a 404", async () => {
  const s = crypto.randomUUID();
  const post = (route: string, body: Record<string, unknown>) =>
    fetch(`${relay.url}/hook/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-memflow-url': api.url, 'x-memflow-project': project, 'x-memflow-host-version': '0.169.0' },
      body: JSON.stringify({ cwd: '/tmp', session_id: s, ...body }),
    });
  const start = await post('codex/SessionStart', { hook_event_name: 'SessionStart', source: 'startup', model: 'gpt-5' });
  assert.equal(start.status, 200);
  const startText = await start.text();
  assert.doesNotThrow(() => JSON.parse(startText), `Codex's SessionStart answer is its JSON: ${startText}`);
  const unknownEvent = await post('codex/NotAnEvent', { hook_event_name: 'NotAnEvent' });
  assert.equal(unknownEvent.status, 200, 'an event memflow does not keep is answered, and dropped');
  const unknownHost = await post('vim/SessionStart', { hook_event_name: 'SessionStart' });
  assert.equal(unknownHost.status, 404);
  assert.match(await unknownHost.text(), /'vim' is not an agent/);
  await post('codex/Stop', { hook_event_name: 'Stop', last_assistant_message: 'done in codex' });
  await waitUntil(async () => (await stored(s)).length === 2, { what: "Codex's events delivered", timeoutMs: 30_000, intervalMs: 100 });
  assert.deepEqual(await stored(s), ['session-start', 'stop']);
  const rows = await prisma.hookEvent.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: s } }, orderBy: { sequence: 'asc' }, select: { payload: true } });
  assert.deepEqual((rows[0]!.payload as { memflowAgent?: unknown }).memflowAgent, { host: 'codex', version: '0.169.0' });
  // No file push for Codex: its sessions keep the API's default start context.
  const codexReceipt = () => prisma.contextReceipt.findFirst({ where: { tenantId: tenant.tenantId, channel: 'session_start', session: { agentSessionId: s } } });
  await waitUntil(async () => (await codexReceipt()) !== null, { what: "Codex's start receipt", timeoutMs: 10_000, intervalMs: 50 });
  assert.equal((await codexReceipt())!.budget, 1500);
});
