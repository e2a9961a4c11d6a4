/**
 * bench:summaries — is the offline summarizer right? Every session of the outcome corpus
 * (tests/fixtures/outcome-corpus.json: realistic sessions from real repositories' history, each
 * with its true outcome) is summarized the way the capture path stores it, and judged:
 * - the final summary states the session's final outcome correctly (passing, failing, unverified);
 * - no learning claims the opposite of the outcome; fixes carry their decisive error line and what
 *   changed; no convention is made up from a task;
 * - batch and final summaries differ; the title is not said again in the body; every edit is cited
 *   with a real line range.
 * Then (unless --no-stack) the whole corpus goes through the real API and worker (offline
 * summarizer, real PostgreSQL and Temporal) and each project's start context is checked: no
 * duplicated line, no memflow self-activity, every failure line with its error.
 *
 *   npm run bench:summaries -- [--no-stack] [--verbose]
 */
import os from 'node:os';
import { Command } from 'commander';
import { citationsOfToolCall } from '../activities/summarize/summary-citations.js';
import { createPrisma } from '../common/server/db.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { contextProblems, judge, type ContextProblems } from '../tests/fixtures/outcome-checks.js';
import { deliveriesOf, loadCorpus, REFUND_SESSION } from '../tests/fixtures/outcome-corpus.js';
import { replay } from '../tests/helpers/sessions.js';
import { benchStack, benchTenant, printTable, spawnEntry, stopChild, waitForReady } from './lib.js';

const pct = (n: number, d: number) => `${n}/${d} (${((n / Math.max(1, d)) * 100).toFixed(1)} %)`;

function offlineTable(verbose: boolean): [string, string][] {
  const corpus = loadCorpus();
  const verdicts = corpus.map((s) => judge(s, deliveriesOf(s)));
  const sum = (f: (v: (typeof verdicts)[number]) => number) => verdicts.reduce((a, v) => a + f(v), 0);
  const wrong = verdicts.filter((v) => !v.correct);
  if (verbose) for (const v of wrong) console.log(`wrong: ${v.id}: true ${v.truth}, stated ${v.stated}`);
  let edits = 0;
  let ranged = 0;
  for (const s of corpus) {
    for (const d of deliveriesOf(s)) {
      if (d.event !== 'post-tool-use' || !['Edit', 'MultiEdit', 'Write'].includes(String(d.body.tool_name))) continue;
      for (const c of citationsOfToolCall(String(d.body.tool_name), d.body, s.cwd)) {
        edits++;
        if (c.startLine > 0 && c.endLine >= c.startLine) ranged++;
      }
    }
  }
  const by = (k: string) => verdicts.filter((v) => v.truth === k);
  const refund = verdicts.find((v) => v.id === REFUND_SESSION.id)!;
  return [
    ['sessions (passing / failing / unverified)', `${corpus.length} (${by('passing').length} / ${by('failing').length} / ${by('unverified').length})`],
    ['final outcome stated correctly', pct(verdicts.length - wrong.length, verdicts.length)],
    ['  of passing sessions', pct(by('passing').filter((v) => v.correct).length, by('passing').length)],
    ['  of failing sessions', pct(by('failing').filter((v) => v.correct).length, by('failing').length)],
    ['  of unverified sessions', pct(by('unverified').filter((v) => v.correct).length, by('unverified').length)],
    ['the reported refund case', refund.correct ? `correct (${refund.stated})` : `WRONG (${refund.stated})`],
    ['learnings extracted', String(sum((v) => v.learnings.length))],
    ['learnings contradicting the outcome', String(sum((v) => v.contradicting.length))],
    ['fixes without their decisive error', String(sum((v) => v.fixWithoutError))],
    ['fixes without what changed', String(sum((v) => v.fixWithoutChange))],
    ['conventions made up from tasks', String(sum((v) => v.inventedConventions))],
    ['stated conventions missed', String(sum((v) => v.missedConventions))],
    ['batch summary same as final', String(sum((v) => (v.batchSameAsFinal ? 1 : 0)))],
    ['title said again in the body', String(sum((v) => (v.titleRepeated ? 1 : 0)))],
    ['edit citations with a real line range', pct(ranged, edits)],
  ];
}

async function contextTable(verbose: boolean): Promise<[string, string][]> {
  const corpus = loadCorpus();
  const stack = await benchStack();
  const prisma = createPrisma(stack.env.DATABASE_URL);
  const port = await freePort();
  // No model key: the offline summarizer, as every user without one gets it.
  const env = { ...stack.env, MEMFLOW_PORT: String(port), MEMFLOW_LOG_LEVEL: 'error', ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined };
  const worker = spawnEntry('workers/main.ts', env);
  const api = spawnEntry('api/main.ts', env);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url);
    const { tenantId, key } = await benchTenant(prisma, 'bench-truth');
    const t0 = performance.now();
    // Sessions of a project one after another (as a person works), the projects side by side.
    const projects = [...new Set(corpus.map((s) => s.cwd))];
    await Promise.all(
      projects.map(async (cwd) => {
        for (const s of corpus.filter((x) => x.cwd === cwd)) await replay(url, key, deliveriesOf(s, `${s.id}-${tenantId.slice(0, 8)}`));
      }),
    );
    await waitUntil(async () => (await prisma.summary.count({ where: { tenantId, kind: 'final' } })) === corpus.length, {
      what: 'final summaries of every session',
      timeoutMs: 900_000,
      intervalMs: 500,
    });
    const seconds = (performance.now() - t0) / 1000;
    const rows: [string, string][] = [['sessions through the real stack', `${corpus.length} in ${seconds.toFixed(0)} s`]];
    const total: ContextProblems = { lines: 0, duplicated: [], selfActivity: [], failuresWithoutError: [], repeatedWithin: [] };
    let tokens = 0;
    for (const cwd of projects) {
      const project = cwd.replace(/^.*\//, '');
      const res = await fetch(`${url}/v1/context?${new URLSearchParams({ project })}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { context: string; tokens: number };
      if (verbose) console.log(`\n--- context of ${project} (${body.tokens} tokens, ${corpus.filter((s) => s.cwd === cwd).length} sessions)\n${body.context}`);
      const p = contextProblems(body.context);
      tokens += body.tokens;
      total.lines += p.lines;
      for (const k of ['duplicated', 'selfActivity', 'failuresWithoutError', 'repeatedWithin'] as const) total[k].push(...p[k]);
    }
    rows.push(
      [`start contexts (${projects.length} projects): lines / tokens`, `${total.lines} / ${tokens}`],
      ['  duplicated lines', String(total.duplicated.length)],
      ['  lines saying one phrase twice', String(total.repeatedWithin.length)],
      ['  memflow self-activity lines', String(total.selfActivity.length)],
      ['  failure lines without their error', String(total.failuresWithoutError.length)],
    );
    return rows;
  } finally {
    await Promise.all([stopChild(api), stopChild(worker)]);
    await prisma.$disconnect();
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const opts = new Command('bench:summaries').option('--no-stack', 'only the offline judgement (no API, worker or database)').option('--verbose', 'print wrong cases and the contexts').parse(process.argv).opts<{ stack: boolean; verbose?: boolean }>();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const rows = offlineTable(opts.verbose === true);
  if (opts.stack) rows.push(...(await contextTable(opts.verbose === true)));
  printTable(`summaries: the offline summarizer against the outcome corpus (load average at start ${load}, ${os.cpus().length} cores)`, rows);
}

main().catch((err: Error) => {
  console.error(`bench:summaries: ${err.message}`);
  process.exit(1);
});
