/**
 * The agent-CLI model path through the whole pipeline: a recorded session replayed through the real
 * API, its session workflow on the real Temporal, the worker summarizing with the real `claude`
 * (MEMFLOW_MODEL=claude-cli) against a scripted model server. One session is summarized by the CLI
 * (final summary and learning stored, the path named); for the next the CLI answers garbage and the
 * workflow writes its summary offline: none lost. Three small sessions of one project closing together
 * share one CLI run, each storing its own part; one part invalid sends that session alone offline. The CLI inherits the worker's environment, so this
 * file points it at the scripted server there (Claude Code's own config folder, its base URL and key).
 * A scripted model is not a model: nothing here says how good the summaries are.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { buildDebugSession } from './fixtures/debug-session.js';
import { newTenant } from './helpers/env.js';
import { ordersTotalFinalAnswer, workerClaude } from './helpers/worker-claude.js';
import { replay, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

// Before the stack (and its worker) starts: the CLI the worker runs inherits its environment.
const claude = workerClaude('claude-summarizer-config');

const stack = withTestStack('summarize-cli-workflow', {
  // Small sessions of a project closing within this wait share one CLI run (activities/summarize/cli-batch.ts).
  env: { MEMFLOW_MODEL: 'claude-cli', MEMFLOW_CLI_TIMEOUT_MS: '120000', MEMFLOW_CLI_BATCH_WAIT_MS: '6000' },
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});


const finalAnswer = (request: string) => ordersTotalFinalAnswer(request);

async function runSession(): Promise<{ tenantId: string; sessionId: string }> {
  const t = await newTenant(stack.prisma);
  const session = buildDebugSession(crypto.randomUUID(), `/home/dev/shop-${crypto.randomBytes(3).toString('hex')}`);
  await replay(stack.api.url, t.key, session.deliveries);
  await sessionResult(stack.temporal, stack.prisma, t.tenantId, session.sessionId, 240_000);
  const row = await stack.prisma.session.findFirstOrThrow({ where: { tenantId: t.tenantId, agentSessionId: session.sessionId } });
  return { tenantId: t.tenantId, sessionId: row.id };
}

test('a session closed through the workflow is summarized by the CLI: one run, learning stored, the path named', async () => {
  claude.answer = finalAnswer;
  const before = claude.summarizerRuns();
  const s = await runSession();
  const final = await stack.prisma.summary.findFirstOrThrow({ where: { sessionId: s.sessionId, kind: 'final' } });
  assert.equal(final.offline, false);
  assert.match(final.model ?? '', /^claude-cli:/);
  assert.equal(final.title, 'Fixed the 500 of the orders total endpoint');
  const runs = claude.summarizerRuns() - before;
  assert.equal(runs, 1, 'one model request per closed session');
  const learning = await stack.prisma.learning.findFirstOrThrow({ where: { tenantId: s.tenantId, title: 'Orders total needs an empty list default for null orders' } });
  assert.deepEqual(learning.appliesWhen, ['order totals endpoint returns 500']);
});

test('the CLI answering garbage: the workflow writes the summary offline, none lost', async () => {
  claude.answer = () => 'not JSON at all';
  const s = await runSession();
  const final = await stack.prisma.summary.findFirstOrThrow({ where: { sessionId: s.sessionId, kind: 'final' } });
  assert.equal(final.offline, true);
  assert.equal(final.model, null);
});

/** The scripted answer to a run of several sessions: one part per `# Session Sn` section, its session id in the title. */
function togetherAnswer(bad?: string) {
  return (request: string): string | undefined => {
    if (!request.includes('Write the final summary of each of these')) return finalAnswer(request);
    const sections = request.split(/^# Session (S\d+)$/m);
    const parts = [];
    for (let i = 1; i < sections.length; i += 2) {
      const one = JSON.parse(finalAnswer(`Write the final summary\n${sections[i + 1]!.replace('## The session', '# The session')}`)!) as Record<string, unknown>;
      const marker = /shop-([0-9a-f]{6})/.exec(sections[i + 1]!)?.[1] ?? '?';
      parts.push({ session: sections[i]!, ...one, title: sections[i] === bad ? '' : `Fixed the orders total of shop-${marker}` });
    }
    return JSON.stringify({ sessions: parts });
  };
}

/** `n` sessions of one tenant's project (one cwd) replayed at once, each to its close. */
async function runTogether(n: number): Promise<{ tenantId: string; marker: string; sessionIds: string[] }> {
  const t = await newTenant(stack.prisma);
  const marker = crypto.randomBytes(3).toString('hex');
  const sessions = Array.from({ length: n }, () => buildDebugSession(crypto.randomUUID(), `/home/dev/shop-${marker}`));
  await Promise.all(sessions.map((s) => replay(stack.api.url, t.key, s.deliveries)));
  await Promise.all(sessions.map((s) => sessionResult(stack.temporal, stack.prisma, t.tenantId, s.sessionId, 240_000)));
  const rows = await stack.prisma.session.findMany({ where: { tenantId: t.tenantId } });
  return { tenantId: t.tenantId, marker, sessionIds: rows.map((r) => r.id) };
}

test('three small sessions of a project closing together: one CLI run through the workflows, each stores its own part', async () => {
  claude.answer = togetherAnswer();
  const before = claude.summarizerRuns();
  const s = await runTogether(3);
  assert.equal(s.sessionIds.length, 3);
  assert.equal(claude.summarizerRuns() - before, 1, 'one model request for the three closed sessions');
  const finals = await stack.prisma.summary.findMany({ where: { sessionId: { in: s.sessionIds }, kind: 'final' } });
  assert.equal(finals.length, 3);
  for (const f of finals) {
    assert.equal(f.offline, false);
    assert.match(f.model ?? '', /^claude-cli:/);
    assert.equal(f.title, `Fixed the orders total of shop-${s.marker}`);
  }
});

test("one session's part invalid: that session alone is summarized offline by its workflow, none lost", async () => {
  claude.answer = togetherAnswer('S2');
  const before = claude.summarizerRuns();
  const s = await runTogether(3);
  assert.equal(claude.summarizerRuns() - before, 1, 'one model request; no repair (the answer as a whole validated)');
  const finals = await stack.prisma.summary.findMany({ where: { sessionId: { in: s.sessionIds }, kind: 'final' } });
  assert.equal(finals.length, 3, 'none lost');
  assert.deepEqual(finals.map((f) => f.offline).sort(), [false, false, true]);
});
