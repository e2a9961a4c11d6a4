/**
 * Small closed sessions of one project summarized together by the user's agent CLI
 * (activities/summarize/cli-batch.ts), and the model's judgement of the person's statements deciding
 * which are kept as rules (activities/summarize/statement-verdicts.ts). The real `claude` (pinned, as
 * the suite installs it) against a scripted model server, driven by the summarize activities as the
 * worker runs them (several sessions' activities at once, as a worker runs its closes), on the real
 * PostgreSQL:
 * - three small sessions closing together: one CLI run, each session's own part stored with its
 *   learning, the run's usage shared among them and its request counted once;
 * - one session's part invalid: that session's activity fails with the type after which the workflow
 *   writes it offline (and it is stored offline); the others are stored from the same run;
 * - the run failing as a whole (garbage): every session fails for offline, none lost;
 * - a request the offline detector takes for a rule is not kept when the model says it is a request,
 *   and a rule the detector misses is kept when the model says it is one: through the CLI, and on the
 *   API path (the real SDK against a scripted Messages API), whose final call is shown the prompts;
 * - the CLI path's cost per session (wall, CPU, runs), batching off against on, printed with the load.
 *
 * A scripted model is not a model: nothing here says how good the summaries or the judgements are.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSummarizeActivities, type SummaryOutcome } from '../activities/summarize/summarize-activities.js';
import { cliRunLog } from '../activities/summarize/cli-model.js';
import { statedLearnings } from '../activities/summarize/stated-learnings.js';
import { Failure, SUMMARIZE_OFFLINE_ON } from '../messages/errors-v1.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { summarizerCli, type SummarizerCli } from './helpers/summarizer-clis.js';
import { FakeAnthropic } from './helpers/fake-anthropic.js';

const prisma = testPrisma();
let c: SummarizerCli;

before(async () => {
  c = await summarizerCli('claude-cli');
});

after(async () => {
  await c.stop();
  await prisma.$disconnect();
});

type Ids = { tenantId: string; projectId: string; sessionId: string };

/** A project of `n` small sessions; each asks about its own ticket (the marker the scripted answer repeats). */
async function seedProject(n: number, prompts?: (ticket: string) => string[]): Promise<{ sessions: Ids[]; tickets: string[] }> {
  const t = await newTenant(prisma);
  const project = await prisma.project.create({ data: { tenantId: t.tenantId, name: uniqueName('proj') } });
  const sessions: Ids[] = [];
  const tickets: string[] = [];
  for (let i = 0; i < n; i++) {
    const ticket = `T-${uniqueName('x').slice(2, 8)}`;
    const session = await prisma.session.create({ data: { tenantId: t.tenantId, projectId: project.id, agentSessionId: uniqueName('s'), agent: 'claude-code' } });
    const asks = prompts?.(ticket) ?? [`Ticket ${ticket}: the SLA report shows less uptime than ops measured; find out why`];
    const rows = [
      ...asks.map((a) => ({ kind: 'prompt' as const, title: a.slice(0, 80), text: a })),
      { kind: 'tool' as const, title: 'Bash: python3 report.py --month 2026-10', text: 'python3 report.py --month 2026-10\n---\nuptime 99.1% (ops: 99.7%)' },
      { kind: 'tool' as const, title: 'Edit: report.py', text: 'report.py\n---\n- downtime = sum(intervals)\n+ downtime = sum(merge_overlapping(intervals))' },
      { kind: 'tool' as const, title: 'Bash: python3 report.py --month 2026-10', text: 'python3 report.py --month 2026-10\n---\nuptime 99.7%' },
    ];
    await prisma.observation.createMany({
      data: rows.map((r, k) => ({ tenantId: t.tenantId, projectId: project.id, sessionId: session.id, sequence: k + 1, toolName: r.kind === 'tool' ? r.title.split(':')[0] : null, tokenCount: 30, ...r })),
    });
    sessions.push({ tenantId: t.tenantId, projectId: project.id, sessionId: session.id });
    tickets.push(ticket);
  }
  return { sessions, tickets };
}

/** One session's answer: its ticket in the title and the learning, citing numbers its own section showed. */
function sessionAnswer(section: string, extra: Record<string, unknown> = {}) {
  const ticket = /Ticket (T-[0-9a-f]+)/.exec(section)?.[1] ?? '?';
  const cited = [...section.matchAll(/^#(\d+) tool/gm)].map((m) => Number(m[1]));
  return {
    title: `Fixed the SLA report of ticket ${ticket}`,
    request: `Ticket ${ticket}: find why the SLA report shows less uptime.`,
    investigated: 'Ran report.py for 2026-10: 99.1% against 99.7%.',
    learned: 'Overlapping outage intervals were each counted.',
    completed: 'report.py merges overlapping intervals; 99.7% now.',
    nextSteps: '',
    learnings: [
      {
        kind: 'fix',
        title: `Overlapping outages merged before summing downtime (${ticket})`,
        body: 'report.py summed overlapping outage intervals; merge_overlapping(intervals) before the sum fixed it.',
        confidence: 0.9,
        sources: cited.length > 0 ? cited : [1],
        outcome: 'confirmed',
        appliesWhen: ['SLA report shows less uptime than ops measured'],
      },
    ],
    ...extra,
  };
}

/** The scripted model: a run of several sessions gets one part per `# Session Sn` section; a lone one its answer. */
function scripted(spoil?: (alias: string, part: Record<string, unknown>) => Record<string, unknown>) {
  return (request: string): string | undefined => {
    if (!request.includes('Write the final summary')) return undefined;
    const sections = request.split(/^# Session (S\d+)$/m);
    if (sections.length < 3) return JSON.stringify(sessionAnswer(request));
    const parts: Record<string, unknown>[] = [];
    for (let i = 1; i < sections.length; i += 2) {
      const part = { session: sections[i]!, ...sessionAnswer(sections[i + 1]!) };
      parts.push(spoil ? spoil(sections[i]!, part) : part);
    }
    return JSON.stringify({ sessions: parts });
  };
}

const config = (over: Record<string, string> = {}) => testConfig({ MEMFLOW_MODEL: 'claude-cli', MEMFLOW_CLI_TIMEOUT_MS: '120000', MEMFLOW_CLI_BATCH_WAIT_MS: '3000', ...over });
const activities = (over: Record<string, string> = {}) => createSummarizeActivities({ prisma, config: config(over), cliEnv: { ...c.env, MEMFLOW_CLAUDE_CLI: c.executable } });

const final = (acts: ReturnType<typeof activities>, ids: Ids, offline = false): Promise<SummaryOutcome> =>
  new MockActivityEnvironment().run(acts.summarizeSession, { ...ids, kind: 'final' as const, ...(offline ? { offline } : {}) });

/** The sessions' final summaries as the workers' activities run them: all at once. */
const closeTogether = (acts: ReturnType<typeof activities>, sessions: Ids[]) => Promise.allSettled(sessions.map((s) => final(acts, s)));

const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** CPU of this process's reaped children (the CLI runs and their process trees), in ms. */
function childrenCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

function failedForOffline(r: PromiseSettledResult<SummaryOutcome>, type: string): void {
  assert.equal(r.status, 'rejected', 'the session was expected to fail for offline');
  const err = (r as PromiseRejectedResult).reason;
  assert.ok(err instanceof ApplicationFailure, String(err));
  assert.equal(err.type, type, err.message);
  assert.ok(SUMMARIZE_OFFLINE_ON.includes(err.type!), 'the workflow writes this summary offline');
}

test('three small sessions of a project closing together: one CLI run, each session its own part, usage shared, the run counted once', async () => {
  c.answer = scripted();
  const { sessions, tickets } = await seedProject(3);
  const acts = activities();
  const before = c.summarizerRequests().length;
  const runs = cliRunLog.length;
  const results = await closeTogether(acts, sessions);
  for (const r of results) assert.equal(r.status === 'fulfilled' && r.value.status === 'done' && !r.value.offline, true, String(r.status === 'rejected' ? r.reason : ''));
  assert.equal(c.summarizerRequests().length - before, 1, 'one model request for the three sessions');
  assert.equal(cliRunLog.length - runs, 1, 'one CLI run');
  const finals = await Promise.all(sessions.map((s) => prisma.summary.findFirstOrThrow({ where: { sessionId: s.sessionId, kind: 'final' } })));
  finals.forEach((f, i) => {
    assert.equal(f.offline, false);
    assert.match(f.model ?? '', /^claude-cli:/);
    assert.equal(f.title, `Fixed the SLA report of ticket ${tickets[i]}`, 'each session stored its own part');
  });
  const learnings = await prisma.learning.findMany({ where: { projectId: sessions[0]!.projectId, kind: 'fix' } });
  assert.deepEqual(learnings.map((l) => l.title).sort(), tickets.map((t) => `Overlapping outages merged before summing downtime (${t})`).sort());
  const usage = await prisma.tokenUsage.findFirstOrThrow({ where: { tenantId: sessions[0]!.tenantId } });
  assert.equal(usage.requests, 1, 'the run is one request');
  assert.equal(
    finals.reduce((sum, f) => sum + f.tokensIn, 0),
    Number(usage.tokensIn),
    'the sessions share the run usage',
  );
  assert.ok(finals.every((f) => f.tokensIn > 0));
  assert.deepEqual(c.offeredTools(), [], 'no tools offered');
  assert.deepEqual(c.firedHooks(), [], 'no hook fired in the summarizer run');
});

test("one session's part invalid: that session goes offline (stored), the others are stored from the same run", async () => {
  c.answer = scripted((alias, part) => (alias === 'S2' ? { ...part, title: '' } : part));
  const { sessions, tickets } = await seedProject(3);
  const acts = activities();
  const before = c.summarizerRequests().length;
  const results = await closeTogether(acts, sessions);
  assert.equal(c.summarizerRequests().length - before, 1, 'one request: the answer as a whole validated, no repair');
  const bad = results.findIndex((r) => r.status === 'rejected');
  assert.ok(bad >= 0, 'one session failed');
  failedForOffline(results[bad]!, Failure.LlmMalformedOutput);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
  // What the workflow does next (summarize-steps.ts): that summary offline.
  const outcome = await final(acts, sessions[bad]!, true);
  assert.equal(outcome.status === 'done' && outcome.offline, true);
  for (const [i, s] of sessions.entries()) {
    const rows = await prisma.summary.findMany({ where: { sessionId: s.sessionId, kind: 'final' } });
    assert.equal(rows.length, 1, 'none lost, none twice');
    if (i === bad) assert.equal(rows[0]!.offline, true);
    else assert.deepEqual([rows[0]!.offline, rows[0]!.title], [false, `Fixed the SLA report of ticket ${tickets[i]}`]);
  }
});

test('the run failing as a whole (garbage after two repairs): every session fails for offline and is stored offline', async () => {
  c.answer = (request) => (request.includes('Write the final summary') ? 'no JSON from me' : undefined);
  const { sessions } = await seedProject(3);
  const acts = activities();
  const before = c.summarizerRequests().length;
  const results = await closeTogether(acts, sessions);
  assert.equal(c.summarizerRequests().length - before, 3, 'one run, its two repairs');
  for (const r of results) failedForOffline(r, Failure.LlmMalformedOutput);
  for (const s of sessions) assert.equal((await final(acts, s, true)).status, 'done');
  const finals = await prisma.summary.findMany({ where: { sessionId: { in: sessions.map((s) => s.sessionId) }, kind: 'final' } });
  assert.equal(finals.length, 3);
  assert.ok(finals.every((f) => f.offline));
});

const REQUEST = 'Never let import_rows skip the header check again, fix it so it raises on a bad header.';
const RULE = 'Use the cents helper in ledger.py for amounts, that is how we do it here.';

test("the model's judgement decides the rules: a request the detector takes for a rule is not kept, a rule it misses is", async () => {
  // The offline detector's verdicts, for contrast (its files are not this test's).
  const detector = statedLearnings([
    { sequence: 1, kind: 'prompt', text: `Ticket T-1: ${REQUEST}` },
    { sequence: 2, kind: 'prompt', text: RULE },
  ]);
  assert.deepEqual(
    detector.map((d) => [d.kind, d.sources[0]]),
    [['convention', 1]],
    'the detector takes the request for a rule and misses the rule',
  );

  const prompts = (ticket: string) => [`Ticket ${ticket}: ${REQUEST}`, RULE];
  const judged = (request: string) => {
    const answer = scripted()(request);
    if (!answer) return undefined;
    const a = JSON.parse(answer) as Record<string, unknown>;
    return JSON.stringify({
      ...a,
      statements: [
        { source: 1, says: 'request' },
        { source: 2, says: 'convention', words: 'Use the cents helper in ledger.py for amounts' },
      ],
    });
  };
  c.answer = judged;
  const { sessions } = await seedProject(1, prompts);
  const acts = activities({ MEMFLOW_CLI_BATCH_WAIT_MS: '0' });
  const outcome = await final(acts, sessions[0]!);
  assert.equal(outcome.status === 'done' && !outcome.offline, true);
  const kept = await prisma.learning.findMany({ where: { projectId: sessions[0]!.projectId, kind: { in: ['convention', 'decision', 'note'] } } });
  assert.equal(kept.length, 1, `kept: ${kept.map((k) => `${k.kind}: ${k.title}`).join(' | ')}`);
  assert.equal(kept[0]!.kind, 'convention');
  assert.equal(kept[0]!.title, 'Use the cents helper in ledger.py for amounts', "the person's words, as the model copied them");
  assert.match(kept[0]!.body, /— the user/);
  assert.ok(!kept.some((k) => k.title.includes('import_rows')), 'the request is not a rule');
  const flagged = await prisma.observation.findMany({ where: { sessionId: sessions[0]!.sessionId, ruleLike: true } });
  assert.deepEqual(flagged.map((o) => o.sequence), [], 'no prompt the model judged a request is left for the push to quote');

  // The same session offline: the detector decides (the request kept as a rule): the verdicts are the model's only where a model ran.
  const { sessions: off } = await seedProject(1, prompts);
  await final(acts, off[0]!, true);
  const offline = await prisma.learning.findMany({ where: { projectId: off[0]!.projectId, kind: { in: ['convention', 'decision', 'note'] } } });
  assert.deepEqual(
    offline.map((k) => k.kind),
    ['convention'],
  );
  assert.match(offline[0]!.title, /import_rows/);
});

test("the API path too: the model's judgement decides the rules, and its final call is shown the person's prompts verbatim", async () => {
  const fake = new FakeAnthropic();
  await fake.start();
  try {
    const { sessions } = await seedProject(1, (ticket) => [`Ticket ${ticket}: ${REQUEST}`, RULE]);
    const ids = sessions[0]!;
    fake.enqueue({
      kind: 'tool-input',
      input: {
        ...sessionAnswer('Ticket T-api\n#3 tool: x'),
        statements: [
          { source: 1, says: 'request' },
          { source: 2, says: 'convention', words: 'Use the cents helper in ledger.py for amounts' },
        ],
      },
    });
    const acts = createSummarizeActivities({ prisma, config: testConfig({ MEMFLOW_MODEL: 'anthropic', ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: fake.url }) });
    const outcome = await final(acts as ReturnType<typeof activities>, ids);
    assert.equal(outcome.status === 'done' && !outcome.offline, true);
    const sent = JSON.stringify(fake.requests.at(-1)!.body);
    assert.ok(sent.includes("The person's prompts, verbatim") && sent.includes('Use the cents helper in ledger.py for amounts, that is how we do it here.'), 'the prompts are in the final call');
    const kept = await prisma.learning.findMany({ where: { projectId: ids.projectId, kind: { in: ['convention', 'decision', 'note'] } } });
    assert.deepEqual(
      kept.map((k) => [k.kind, k.title]),
      [['convention', 'Use the cents helper in ledger.py for amounts']],
    );
  } finally {
    await fake.stop();
  }
});

test('cost per closed session, batching off (each session its own run) against on (one run for the project), alternated', async () => {
  c.answer = scripted();
  const rounds: { mode: string; sessions: number; runs: number; wallMs: number; cpuMs: number; load: string }[] = [];
  for (const mode of ['off', 'on', 'off', 'on']) {
    const { sessions } = await seedProject(4);
    const acts = activities({ MEMFLOW_CLI_BATCH_WAIT_MS: mode === 'on' ? '2000' : '0' });
    const runs = cliRunLog.length;
    const cpu0 = childrenCpuMs();
    const t0 = Date.now();
    const results = await closeTogether(acts, sessions);
    assert.ok(results.every((r) => r.status === 'fulfilled' && r.value.status === 'done' && !r.value.offline));
    rounds.push({ mode, sessions: sessions.length, runs: cliRunLog.length - runs, wallMs: Date.now() - t0, cpuMs: childrenCpuMs() - cpu0, load: load() });
  }
  for (const r of rounds) {
    console.log(
      `# batching ${r.mode}: ${r.sessions} sessions closing together, ${r.runs} CLI run(s), ${r.wallMs} ms until all stored, CLI CPU ${r.cpuMs} ms (${Math.round(r.cpuMs / r.sessions)} ms per session), ${(r.runs / r.sessions).toFixed(2)} runs per session, load ${r.load}`,
    );
  }
  assert.ok(rounds.filter((r) => r.mode === 'on').every((r) => r.runs === 1));
  assert.ok(rounds.filter((r) => r.mode === 'off').every((r) => r.runs === r.sessions));
});
