/**
 * Injection receipts and uptake, end to end on the real stack: a SessionStart answer writes one
 * receipt (a retried SessionStart none again), an MCP-style GET /v1/context names its channel and
 * session, the session workflow judges each item as the session closes (a cited file opened: used;
 * a recorded dead end run again: not used, said so), GET /v1/sessions/{id}/receipts and
 * /v1/usage/uptake report it per tenant, and an item handed over four times and never used is left
 * out of the next context with its reason in `explain`, while the used one is raised.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';
import { waitUntil } from '../infra/wait-until.js';
import { countTokens } from '../common/rules/tokens.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('receipts');
const { prisma, call } = stack;
const project = uniqueName('receipts');
let tenant: Awaited<ReturnType<typeof newTenant>>;
let other: Awaited<ReturnType<typeof newTenant>>;
const ids = { used: '', unused: '', deadEnd: '' };

async function hook(event: string, sessionId: string, extra: Record<string, unknown>) {
  const res = await fetch(`${stack.api.url}/v1/hooks/${event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-memflow-project': project },
    body: JSON.stringify({ session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: '/home/dev/shop', ...extra }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { hookSpecificOutput?: { additionalContext?: string } };
}

const start = (sessionId: string) => hook('session-start', sessionId, { hook_event_name: 'SessionStart', source: 'startup' });
const end = async (sessionId: string) => {
  await hook('session-end', sessionId, { hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' });
  await sessionResult(stack.temporal, prisma, tenant.tenantId, sessionId);
};

async function learning(kind: 'fix' | 'gotcha' | 'dead_end', title: string, body: string, path: string, confidence: number): Promise<string> {
  const projectId = (await prisma.project.findFirstOrThrow({ where: { tenantId: tenant.tenantId, name: project } })).id;
  const citations = [{ path, startLine: 1, endLine: 3, hash: 'h', lines: [] }];
  const row = await prisma.learning.create({
    data: { tenantId: tenant.tenantId, projectId, kind, title, body, confidence, fingerprint: crypto.randomBytes(32).toString('hex'), citations },
  });
  return row.id;
}

const receiptsOf = (sessionId: string, key = tenant.key) => call(key, 'GET', `/v1/sessions/${encodeURIComponent(sessionId)}/receipts?project=${project}`);

before(async () => {
  await stack.ready;
  tenant = await newTenant(prisma);
  other = await newTenant(prisma);
  await prisma.project.create({ data: { tenantId: tenant.tenantId, name: project } });
  ids.used = await learning('fix', 'Session tokens are refreshed in src/auth/session.ts', 'Refresh the token before it expires; the refresh lives in session.ts.', 'src/auth/session.ts', 0.7);
  ids.unused = await learning('gotcha', 'Invoices render through the PDF worker', 'The invoice PDF is made by the worker in billing/pdf-worker.ts, never inline.', 'billing/pdf-worker.ts', 0.9);
  ids.deadEnd = await learning('dead_end', 'The legacy migration does not work', 'Running `npm run migrate:legacy` fails on the new schema; use migrate:v2.', 'db/migrate-legacy.ts', 0.8);
});

describe('injection receipts and uptake', () => {
  const first = `s-${crypto.randomUUID()}`;

  test('a SessionStart answer writes one receipt, a retried one none again', async () => {
    const answer = await start(first);
    assert.match(answer.hookSpecificOutput?.additionalContext ?? '', /Session tokens are refreshed/);
    await start(first); // the same delivery again: a duplicate event
    // The receipt is memflow's accounting: written just after the answer, not waited for by it.
    const ofFirst = () => prisma.contextReceipt.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: first } }, include: { items: true } });
    await waitUntil(async () => (await ofFirst()).length > 0, { what: 'the SessionStart receipt', timeoutMs: 10_000, intervalMs: 20 });
    const receipts = await ofFirst();
    assert.equal(receipts.length, 1);
    const [r] = receipts;
    assert.equal(r!.channel, 'session_start');
    assert.equal(r!.budget, 1500);
    assert.ok(r!.totalTokens > 0 && r!.totalTokens <= 1500);
    assert.deepEqual(new Set(r!.items.map((i) => i.itemId)), new Set([ids.used, ids.unused, ids.deadEnd]));
    for (const i of r!.items) {
      assert.ok(i.tokens > 0, 'each item has its token cost');
      assert.match(i.reason, /^learning \((fix|gotcha|dead_end)\), score \d/);
      assert.equal(i.used, null, 'not judged before the session closed');
    }
  });

  test('GET /v1/context writes a receipt with its channel and session, and explains its items', async () => {
    const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&channel=mcp_tool:context&session=${first}&explain=true`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.explain.length, 3);
    assert.ok(res.body.explain.every((e: { included: boolean; reason: string; tokens: number }) => e.included && e.reason && e.tokens > 0));
    const plain = await call(tenant.key, 'GET', `/v1/context?project=${project}`);
    assert.equal(plain.body.explain, undefined, 'explain only when asked');
    const channels = await prisma.contextReceipt.findMany({ where: { tenantId: tenant.tenantId, projectId: (await prisma.project.findFirstOrThrow({ where: { tenantId: tenant.tenantId, name: project } })).id }, select: { channel: true, sessionId: true } });
    assert.deepEqual(channels.map((c) => c.channel).sort(), ['api', 'mcp_tool:context', 'session_start']);
    // The hook relay's fetch of a start context it holds for the next SessionStart is no injection.
    const prefetch = await call(tenant.key, 'GET', `/v1/context?project=${project}&channel=prefetch`);
    assert.equal(prefetch.status, 200);
    assert.equal(await prisma.contextReceipt.count({ where: { tenantId: tenant.tenantId } }), channels.length, 'no receipt for a prefetch');
  });

  test('bad input is a 400 naming the field; another tenant sees no receipts', async () => {
    const bad = await call(tenant.key, 'GET', `/v1/context?project=${project}&channel=email`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /channel/);
    assert.equal((await call(tenant.key, 'GET', '/v1/usage/uptake?days=0')).status, 400);
    assert.equal((await receiptsOf('no-such-session')).status, 404);
    assert.equal((await receiptsOf(first, other.key)).status, 404);
    const anonymous = await fetch(`${stack.api.url}/v1/sessions/${first}/receipts`);
    assert.equal(anonymous.status, 401);
  });

  test('as the session closes, each item it received is judged from what it did', async () => {
    const tool = (id: string, name: string, input: Record<string, unknown>) => ({ hook_event_name: 'PostToolUse', tool_name: name, tool_input: input, tool_use_id: id });
    await hook('user-prompt-submit', first, { hook_event_name: 'UserPromptSubmit', prompt: 'Why do users get logged out?' });
    await hook('post-tool-use', first, { ...tool('toolu_r1', 'Read', { file_path: '/home/dev/shop/src/auth/session.ts' }), tool_response: { type: 'text', file: { filePath: '/home/dev/shop/src/auth/session.ts', numLines: 3 } } });
    await hook('post-tool-use-failure', first, { ...tool('toolu_r2', 'Bash', { command: 'npm run migrate:legacy' }), hook_event_name: 'PostToolUseFailure', error: 'Exit code 1\nmigration failed' });
    await hook('stop', first, { hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'The token refresh was late; fixed the expiry check.' });
    await end(first);
    const res = await receiptsOf(first);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.receipts.length, 3, 'session_start, mcp_tool:context, and the api receipt served while it ran');
    const items = res.body.receipts.flatMap((r: { items: { id: string; used: boolean; evidence: string }[] }) => r.items);
    const verdict = (id: string) => items.find((i: { id: string }) => i.id === id);
    assert.equal(verdict(ids.used).used, true);
    assert.equal(verdict(ids.used).evidence, 'opened /home/dev/shop/src/auth/session.ts');
    assert.equal(verdict(ids.deadEnd).used, false);
    assert.equal(verdict(ids.deadEnd).evidence, 'repeated the recorded dead end: npm run migrate:legacy');
    assert.equal(verdict(ids.unused).used, false);
    assert.ok(res.body.receipts.every((r: { uptakeMeasuredAt: string | null }) => r.uptakeMeasuredAt));
    const { totals } = res.body;
    assert.equal(totals.injectedTokens, totals.usedTokens + totals.unusedTokens);
    assert.equal(totals.pendingTokens, 0);
    assert.ok(totals.usedTokens > 0 && totals.unusedTokens > totals.usedTokens);
  });

  test('/v1/usage/uptake: injected vs used tokens per project and day', async () => {
    const res = await call(tenant.key, 'GET', `/v1/usage/uptake?project=${project}`);
    assert.equal(res.status, 200);
    const [day] = res.body.days;
    assert.equal(res.body.days.length, 1);
    assert.equal(day.project, project);
    assert.equal(day.receipts, 3);
    assert.ok(day.usedTokens > 0 && day.injectedTokens === day.usedTokens + day.unusedTokens + day.pendingTokens);
    assert.deepEqual((await call(other.key, 'GET', '/v1/usage/uptake')).body.days, []);
  });

  test('an item handed over again and again and never used is left out, with its reason; a used one rises', async () => {
    // Two more sessions that touch none of the cited files. The gotcha was handed over three times in
    // the first (SessionStart, the MCP context, the context served while it ran), once in the second:
    // four times, never used, so the third session's start already left it out.
    for (let i = 0; i < 2; i++) {
      const s = `s-${crypto.randomUUID()}`;
      await start(s);
      await end(s);
    }
    const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&explain=true`);
    assert.equal(res.status, 200);
    assert.ok(!res.body.items.includes(ids.unused), 'left out of the context');
    const left = res.body.explain.find((e: { id: string }) => e.id === ids.unused);
    assert.deepEqual({ included: left.included, reason: left.reason }, { included: false, reason: 'left out: injected 4×, never used' });
    const raised = res.body.explain.find((e: { id: string }) => e.id === ids.used);
    assert.equal(raised.included, true);
    assert.match(raised.reason, /raised: used in 3 of 5 sessions/);
  });
});

describe('the MCP search and get tools hand records over: receipts too', () => {
  test('a search or a get with a channel writes a receipt of what it handed over; without, none', async () => {
    const receipts = (channel: string) => prisma.contextReceipt.findMany({ where: { tenantId: tenant.tenantId, channel }, include: { items: true } });
    const search = await call(tenant.key, 'GET', `/v1/search?q=${encodeURIComponent('invoice PDF worker')}&project=${project}&mode=keyword&channel=mcp_tool:search`);
    assert.equal(search.status, 200, JSON.stringify(search.body));
    assert.ok(search.body.results.some((r: { id: string }) => r.id === ids.unused));
    const [searched] = await receipts('mcp_tool:search');
    assert.deepEqual(searched!.items.map((i) => i.itemId), search.body.results.map((r: { id: string }) => r.id));
    assert.ok(searched!.items.every((i) => i.tokens > 0 && i.reason.startsWith('search hit ')));
    assert.equal(searched!.totalTokens, searched!.items.reduce((a, i) => a + i.tokens, 0));
    const got = await call(tenant.key, 'POST', '/v1/memories:batchGet?channel=mcp_tool:get', { ids: [ids.used] });
    assert.equal(got.status, 200);
    const [gotten] = await receipts('mcp_tool:get');
    assert.deepEqual(gotten!.items.map((i) => [i.itemId, i.itemType]), [[ids.used, 'learning']]);
    // A person's search (the CLI, the viewer) hands nothing to an agent: no receipt.
    const before = await prisma.contextReceipt.count({ where: { tenantId: tenant.tenantId } });
    await call(tenant.key, 'GET', `/v1/search?q=invoice&project=${project}&mode=keyword`);
    assert.equal(await prisma.contextReceipt.count({ where: { tenantId: tenant.tenantId } }), before);
    assert.equal((await call(tenant.key, 'POST', '/v1/memories:batchGet?channel=nope', { ids: [ids.used] })).status, 400);
  });
});

describe('the start budget a SessionStart asks for', () => {
  test('a SessionStart may ask for a smaller start context (the relay does for Claude Code); a bad budget is a 400 that stores nothing', async () => {
    const own = await newTenant(prisma);
    const projectId = (await prisma.project.create({ data: { tenantId: own.tenantId, name: project } })).id;
    for (const [i, title] of ['Session tokens are refreshed in src/auth/session.ts', 'Invoices render through the PDF worker in billing/pdf-worker.ts', 'Never run migrate:legacy on the new schema'].entries()) {
      await prisma.learning.create({ data: { tenantId: own.tenantId, projectId, kind: 'gotcha', title, body: `${title}. ${'It matters because the details are long. '.repeat(6)}`, confidence: 0.8, fingerprint: crypto.randomBytes(32).toString('hex'), citations: [{ path: `src/f${i}.ts`, startLine: 1, endLine: 2, hash: 'h', lines: [] }] } });
    }
    const post = (sessionId: string, tokens: unknown) =>
      fetch(`${stack.api.url}/v1/hooks/session-start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${own.key}`, 'x-memflow-project': project },
        body: JSON.stringify({ session_id: sessionId, cwd: '/home/dev/shop', hook_event_name: 'SessionStart', source: 'startup', memflowContextTokens: tokens }),
      });
    const small = `s-${crypto.randomUUID()}`;
    const res = await post(small, 120);
    assert.equal(res.status, 200);
    const context = ((await res.json()) as { hookSpecificOutput?: { additionalContext?: string } }).hookSpecificOutput?.additionalContext ?? '';
    assert.ok(context.length > 0 && countTokens(context) <= 120, `${countTokens(context)} tokens`);
    const ofSmall = () => prisma.contextReceipt.findMany({ where: { tenantId: own.tenantId, session: { agentSessionId: small } } });
    await waitUntil(async () => (await ofSmall()).length > 0, { what: 'the smaller SessionStart receipt', timeoutMs: 10_000, intervalMs: 20 });
    const [r] = await ofSmall();
    assert.equal(r!.budget, 120);
    assert.ok(r!.totalTokens > 0 && r!.totalTokens <= 120);
    const full = await call(own.key, 'GET', `/v1/context?project=${project}`);
    assert.ok(full.body.tokens > 120, 'the default start context holds more than the smaller one');
    const bad = `s-${crypto.randomUUID()}`;
    for (const tokens of [5, 1500.5, '800', 40_000]) {
      const refused = await post(bad, tokens);
      assert.equal(refused.status, 400);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'invalid_payload');
      assert.match(body.error.message, /memflowContextTokens: must be an integer from 100 to 32000/);
    }
    assert.equal(await prisma.session.count({ where: { tenantId: own.tenantId, agentSessionId: bad } }), 0, 'nothing stored');
  });
});
