/**
 * The user's own agent CLI as memflow's summarizer (MEMFLOW_MODEL=claude-cli|codex-cli|gemini-cli):
 * the real `claude`, `codex` and `gemini` (pinned, as the suite installs them) against scripted model
 * servers, driven by the summarize activities as the worker runs them, on the real PostgreSQL. For
 * each CLI: a session's final summary written through the CLI, its answer validated and stored with
 * its learnings and usage; the CLI's requests offering the model no tools; no hook firing in the
 * summarizer's own run (hooks outside memflow log every event; a plain run of the same CLI in the
 * same HOME is the positive control); and the CLI signed out, slow, answering garbage or missing
 * each failing with the type after which the workflow writes that summary offline
 * (SUMMARIZE_OFFLINE_ON), the offline summary then stored: none lost.
 *
 * A scripted model is not a model: nothing here says how good the CLI's summaries are.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSummarizeActivities, type SummaryOutcome } from '../activities/summarize/summarize-activities.js';
import { cliRunLog } from '../activities/summarize/cli-model.js';
import { fetchMemories } from '../api/memories/memory-reads.js';
import type { CliPathName } from '../common/server/model-choice.js';
import { Failure, SUMMARIZE_OFFLINE_ON } from '../messages/errors-v1.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { summarizerCli, type SummarizerCli } from './helpers/summarizer-clis.js';

const prisma = testPrisma();
const CLIS: CliPathName[] = ['claude-cli', 'codex-cli', 'gemini-cli'];
const clis = new Map<CliPathName, SummarizerCli>();

before(async () => {
  for (const cli of CLIS) clis.set(cli, await summarizerCli(cli));
});

after(async () => {
  for (const c of clis.values()) await c.stop();
  await prisma.$disconnect();
});

const PROMPT = 'The SLA report shows less uptime than ops measured; find out why';

async function seed() {
  const t = await newTenant(prisma);
  const project = await prisma.project.create({ data: { tenantId: t.tenantId, name: uniqueName('proj') } });
  const session = await prisma.session.create({ data: { tenantId: t.tenantId, projectId: project.id, agentSessionId: uniqueName('s'), agent: 'claude-code' } });
  const rows = [
    { kind: 'prompt' as const, title: PROMPT, text: PROMPT },
    { kind: 'tool' as const, title: 'Bash: python3 report.py --month 2026-10', text: 'python3 report.py --month 2026-10\n---\nuptime 99.1% (ops: 99.7%)' },
    { kind: 'tool' as const, title: 'Edit: report.py', text: 'report.py\n---\n- downtime = sum(intervals)\n+ downtime = sum(merge_overlapping(intervals))' },
    { kind: 'tool' as const, title: 'Bash: python3 report.py --month 2026-10', text: 'python3 report.py --month 2026-10\n---\nuptime 99.7%' },
  ];
  await prisma.observation.createMany({
    data: rows.map((r, i) => ({ tenantId: t.tenantId, projectId: project.id, sessionId: session.id, sequence: i + 1, toolName: r.kind === 'tool' ? r.title.split(':')[0] : null, tokenCount: 30, ...r })),
  });
  return { tenantId: t.tenantId, projectId: project.id, sessionId: session.id };
}

const LEARNING_TITLE = 'Overlapping outage intervals are merged before downtime is summed';
const APPLIES_WHEN = ['SLA report shows less uptime than ops measured', 'availability figure lower than the monitoring dashboard'];

/** The scripted model's answer to a final-summary request: a summary and one learning citing #2-#4 (numbers the request showed). */
function finalAnswer(request: string): string | undefined {
  if (!request.includes('Write the final summary')) return undefined;
  const cited = [2, 3, 4].filter((n) => request.includes(`#${n} `));
  return JSON.stringify({
    title: 'Fixed the SLA report double-counting overlapping outages',
    request: 'Find why the SLA report shows less uptime than ops measured.',
    investigated: 'Ran report.py for 2026-10: 99.1% against the 99.7% ops measured.',
    learned: 'Overlapping outage intervals were each counted.',
    completed: 'report.py merges overlapping intervals; the report now shows 99.7%.',
    nextSteps: '',
    learnings: [
      {
        kind: 'fix',
        title: LEARNING_TITLE,
        body: 'report.py summed outage intervals that overlap, so downtime was counted twice; merge_overlapping(intervals) before the sum fixed it (99.1% became 99.7%).',
        confidence: 0.9,
        sources: cited.length > 0 ? cited : [1],
        outcome: 'confirmed',
        appliesWhen: APPLIES_WHEN,
      },
    ],
  });
}

const configFor = (cli: CliPathName, over: Record<string, string> = {}) => testConfig({ MEMFLOW_MODEL: cli, MEMFLOW_CLI_TIMEOUT_MS: '120000', ...over });
/** The CLI's environment, with its executable named as a user names one that is not on PATH. */
const envOf = (cli: CliPathName, c: SummarizerCli, env: Record<string, string>) => ({ ...env, [`MEMFLOW_${cli.split('-')[0]!.toUpperCase()}_CLI`]: c.executable });

const final = (acts: ReturnType<typeof createSummarizeActivities>, ids: Awaited<ReturnType<typeof seed>>, offline = false): Promise<SummaryOutcome> =>
  new MockActivityEnvironment().run(acts.summarizeSession, { ...ids, kind: 'final' as const, ...(offline ? { offline } : {}) });

/** The activity's failure: its type must be one after which the workflow summarizes offline. */
async function failsForOffline(run: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await run.then(
    () => assert.fail('the summary was expected to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, String(err));
  assert.equal(err.type, type, err.message);
  assert.ok(SUMMARIZE_OFFLINE_ON.includes(err.type!), 'the workflow writes this summary offline');
  return err;
}

/** What the workflow does next (summarize-steps.ts: call()): the same summary offline; it is stored. */
async function offlineStored(acts: ReturnType<typeof createSummarizeActivities>, ids: Awaited<ReturnType<typeof seed>>): Promise<void> {
  const outcome = await final(acts, ids, true);
  assert.equal(outcome.status, 'done');
  const rows = await prisma.summary.findMany({ where: { sessionId: ids.sessionId, kind: 'final' } });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.offline, true);
}

for (const cli of CLIS) {
  describe(cli, () => {
    test('a session is summarized through the CLI: answer validated and stored, learnings merged, usage recorded, no tools offered, no hook fired', async () => {
      const c = clis.get(cli)!;
      c.answer = finalAnswer;
      const before = c.summarizerRequests().length;
      const ids = await seed();
      const acts = createSummarizeActivities({ prisma, config: configFor(cli), cliEnv: envOf(cli, c, c.env) });
      // While the session runs, a CLI path calls nothing (one program start per session, at its end).
      const batch: SummaryOutcome = await new MockActivityEnvironment().run(acts.summarizeBatch, { ...ids, afterSequence: 0, flush: true });
      assert.equal(batch.status === 'done' && batch.offline, true);
      assert.equal(c.summarizerRequests().length, before, 'no model call for a batch');

      const t0 = Date.now();
      const outcome = await final(acts, ids);
      assert.equal(outcome.status, 'done');
      assert.equal(outcome.status === 'done' && outcome.offline, false);
      const summary = await prisma.summary.findFirstOrThrow({ where: { sessionId: ids.sessionId, kind: 'final' } });
      assert.equal(summary.title, 'Fixed the SLA report double-counting overlapping outages');
      assert.ok(summary.model?.startsWith(`${cli}:`), `the summary names the path that wrote it: ${summary.model}`);
      assert.ok(summary.tokensIn > 0 && summary.tokensOut > 0, 'the CLI reported usage');
      const usage = await prisma.tokenUsage.findFirstOrThrow({ where: { tenantId: ids.tenantId } });
      assert.equal(usage.requests, 1);
      assert.equal(Number(usage.tokensIn), summary.tokensIn);
      const learning = await prisma.learning.findFirstOrThrow({ where: { projectId: ids.projectId, title: LEARNING_TITLE } });
      assert.equal(learning.kind, 'fix');
      assert.deepEqual(learning.appliesWhen, APPLIES_WHEN, 'when it applies is stored with the learning');
      // The learning's provenance, as the API answers it, names the path that wrote it.
      const record = (await fetchMemories(prisma, ids.tenantId, [learning.id])).get(learning.id);
      assert.ok(record?.type === 'learning' && record.writtenBy?.startsWith(`${cli}:`), `writtenBy: ${record?.type === 'learning' ? record.writtenBy : '?'}`);
      assert.deepEqual(record.appliesWhen, APPLIES_WHEN);
      // One call, the session's timeline in it, memflow's prompt, and nothing the model could call.
      const calls = c.summarizerRequests().slice(before);
      assert.equal(calls.length, 1, 'one model request for the session');
      assert.match(JSON.stringify(calls[0]), /report\.py/);
      assert.deepEqual(c.offeredTools(), [], 'the summarizer offers the model no tools');
      assert.deepEqual(c.firedHooks(), [], 'no hook fired in the summarizer run');
      // The cost of the path on this machine, whatever else it is doing (not a benchmark): the run's wall time and its process tree's CPU.
      const run = cliRunLog.at(-1)!;
      console.log(`# ${cli}: one session summarized in ${Date.now() - t0} ms, 1 CLI run (${run.wallMs} ms wall, ${run.cpuMs} ms CPU), load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    });

    test('positive control: a plain run of the same CLI in the same HOME fires its hooks', async () => {
      const c = clis.get(cli)!;
      const args = c.executable.endsWith('.js') ? [c.executable, ...c.plainRunArgs] : c.plainRunArgs;
      const exe = c.executable.endsWith('.js') ? process.execPath : c.executable;
      const dir = fs.mkdtempSync(`${c.home}/plain-`);
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(exe, args, { cwd: dir, env: { ...process.env, ...c.env }, stdio: ['pipe', 'ignore', 'ignore'] });
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      assert.equal(code, 0);
      assert.ok(c.firedHooks().length > 0, 'the ground-truth hooks work: a plain run fires them');
      fs.rmSync(`${c.home}/fired.ndjson`, { force: true });
    });

    test('answering garbage: repaired twice, then the failure that sends the summary offline; the tokens spent are counted; none lost', async () => {
      const c = clis.get(cli)!;
      c.answer = () => 'I would rather not answer in JSON today.';
      const before = c.summarizerRequests().length;
      const ids = await seed();
      const acts = createSummarizeActivities({ prisma, config: configFor(cli), cliEnv: envOf(cli, c, c.env) });
      await failsForOffline(final(acts, ids), Failure.LlmMalformedOutput);
      assert.equal(c.summarizerRequests().length - before, 3, 'the first answer and two repairs');
      assert.match(JSON.stringify(c.summarizerRequests().at(-1)), /did not validate/);
      const usage = await prisma.tokenUsage.findFirstOrThrow({ where: { tenantId: ids.tenantId } });
      assert.ok(Number(usage.tokensIn) > 0, 'tokens of answers that never validated still count');
      await offlineStored(acts, ids);
    });

    test('signed out: the CLI refuses, the summary is written offline', async () => {
      const c = clis.get(cli)!;
      c.answer = finalAnswer;
      const ids = await seed();
      const acts = createSummarizeActivities({ prisma, config: configFor(cli), cliEnv: envOf(cli, c, c.signedOutEnv) });
      await failsForOffline(final(acts, ids), Failure.LlmPathUnavailable);
      await offlineStored(acts, ids);
    });

    test('slow: killed at MEMFLOW_CLI_TIMEOUT_MS, the summary is written offline', async () => {
      const c = clis.get(cli)!;
      const ids = await seed();
      const acts = createSummarizeActivities({ prisma, config: configFor(cli, { MEMFLOW_CLI_TIMEOUT_MS: '15000' }), cliEnv: envOf(cli, c, c.slowEnv) });
      const t0 = Date.now();
      const err = await failsForOffline(final(acts, ids), Failure.LlmPathUnavailable);
      assert.match(err.message, /no answer within 15000 ms/);
      assert.ok(Date.now() - t0 < 60_000, 'killed near the limit');
      await offlineStored(acts, ids);
    });
  });
}

test('a CLI that is not installed: named in MEMFLOW_MODEL it leaves summaries offline; gone after the choice, it fails for offline', async () => {
  const ids = await seed();
  const named = createSummarizeActivities({ prisma, config: testConfig({ MEMFLOW_MODEL: 'claude-cli' }), cliEnv: { MEMFLOW_CLAUDE_CLI: '/nonexistent/claude' } });
  const outcome = await final(named, ids);
  assert.equal(outcome.status === 'done' && outcome.offline, true);

  const gone = `${fs.mkdtempSync('/tmp/memflow-gone-')}/claude`;
  fs.writeFileSync(gone, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const ids2 = await seed();
  const acts = createSummarizeActivities({ prisma, config: testConfig({ MEMFLOW_MODEL: 'claude-cli' }), cliEnv: { MEMFLOW_CLAUDE_CLI: gone } });
  fs.rmSync(gone);
  await failsForOffline(final(acts, ids2), Failure.LlmPathUnavailable);
  await offlineStored(acts, ids2);
});
