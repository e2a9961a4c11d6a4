/**
 * Validates the decisions benchmark's truth set (decisions.json) before anyone tunes on it: the
 * judged truth must be exact, so every decisive quote must be a substring of its turn, every fact a
 * task demands must be stated by the rule in force, and every stale fact only by the rule it replaced.
 *
 * Run: npx tsx bench/decisions/corpus/check.ts [--dir corpus|corpus2|corpus3] [--partial]
 * (--dir names a folder of bench/decisions/, default corpus; --partial skips the final counts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

type Speaker = 'user' | 'assistant';
interface Turn { speaker: Speaker; text: string }
interface Decisive { turn: number; quote: string }
interface Conversation {
  id: string; project: string; role: 'decision' | 'amendment'; at: string; agent: string;
  turns: Turn[]; decisive: Decisive[]; rule: string; amends?: string;
}
interface Task {
  id: string; project: string; split: string; at: string; prompt: string;
  decision: string; current: string; mustContain: string[]; staleFacts?: string[];
}
interface Unrelated { id: string; project: string; prompt: string }
interface Corpus {
  version: number; projects: { name: string; description: string }[];
  conversations: Conversation[]; tasks: Task[]; unrelated: Unrelated[];
}

/** What each corpus promises (its README): counts, split names, tasks a decision may have. */
interface Expected {
  projects: number; decisions: number; amendments: number; splits: [string, string];
  tasksPerSplit: number; amendedPerSplit: number; unrelated: number; tasksPerDecision: number;
  /** Fewest unrelated prompts per project (5 unless a corpus says otherwise). */
  unrelatedPerProject?: number;
}
const EXPECTED: Record<string, Expected> = {
  corpus: { projects: 3, decisions: 40, amendments: 10, splits: ['dev', 'test'], tasksPerSplit: 20, amendedPerSplit: 5, unrelated: 25, tasksPerDecision: 1 },
  // 20 tasks on 16 decisions: four decisions have a second task, in the same split as the first.
  corpus2: { projects: 2, decisions: 16, amendments: 4, splits: ['dev2', 'test2'], tasksPerSplit: 10, amendedPerSplit: 2, unrelated: 12, tasksPerDecision: 2 },
  // Three projects: 20 tasks on 16 decisions as in corpus2; 12 unrelated prompts, 4 per project.
  corpus3: { projects: 3, decisions: 16, amendments: 4, splits: ['dev3', 'test3'], tasksPerSplit: 10, amendedPerSplit: 2, unrelated: 12, tasksPerDecision: 2, unrelatedPerProject: 4 },
};
const AGENTS = new Set(['claude-code', 'codex', 'gemini', 'opencode', 'copilot']);
const { values: args } = parseArgs({ options: { dir: { type: 'string', default: 'corpus' }, partial: { type: 'boolean', default: false } } });
const partial = args.partial === true;
const expected = EXPECTED[args.dir ?? 'corpus'];
if (!expected) throw new Error(`unknown corpus ${args.dir}: one of ${Object.keys(EXPECTED).join(', ')}`);
const [devSplit, testSplit] = expected.splits;
const file = join(dirname(fileURLToPath(import.meta.url)), '..', args.dir ?? 'corpus', 'decisions.json');
const corpus = JSON.parse(readFileSync(file, 'utf8')) as Corpus;
const errors: string[] = [];
const fail = (msg: string): void => { errors.push(msg); };
const isDate = (s: unknown): boolean => typeof s === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s) && !Number.isNaN(Date.parse(s));
const lower = (s: string): string => s.toLowerCase();
const nonEmpty = (s: unknown): boolean => typeof s === 'string' && s.trim().length > 0;

if (corpus.version !== 1) fail('version must be 1');
const projects = new Set<string>();
for (const p of corpus.projects ?? []) {
  if (!nonEmpty(p.name) || !nonEmpty(p.description)) fail(`project ${p.name}: name and description required`);
  if (projects.has(p.name)) fail(`duplicate project ${p.name}`);
  projects.add(p.name);
}

const ids = new Set<string>();
const unique = (id: string, what: string): void => {
  if (!nonEmpty(id)) fail(`${what} without id`);
  if (ids.has(id)) fail(`duplicate id ${id}`);
  ids.add(id);
};

const convs = new Map<string, Conversation>();
for (const c of corpus.conversations ?? []) {
  unique(c.id, 'conversation');
  convs.set(c.id, c);
  const at = `conversation ${c.id}`;
  if (!projects.has(c.project)) fail(`${at}: unknown project ${c.project}`);
  if (c.role !== 'decision' && c.role !== 'amendment') fail(`${at}: bad role ${c.role}`);
  if (!isDate(c.at)) fail(`${at}: bad date ${c.at}`);
  else if (c.at < '2026-06-01' || c.at >= '2026-11-01') fail(`${at}: date ${c.at} outside 2026-06..2026-10`);
  if (!AGENTS.has(c.agent)) fail(`${at}: bad agent ${c.agent}`);
  if (!Array.isArray(c.turns) || c.turns.length < 4 || c.turns.length > 14) fail(`${at}: needs 4-14 turns, has ${c.turns?.length}`);
  for (const [i, t] of (c.turns ?? []).entries()) {
    if (t.speaker !== 'user' && t.speaker !== 'assistant') fail(`${at} turn ${i}: bad speaker`);
    if (!nonEmpty(t.text)) fail(`${at} turn ${i}: empty text`);
  }
  if (!nonEmpty(c.rule)) fail(`${at}: rule required`);
  if (!Array.isArray(c.decisive) || c.decisive.length === 0) fail(`${at}: decisive required`);
  for (const d of c.decisive ?? []) {
    const turn = c.turns?.[d.turn];
    if (!turn) { fail(`${at}: decisive turn ${d.turn} does not exist`); continue; }
    if (!nonEmpty(d.quote) || !turn.text.includes(d.quote)) fail(`${at}: quote not in turn ${d.turn}: ${JSON.stringify(d.quote)}`);
  }
  if (c.role === 'amendment' && !nonEmpty(c.amends)) fail(`${at}: amendment without amends`);
  if (c.role === 'decision' && c.amends !== undefined) fail(`${at}: decision with amends`);
}

const quotes = (id: string): string => lower((convs.get(id)?.decisive ?? []).map((d) => d.quote).join('\n'));
const amendmentOf = new Map<string, Conversation>();
for (const c of convs.values()) {
  if (c.role !== 'amendment' || !c.amends) continue;
  const base = convs.get(c.amends);
  if (!base) { fail(`amendment ${c.id}: amends unknown ${c.amends}`); continue; }
  if (base.role !== 'decision') fail(`amendment ${c.id}: amends ${c.amends}, which is not a decision`);
  if (base.project !== c.project) fail(`amendment ${c.id}: other project than ${c.amends}`);
  if (!(c.at > base.at)) fail(`amendment ${c.id}: dated ${c.at}, not after ${c.amends} (${base.at})`);
  if (amendmentOf.has(base.id)) fail(`decision ${base.id} amended twice`);
  amendmentOf.set(base.id, c);
}

const decided = new Map<string, string[]>();
for (const t of corpus.tasks ?? []) {
  unique(t.id, 'task');
  const at = `task ${t.id}`;
  if (!projects.has(t.project)) fail(`${at}: unknown project ${t.project}`);
  if (t.split !== devSplit && t.split !== testSplit) fail(`${at}: bad split ${t.split}`);
  if (!isDate(t.at)) fail(`${at}: bad date ${t.at}`);
  if (!nonEmpty(t.prompt)) fail(`${at}: prompt required`);
  const decision = convs.get(t.decision);
  if (!decision || decision.role !== 'decision') { fail(`${at}: decision ${t.decision} is not a decision conversation`); continue; }
  if (decision.project !== t.project) fail(`${at}: decision of another project`);
  const earlier = decided.get(t.decision) ?? [];
  if (earlier.length >= expected.tasksPerDecision) fail(`${at}: decision ${t.decision} already used by ${earlier.join(', ')}`);
  for (const other of earlier) {
    const o = (corpus.tasks ?? []).find((x) => x.id === other);
    if (o && o.split !== t.split) fail(`${at}: decision ${t.decision} has tasks in both splits (${other})`);
  }
  decided.set(t.decision, [...earlier, t.id]);
  const amendment = amendmentOf.get(t.decision);
  const expectCurrent = amendment ? amendment.id : t.decision;
  if (t.current !== expectCurrent) fail(`${at}: current is ${t.current}, expected ${expectCurrent}`);
  for (const id of [t.decision, amendment?.id]) {
    const c = id ? convs.get(id) : undefined;
    if (c && !(t.at > c.at)) fail(`${at}: dated ${t.at}, not after ${c.id} (${c.at})`);
  }
  if (!Array.isArray(t.mustContain) || t.mustContain.length < 1 || t.mustContain.length > 3) fail(`${at}: mustContain needs 1-3 strings`);
  const current = quotes(t.current);
  for (const m of t.mustContain ?? []) {
    if (!nonEmpty(m) || !current.includes(lower(m))) fail(`${at}: mustContain ${JSON.stringify(m)} not in ${t.current}'s decisive quotes`);
  }
  if (amendment) {
    if (!Array.isArray(t.staleFacts) || t.staleFacts.length === 0) fail(`${at}: amended task needs staleFacts`);
    const old = quotes(t.decision);
    for (const s of t.staleFacts ?? []) {
      if (!old.includes(lower(s))) fail(`${at}: staleFact ${JSON.stringify(s)} not in ${t.decision}'s quotes`);
      if (current.includes(lower(s))) fail(`${at}: staleFact ${JSON.stringify(s)} also in ${amendment.id}'s quotes`);
    }
  } else if (t.staleFacts !== undefined) fail(`${at}: staleFacts on a task that is not amended`);
}
for (const c of convs.values()) {
  if (c.role === 'decision' && !decided.has(c.id)) fail(`decision ${c.id} has no task`);
}

for (const u of corpus.unrelated ?? []) {
  unique(u.id, 'unrelated');
  if (!projects.has(u.project)) fail(`unrelated ${u.id}: unknown project ${u.project}`);
  if (!nonEmpty(u.prompt)) fail(`unrelated ${u.id}: prompt required`);
}

const count = <T>(xs: T[], f: (x: T) => boolean): number => xs.filter(f).length;
const tasks = corpus.tasks ?? [];
const cs = [...convs.values()];
const amendedTasks = tasks.filter((t) => amendmentOf.has(t.decision));
const rows: [string, number, number][] = [
  ['projects', corpus.projects.length, expected.projects],
  ['decision conversations', count(cs, (c) => c.role === 'decision'), expected.decisions],
  ['amendment conversations', count(cs, (c) => c.role === 'amendment'), expected.amendments],
  ['tasks', tasks.length, 2 * expected.tasksPerSplit],
  [`tasks ${devSplit}`, count(tasks, (t) => t.split === devSplit), expected.tasksPerSplit],
  [`tasks ${testSplit}`, count(tasks, (t) => t.split === testSplit), expected.tasksPerSplit],
  [`amended tasks ${devSplit}`, count(amendedTasks, (t) => t.split === devSplit), expected.amendedPerSplit],
  [`amended tasks ${testSplit}`, count(amendedTasks, (t) => t.split === testSplit), expected.amendedPerSplit],
  ['unrelated prompts', (corpus.unrelated ?? []).length, expected.unrelated],
];
for (const p of projects) {
  const n = count(tasks, (t) => t.project === p);
  rows.push([`tasks ${p} (${devSplit}/${testSplit} ${count(tasks, (t) => t.project === p && t.split === devSplit)}/${count(tasks, (t) => t.project === p && t.split === testSplit)})`, n, n]);
  const fewest = expected.unrelatedPerProject ?? 5;
  if (!partial && count(corpus.unrelated, (u) => u.project === p) < fewest) fail(`unrelated: fewer than ${fewest} prompts for ${p}`);
}
if (!partial) {
  for (const [name, got, want] of rows) if (got !== want) fail(`count ${name}: ${got}, expected ${want}`);
  for (const split of expected.splits) {
    const per = [...projects].map((p) => count(tasks, (t) => t.project === p && t.split === split));
    if (Math.max(...per) - Math.min(...per) > 1) fail(`split ${split} uneven across projects: ${per.join('/')}`);
  }
}

console.log('| item | count | expected |\n| --- | ---: | ---: |');
for (const [name, got, want] of rows) console.log(`| ${name} | ${got} | ${want} |`);
if (errors.length > 0) {
  console.error(`\n${errors.length} problem(s):\n- ${errors.join('\n- ')}`);
  process.exit(1);
}
console.log(`\nok${partial ? ' (partial: counts not checked)' : ''}`);
