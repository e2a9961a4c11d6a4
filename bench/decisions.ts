/**
 * npm run bench:decisions — when a task's first prompt arrives, does memflow push the decision that
 * settles it (and the amended rule, not the stale one), and nothing when nothing bears on it?
 *
 * The corpus (bench/decisions/corpus/, written before any tuning; README there): three projects,
 * 50 developer <-> agent conversations that settle rules (10 of them amend an earlier one), 150
 * decoy conversations from real repositories' histories, 40 tasks (a bug report that never states
 * the rule; split dev/test) and 25 prompts about things no conversation ever touched.
 *
 * Everything goes through the real stack, as an agent's hooks would: the API and worker as their own
 * processes on the test stack (PostgreSQL, Temporal, Weaviate). Each conversation is replayed in
 * date order as an agent session (SessionStart, a UserPromptSubmit per user turn, a Stop with the
 * agent's answer per agent turn, SessionEnd); the bench waits until every session is summarized.
 * Then each task opens a new session and submits its bug report: what the UserPromptSubmit hook
 * answers (hookSpecificOutput.additionalContext) is judged —
 *   - decision reached: every `mustContain` fact of the rule in force is in the pushed text;
 *   - amended right: reached, and no fact only the superseded rule stated is pushed;
 *   - tokens pushed (tiktoken), and the hook's round trip.
 * The unrelated prompts are judged by the tokens pushed (goal: ≤ 50 on average).
 *
 *   npm run bench:decisions [-- --split dev|test|all --misses --corpus corpus|corpus2|corpus3]
 * --corpus picks the corpus folder (corpus2: two more projects, splits dev2/test2; corpus3: three more, dev3/test3).
 * Each corpus may hold dev-hard.json: harder dev tasks (split devh, devh2, devh3), a second report for a rule a dev
 * task uses, in words that share as little as possible with it.
 * --misses prints, for the dev split only, what was pushed for each task it got wrong, and what
 * was pushed for each unrelated prompt that got anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { countTokens } from '../common/rules/tokens.js';
import { repoRoot } from '../infra/profile.js';
import { waitUntil } from '../infra/wait-until.js';
import { loadAverage } from './proc-cpu.js';
import { percentile, printColumns, serverPhases, startBenchServices } from './lib.js';

interface Turn {
  speaker: 'user' | 'assistant';
  text: string;
}
interface Conversation {
  id: string;
  project: string;
  at: string;
  agent: string;
  turns: Turn[];
}
interface Task {
  id: string;
  project: string;
  /** `dev` / `dev2` tune on these; `test` / `test2` report on these. */
  split: string;
  prompt: string;
  decision: string;
  current: string;
  mustContain: string[];
  staleFacts?: string[];
}
interface Unrelated {
  id: string;
  project: string;
  prompt: string;
}

const { values: args } = parseArgs({ options: { split: { type: 'string', default: 'all' }, misses: { type: 'boolean', default: false }, corpus: { type: 'string', default: 'corpus' } } });
if (!/^corpus\d*$/.test(args.corpus!)) throw new Error(`--corpus names a folder of bench/decisions (corpus, corpus2, corpus3): not ${args.corpus}`);
const dir = path.join(repoRoot, 'bench/decisions', args.corpus!);
const decisions = JSON.parse(fs.readFileSync(path.join(dir, 'decisions.json'), 'utf8')) as { conversations: Conversation[]; tasks: Task[]; unrelated: Unrelated[] };
const decoys = JSON.parse(fs.readFileSync(path.join(dir, 'decoys.json'), 'utf8')) as { conversations: Conversation[] };
/** Harder dev tasks, when the corpus has them (dev-hard.json: a second, symptom-only report for a rule a dev task uses). */
const hardFile = path.join(dir, 'dev-hard.json');
const hard = fs.existsSync(hardFile) ? (JSON.parse(fs.readFileSync(hardFile, 'utf8')) as { tasks: Task[] }).tasks : [];
const tasks = [...decisions.tasks, ...hard].filter((t) => args.split === 'all' || t.split === args.split);
/** The author's grading of decisions.json's tasks (difficulty.json, from the README's table): hard, moderate, easy. */
const gradeFile = path.join(dir, 'difficulty.json');
const grades = fs.existsSync(gradeFile) ? (JSON.parse(fs.readFileSync(gradeFile, 'utf8')) as Record<string, unknown>) : {};
const gradeOf = (id: string) => (['hard', 'moderate', 'easy'] as const).find((g) => Array.isArray(grades[g]) && (grades[g] as string[]).includes(id));

const services = await startBenchServices('decisions');
const { url } = services.api;
const { key, tenantId } = services.tenant;
const run = Date.now().toString(36);

/** Whether every session of the bench's tenant is summarized (none active or being summarized). */
const allSummarized = async () => (await services.prisma.session.count({ where: { tenantId, status: { in: ['active', 'summarizing'] } } })) === 0;

/** One hook event through the API, as an http hook would post it. */
async function hook(event: string, project: string, body: Record<string, unknown>): Promise<{ json: Record<string, unknown>; ms: number; server: Record<string, number> }> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/hooks/${event}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-memflow-project': project },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`${event}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return { json: JSON.parse(text) as Record<string, unknown>, ms, server: serverPhases(res.headers.get('server-timing')) };
}

const agentOf = (agent: string) => ({ claude: 'claude-code', 'claude-code': 'claude-code', codex: 'codex', gemini: 'gemini', opencode: 'opencode', copilot: 'copilot' })[agent] ?? 'claude-code';

/** A conversation replayed as one agent session. */
async function replay(c: Conversation): Promise<void> {
  const session = `${run}-${c.id}`;
  const base = { session_id: session, cwd: `/home/dev/${c.project}`, memflowAgent: { host: agentOf(c.agent) } };
  await hook('session-start', c.project, { ...base, hook_event_name: 'SessionStart', source: 'startup' });
  for (const t of c.turns) {
    if (t.speaker === 'user') await hook('user-prompt-submit', c.project, { ...base, hook_event_name: 'UserPromptSubmit', prompt: t.text });
    else await hook('stop', c.project, { ...base, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: t.text });
  }
  await hook('session-end', c.project, { ...base, hook_event_name: 'SessionEnd', reason: 'other' });
}

try {
  const all = [...decisions.conversations, ...decoys.conversations].sort((a, b) => a.at.localeCompare(b.at));
  let t0 = performance.now();
  for (const [i, c] of all.entries()) {
    await replay(c);
    if ((i + 1) % 25 === 0) console.log(`[bench] replayed ${i + 1}/${all.length} conversations`);
  }
  const replaySeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await waitUntil(allSummarized, { what: 'every replayed session summarized', timeoutMs: 900_000, intervalMs: 1000 });
  const settleSeconds = (performance.now() - t0) / 1000;
  const learnings = await services.prisma.learning.groupBy({ by: ['kind', 'status'], where: { tenantId }, _count: true });
  console.log(`[bench] ${all.length} conversations replayed in ${replaySeconds.toFixed(1)} s, summarized ${settleSeconds.toFixed(1)} s later; learnings: ${learnings.map((l) => `${l.kind}/${l.status} ${l._count}`).join(', ')}`);

  interface Judged {
    task: Task;
    context: string;
    tokens: number;
    reached: boolean;
    stale: boolean;
    /** Every fact of the rule in force is in one active learning of the project (stored, whether or not pushed). */
    stored: boolean;
    ms: number;
    serverMs: number;
  }
  const judged: Judged[] = [];
  /** Whether one active learning of the task's project holds every fact of the rule in force. */
  const storedFacts = async (task: Task) => {
    const active = await services.prisma.learning.findMany({ where: { tenantId, status: 'active', project: { name: task.project } }, select: { title: true, body: true } });
    return active.some((l) => task.mustContain.every((f) => `${l.title}\n${l.body}`.toLowerCase().includes(f.toLowerCase())));
  };
  for (const task of tasks) {
    const session = `${run}-task-${task.id}`;
    const base = { session_id: session, cwd: `/home/dev/${task.project}` };
    await hook('session-start', task.project, { ...base, hook_event_name: 'SessionStart', source: 'startup' });
    const answer = await hook('user-prompt-submit', task.project, { ...base, hook_event_name: 'UserPromptSubmit', prompt: task.prompt });
    await hook('session-end', task.project, { ...base, hook_event_name: 'SessionEnd', reason: 'other' });
    const context = ((answer.json.hookSpecificOutput as { additionalContext?: string } | undefined)?.additionalContext ?? '').toLowerCase();
    const reached = task.mustContain.every((f) => context.includes(f.toLowerCase()));
    const stale = (task.staleFacts ?? []).some((f) => context.includes(f.toLowerCase()));
    const stored = await storedFacts(task);
    judged.push({ task, context, tokens: context ? countTokens(context) : 0, reached, stale, stored, ms: answer.ms, serverMs: answer.server.total ?? NaN });
  }
  const unrelated: { id: string; prompt: string; tokens: number; ms: number; context: string }[] = [];
  for (const u of decisions.unrelated) {
    const session = `${run}-unrelated-${u.id}`;
    const base = { session_id: session, cwd: `/home/dev/${u.project}` };
    await hook('session-start', u.project, { ...base, hook_event_name: 'SessionStart', source: 'startup' });
    const answer = await hook('user-prompt-submit', u.project, { ...base, hook_event_name: 'UserPromptSubmit', prompt: u.prompt });
    await hook('session-end', u.project, { ...base, hook_event_name: 'SessionEnd', reason: 'other' });
    const context = (answer.json.hookSpecificOutput as { additionalContext?: string } | undefined)?.additionalContext ?? '';
    unrelated.push({ id: u.id, prompt: u.prompt, tokens: context ? countTokens(context) : 0, ms: answer.ms, context });
  }

  // The probe sessions (each task's and unrelated prompt's) are summarized like any other: wait for
  // them here, or the next run's worker summarizes them into this run's tenant after it ended (and a
  // copy of this database taken for a lab would change under it).
  t0 = performance.now();
  await waitUntil(allSummarized, { what: 'the probe sessions summarized', timeoutMs: 300_000, intervalMs: 1000 });
  console.log(`[bench] probe sessions summarized ${((performance.now() - t0) / 1000).toFixed(1)} s after the last prompt`);

  const splits = args.split === 'all' ? [...new Set(tasks.map((t) => t.split))].sort().concat('all') : [args.split!];
  const rows: [string, string[]][] = [];
  const of = (s: string) => judged.filter((j) => s === 'all' || j.task.split === s);
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  rows.push(['tasks', splits.map((s) => String(of(s).length))]);
  rows.push(['decision reached (goal ≥ 90 %)', splits.map((s) => `${of(s).filter((j) => j.reached).length}/${of(s).length} (${((100 * of(s).filter((j) => j.reached).length) / Math.max(1, of(s).length)).toFixed(0)} %)`)]);
  rows.push([
    'amended: current rule, not the stale one (goal: all)',
    splits.map((s) => {
      const a = of(s).filter((j) => j.task.current !== j.task.decision);
      return `${a.filter((j) => j.reached && !j.stale).length}/${a.length}`;
    }),
  ]);
  for (const g of ['hard', 'moderate', 'easy'] as const) {
    rows.push([`  reached, ${g} (the README's grading)`, splits.map((s) => {
      const xs = of(s).filter((j) => gradeOf(j.task.id) === g);
      return xs.length ? `${xs.filter((j) => j.reached).length}/${xs.length}` : '-';
    })]);
  }
  rows.push(['stale rule pushed', splits.map((s) => String(of(s).filter((j) => j.stale).length))]);
  rows.push(['tokens pushed per task, mean / max (goal ≤ 600)', splits.map((s) => `${(of(s).reduce((a, j) => a + j.tokens, 0) / Math.max(1, of(s).length)).toFixed(0)} / ${Math.max(0, ...of(s).map((j) => j.tokens))}`)]);
  rows.push(['missed: the rule in force never stored', splits.map((s) => String(of(s).filter((j) => !j.reached && !j.stored).length))]);
  rows.push(['missed: stored, not pushed', splits.map((s) => String(of(s).filter((j) => !j.reached && j.stored).length))]);
  const quoted = (j: { context: string }) => j.context.includes('in an earlier session; not recorded as a rule]');
  rows.push(["a person's earlier prompt quoted / of those, reached", splits.map((s) => `${of(s).filter(quoted).length} / ${of(s).filter((j) => quoted(j) && j.reached).length}`)]);
  rows.push(['nothing pushed', splits.map((s) => String(of(s).filter((j) => j.tokens === 0).length))]);
  const allMs = sorted([...judged.map((j) => j.ms), ...unrelated.map((u) => u.ms)]);
  const serverMs = sorted(judged.map((j) => j.serverMs).filter((x) => Number.isFinite(x)));
  printColumns(`Decisions pushed with the task's first prompt (UserPromptSubmit), load ${loadAverage()}`, splits, rows);
  printColumns('Unrelated prompts and the hook', ['value'], [
    ['unrelated prompts', [String(unrelated.length)]],
    ['tokens pushed, mean (goal ≤ 50)', [(unrelated.reduce((a, u) => a + u.tokens, 0) / Math.max(1, unrelated.length)).toFixed(1)]],
    ['unrelated prompts with anything pushed', [String(unrelated.filter((u) => u.tokens > 0).length)]],
    ['unrelated prompts with an earlier prompt quoted', [String(unrelated.filter((u) => u.context.includes('in an earlier session; not recorded as a rule]')).length)]],
    ['UserPromptSubmit round trip p50 / p95 (ms)', [`${percentile(allMs, 50).toFixed(1)} / ${percentile(allMs, 95).toFixed(1)}`]],
    ['API time p50 / p95 (ms, Server-Timing total)', [`${percentile(serverMs, 50).toFixed(1)} / ${percentile(serverMs, 95).toFixed(1)}`]],
  ]);
  if (args.misses) {
    for (const j of judged.filter((x) => x.task.split.startsWith('dev') && (!x.reached || x.stale))) {
      console.log(`\n--- ${j.task.id} (${j.task.project}) needs [${j.task.mustContain.join(', ')}]${j.stale ? ' STALE pushed' : ''}\nprompt: ${j.task.prompt}\npushed: ${j.context || '(nothing)'}`);
    }
    for (const u of unrelated.filter((x) => x.tokens > 0)) console.log(`\n--- unrelated ${u.id}: ${u.tokens} tokens\nprompt: ${u.prompt}\npushed: ${u.context}`);
  }
} finally {
  await services.stop();
}
