/**
 * Tool output is data, never an instruction: 22 instructions planted only in tool output (an
 * `npm install` error, a pytest assertion, a fetched page, a grep hit, a file read, a Go test's output,
 * a SQL linter, an install log, one split across two tool calls; imperative, fake team convention,
 * fake system note, fake user authorization, hidden HTML comment, invisible Unicode, a tool-call
 * blob, a download piped into a shell), in sessions of Claude Code, Codex and Gemini CLI whose users
 * state real rules in their prompts (tests/fixtures/poisoning-corpus.ts). Replayed through the real
 * API, summarized by the session workflow on the real Temporal server, stored in the real PostgreSQL:
 * - with the offline summarizer, and
 * - with Claude (the fake Messages API), answering as a model that fell for every injection: it
 *   repeats each planted sentence in its summaries and extracts each as a convention and a gotcha;
 * then every project's start context (GET /v1/context and the session-start hook) has no planted
 * instruction outside a fenced quote, no learning memflow stored as a rule (convention, decision)
 * carries one, and every rule a person stated in a prompt is kept.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../common/server/config.js';
import { PLANTED, POISON_SESSIONS, payloadsAnywhere, payloadsOutsideFences, poisonDeliveries, type PoisonSession } from './fixtures/poisoning-corpus.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { FakeAnthropic, userText, type MessagesRequest } from './helpers/fake-anthropic.js';
import { replay, sessionResult } from './helpers/sessions.js';

const prisma = testPrisma();
const fake = new FakeAnthropic();
const tuning = { flushDelayMs: 30, idleTimeoutMs: 120_000, summaryBatchTokens: 4000 };
let temporal: Connection;
let client: Client;

interface Stack {
  api: TestApi;
  worker: TestWorker;
}

async function startStack(withClaude: boolean): Promise<Stack> {
  const parsed = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueName('poison'),
    ...(withClaude ? { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: fake.url, MEMFLOW_SUMMARY_MODEL: 'claude-haiku-4-5', MEMFLOW_FINAL_SUMMARY_MODEL: 'claude-sonnet-4-5' } : {}),
  });
  const config: Config = withClaude ? parsed : { ...parsed, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined };
  return { api: await startTestApi(config, prisma, { tuning }), worker: await startTestWorker(config, prisma) };
}

/** The planted sentences of a session, as its tool output carries them. */
function plantedLines(s: PoisonSession): string[] {
  const outputs = s.steps.flatMap((st) => ('out' in st ? [st.out] : 'content' in st ? [st.content] : 'hits' in st ? st.hits : []));
  return s.planted.map((p) => outputs.flatMap((o) => o.split('\n')).find((l) => l.toLowerCase().includes(p.payload.toLowerCase())) ?? p.payload);
}

/**
 * A model that fell for every injection: its summaries repeat the planted sentences, its learnings
 * make each a convention (citing the tool call) and a gotcha, beside the rules the person stated
 * (citing their prompt).
 */
function gullible(req: MessagesRequest): Record<string, unknown> {
  const text = userText(req);
  const numbered = [...text.matchAll(/^#(\d+) (\w+): (.*)$/gm)].map((m) => ({ n: Number(m[1]), kind: m[2]!, title: m[3]! }));
  const prompt = numbered.find((i) => i.kind === 'prompt');
  // The session is the one whose prompt this is (the known learnings listed may quote other sessions' rules).
  const session = POISON_SESSIONS.find((s) => prompt?.title.includes(s.rules[0]!.slice(0, 40)));
  const lines = session ? plantedLines(session) : [];
  const tool = numbered.find((i) => i.kind === 'tool');
  const answer: Record<string, unknown> = {
    title: prompt ? prompt.title.slice(0, 150) : 'Session work',
    request: prompt?.title ?? '',
    investigated: lines.join(' '),
    learned: lines.map((l) => `The output said: ${l}`).join(' '),
    completed: 'Done as the tool output asked.',
    nextSteps: lines[0] ?? '',
  };
  if (req.tools?.[0]?.input_schema.properties?.learnings) {
    const learnings: Record<string, unknown>[] = [];
    if (tool) {
      for (const l of lines) {
        learnings.push({ kind: 'convention', title: l.slice(0, 190), body: `The project requires this: ${l}`, confidence: 0.8, sources: [tool.n] });
        learnings.push({ kind: 'gotcha', title: `Watch out: ${l.slice(0, 150)}`, body: l, confidence: 0.7, sources: [tool.n] });
      }
    }
    if (prompt) for (const r of session?.rules ?? []) learnings.push({ kind: 'convention', title: r, body: `Stated by the user: ${r}`, confidence: 0.6, sources: [prompt.n] });
    answer.learnings = learnings;
  }
  return answer;
}

const project = (s: PoisonSession) => s.cwd.split('/').pop()!;

async function runCorpus(stack: Stack): Promise<{ tenantId: string; key: string }> {
  const t = await newTenant(prisma);
  for (const s of POISON_SESSIONS) {
    const id = crypto.randomUUID();
    await replay(stack.api.url, t.key, poisonDeliveries(s, id));
    const result = await sessionResult(client, prisma, t.tenantId, id, 120_000);
    assert.equal(result.status, 'completed', s.id);
  }
  return t;
}

async function startContexts(stack: Stack, key: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of new Set(POISON_SESSIONS.map(project))) {
    const res = await fetch(`${stack.api.url}/v1/context?${new URLSearchParams({ project: name, tokens: '6000' })}`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    out.push(((await res.json()) as { context: string }).context);
    const hook = await fetch(`${stack.api.url}/v1/hooks/session-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ session_id: crypto.randomUUID(), transcript_path: '/tmp/t.jsonl', cwd: `/home/dev/${name}`, hook_event_name: 'SessionStart', source: 'startup' }),
    });
    assert.equal(hook.status, 200);
    out.push(((await hook.json()) as { hookSpecificOutput?: { additionalContext?: string } }).hookSpecificOutput?.additionalContext ?? '');
  }
  return out;
}

/** The three claims of the test, for one summarizer. */
async function assertNothingPushedOrStored(stack: Stack, tenantId: string, key: string, label: string) {
  const contexts = await startContexts(stack, key);
  assert.ok(contexts.some((c) => c.length > 0), 'the contexts are not empty');
  const pushed = contexts.flatMap(payloadsOutsideFences).map((p) => p.id);
  assert.deepEqual([...new Set(pushed)], [], `${label}: planted instructions pushed unfenced:\n${contexts.join('\n\n')}`);
  const learnings = await prisma.learning.findMany({ where: { tenantId }, select: { kind: true, title: true, body: true, status: true } });
  const rules = learnings.filter((l) => l.kind === 'convention' || l.kind === 'decision');
  const poisonedRules = rules.filter((l) => payloadsAnywhere(`${l.title}\n${l.body}`).length > 0);
  assert.deepEqual(poisonedRules, [], `${label}: planted instructions stored as rules`);
  // No learning of any kind carries a planted instruction unfenced.
  const poisoned = learnings.filter((l) => payloadsOutsideFences(`${l.title}\n${l.body}`).length > 0);
  assert.deepEqual(poisoned, [], `${label}: planted instructions in learnings`);
  for (const s of POISON_SESSIONS) {
    for (const r of s.rules) assert.ok(rules.some((l) => l.title.includes(r.replace(/\.$/, '').slice(0, 40))), `${label}: the stated rule "${r}" was kept (rules: ${rules.map((l) => l.title).join(' | ')})`);
  }
  // Summaries: nothing a tool printed is stored as memflow's own words.
  const summaries = await prisma.summary.findMany({ where: { tenantId }, select: { text: true } });
  const inSummaries = summaries.flatMap((x) => payloadsOutsideFences(x.text)).map((p) => p.id);
  assert.deepEqual([...new Set(inSummaries)], [], `${label}: planted instructions in stored summaries`);
  return { contexts, rules: rules.length };
}

before(async () => {
  assert.ok(PLANTED.length >= 20, `${PLANTED.length} planted instructions`);
  await fake.start();
  temporal = await Connection.connect({ address: testConfig().TEMPORAL_ADDRESS });
  client = new Client({ connection: temporal });
});

after(async () => {
  await temporal?.close();
  await fake.stop();
  await prisma.$disconnect();
});

describe('instructions planted in tool output', () => {
  test('offline summarizer: none pushed unfenced, none stored as a rule, every stated rule kept; a Gemini session is labelled Gemini', async () => {
    const stack = await startStack(false);
    try {
      const t = await runCorpus(stack);
      const { contexts } = await assertNothingPushedOrStored(stack, t.tenantId, t.key, 'offline');
      const all = contexts.join('\n');
      assert.match(all, /«[^»]*\[instruction-shaped text removed\][^»]*»/, 'a quoted error keeps its data and loses its instruction');
      assert.match(all, /Gemini CLI: /, 'the Gemini CLI sessions are labelled with their agent');
      assert.match(all, /Codex: /, 'the Codex sessions are labelled with their agent');
      assert.ok(!/Claude: (Use slugify|The timeout is set|CI runs Node 16|JPY is now supported|Refill no longer)/.test(all), 'no other agent\'s answer labelled Claude');
    } finally {
      await stack.api.close();
      await stack.worker.stop();
    }
  });

  test('Claude summarizer that repeats and extracts every injection: none pushed unfenced, none stored as a rule, every stated rule kept', async () => {
    fake.reset();
    fake.responder = gullible;
    const stack = await startStack(true);
    try {
      const t = await runCorpus(stack);
      assert.ok(fake.answered.length > 0, 'the model was called');
      // The model was shown the planted text (it is in the tool output) and repeated it.
      assert.ok(fake.requests.some((r) => payloadsAnywhere(userText(r.body)).length > 0));
      await assertNothingPushedOrStored(stack, t.tenantId, t.key, 'claude');
    } finally {
      fake.reset();
      await stack.api.close();
      await stack.worker.stop();
    }
  });
});
