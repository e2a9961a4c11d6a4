/**
 * Memory pushed with each prompt (issue 46, docs/push.md) in the agent hosts other than Claude Code
 * (tests/claude-code-push.test.ts): the real CLI (pinned version) set up by `memflow install --host`,
 * headless against its scripted model stand-in, with the real API, worker, PostgreSQL, Temporal and
 * Weaviate behind it; what memflow pushed is read from the requests the CLI sends its model.
 *
 * OpenCode: a decision the user stated in one session reaches the model, as a part of the user's
 * message, with a later session's prompt that touches it; an unrelated prompt reaches it alone; and
 * each prompt is stored once, in the user's words.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureAgentCli } from '../infra/agent-clis.js';
import { waitUntil } from '../infra/wait-until.js';
import { runCli } from './fixtures/cli-run.js';
import { hostRepo, hostsTestApp, installHost, startHost } from './helpers/agent-hosts.js';
import { uniqueName } from './helpers/env.js';
import { offersTools, requestText, scriptOf } from './helpers/scripted-turns.js';
import { sessionResult } from './helpers/sessions.js';

const { prisma, temporal, app } = hostsTestApp('hosts-push');

/** When OpenCode made an id (prt_…, msg_…: 12 hex digits of ms * 4096 + a counter), in ms. */
const idMs = (id: string) => Math.floor(parseInt(id.split('_')[1]!.slice(0, 12), 16) / 4096);

/** The user messages' texts of a Chat Completions request, each text part apart (OpenCode's wire). */
function userTexts(body: unknown): string[] {
  const messages = (body as { messages?: { role?: string; content?: unknown }[] } | undefined)?.messages ?? [];
  return messages
    .filter((m) => m.role === 'user')
    .flatMap((m) => (typeof m.content === 'string' ? [m.content] : Array.isArray(m.content) ? (m.content as { type?: string; text?: string }[]).filter((c) => c.type === 'text').map((c) => c.text ?? '') : []));
}

test('opencode: a decision stated in an earlier session reaches the model with a later prompt that touches it (a part of the user message); an unrelated prompt gets nothing; each prompt stored once', { timeout: 600_000 }, async () => {
  const at = await hostRepo('opencode', app.tenant.key);
  // The channel is what this tests, not the budget: on a loaded machine the API's push can take longer
  // than the default 300 ms, and the prompt would (rightly) go without. The relay (started by install)
  // and the plugin both read it.
  at.env.MEMFLOW_PROMPT_BUDGET_MS = '5000';
  const exe = await ensureAgentCli('opencode');
  const agent = await startHost('opencode', at.home, scriptOf([], 'Added the changelog entry for payclient/retry.py.'));
  const project = path.basename(at.repo);
  /** One `opencode run`; its session's stored prompts, and the first model request of its conversation (the first that offers tools). */
  const session = async (prompt: string) => {
    agent.fake.requests.length = 0;
    const t0 = Date.now();
    const r = await agent.run(prompt, at.repo, at.env);
    assert.equal(r.code, 0, r.stderr.slice(-1500));
    const first = agent.fake.modelRequests.find((q) => offersTools(q.body));
    assert.ok(first, `the session with "${prompt}" asked the model`);
    let prompts: { sessionId: string; prompt: string }[] = [];
    await waitUntil(
      async () => {
        const rows = await prisma.hookEvent.findMany({ where: { tenantId: app.tenant.tenantId, event: 'user_prompt_submit', session: { project: { name: project } } } });
        prompts = rows.map((e) => ({ sessionId: e.sessionId, prompt: String((e.payload as { prompt?: unknown }).prompt ?? '') })).filter((e) => e.prompt.includes(prompt));
        return prompts.length > 0;
      },
      { what: `the prompt "${prompt}" stored`, timeoutMs: 60_000, intervalMs: 250 },
    );
    // OpenCode's own record of the session (`opencode export`): the user's message with its parts.
    const agentSession = (await prisma.session.findUniqueOrThrow({ where: { id: prompts[0]!.sessionId } })).agentSessionId;
    const exported = JSON.parse(execFileSync(exe, ['export', agentSession], { cwd: at.repo, env: agent.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { messages: { info: { role: string; time: { created: number } }; parts: { id: string; type: string; text?: string; synthetic?: boolean }[] }[] };
    const user = exported.messages.find((m) => m.info.role === 'user')!;
    const reply = exported.messages.find((m) => m.info.role === 'assistant');
    const own = user.parts.find((p) => p.type === 'text' && !p.synthetic)!;
    const push = user.parts.find((p) => p.type === 'text' && p.synthetic && /bears on this prompt/.test(p.text ?? ''));
    // What the plugin's chat.message waited, as OpenCode's ids and times tell it (logged, not asserted):
    // the pushed part's id holds when it was made, the prompt's part's when the message was; the
    // assistant's message is made once the user's is saved, after the hook.
    console.log(
      `opencode "${prompt.slice(0, 32)}…": ${push ? `push added ${idMs(push.id) - idMs(own.id)} ms after the prompt's part; ` : 'nothing pushed; '}` +
        `user message → assistant message ${reply ? reply.info.time.created - user.info.time.created : '?'} ms; process start → first model request ${first.at - t0} ms (load ${os.loadavg()[0]!.toFixed(1)})`,
    );
    return { first, prompts, user, push, own };
  };
  try {
    await installHost('opencode', at, app.api.url);
    const decision = 'We decided retries are capped at 7 — never change MAX_ATTEMPTS in payclient/retry.py.';
    const s1 = await session(`${decision} Now add a changelog entry for the retry module.`);
    // Nothing memory holds bears on the first prompt of the project: the user's message is theirs alone.
    assert.equal(s1.prompts.length, 1, 'the prompt stored once');
    const s1Session = await prisma.session.findUniqueOrThrow({ where: { id: s1.prompts[0]!.sessionId } });
    await sessionResult(temporal.client, prisma, app.tenant.tenantId, s1Session.agentSessionId, 120_000);
    const stored = await prisma.learning.findMany({ where: { tenantId: app.tenant.tenantId, kind: 'decision', project: { name: project } } });
    assert.ok(stored.some((l) => l.origin === 'user' && l.body.includes('capped at 7')), `the decision is stored in the user's words: ${stored.map((l) => l.title).join(' | ')}`);

    agent.fake.script = scriptOf([], 'Checked the retry settings.');
    const task = `The nightly import gives up too early when the partner API is flaky — bump the retry limit to 20 (${uniqueName('t')}).`;
    const s2 = await session(task);
    const texts = userTexts(s2.first.body);
    assert.ok(texts.some((t) => t.includes(task)), 'the prompt as the user wrote it');
    const pushed = texts.filter((t) => /bears on this prompt/.test(t));
    assert.equal(pushed.length, 1, `the push, once, beside the prompt: ${JSON.stringify(texts).slice(0, 1500)}`);
    assert.match(pushed[0]!, /capped at 7/, 'the decision reaches the model with the prompt that touches it');
    assert.ok(!pushed[0]!.includes(task), "the push is a part of its own, not the user's words");
    assert.ok(s2.push && s2.user.parts.indexOf(s2.push) > s2.user.parts.indexOf(s2.own), 'OpenCode keeps the push in the session, after the prompt');
    assert.equal(s2.prompts.length, 1, 'the prompt stored once');
    assert.ok(!s2.prompts[0]!.prompt.includes('bears on this prompt'), 'the stored prompt is the user\'s, without the push');

    agent.fake.script = scriptOf([], 'Done.');
    const unrelated = `Add a CONTRIBUTING section about running the docs build locally (${uniqueName('u')}).`;
    const s3 = await session(unrelated);
    const plain = userTexts(s3.first.body);
    assert.ok(plain.some((t) => t.includes(unrelated)), 'the prompt as the user wrote it');
    assert.deepEqual(plain.filter((t) => !t.includes(unrelated)), [], `nothing beside the unrelated prompt: ${JSON.stringify(plain).slice(0, 1500)}`);
    assert.doesNotMatch(requestText(s3.first.body), /bears on this prompt/);
    assert.deepEqual(s3.user.parts.filter((p) => p.synthetic).map((p) => p.text), [], 'nothing added to the message');
    assert.equal(s3.prompts.length, 1, 'the prompt stored once');
  } finally {
    await agent.stop();
    await runCli(['relay', 'stop'], { env: at.env });
  }
});
