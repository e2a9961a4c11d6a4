/**
 * Validates corpus4's truth set (decisions.json, with dev-amend.json and test5.json) against the working trees planted under code/:
 * shapes and unique ids; every decisive quote is in its turn; every fact a task demands is in the
 * decisive quotes of the rule in force, every stale fact only in the rule it replaced; the files a
 * task reads exist; the identifier a chat names is defined in the module the task opens, a chat that
 * names only plain words or a path names none of that module's top-level identifiers; hard prompts
 * name none of them either; the counts the README promises.
 *
 * Run: /work/main/node_modules/.bin/tsx bench/decisions/corpus4/check.ts   (or npx tsx ...)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Kind = 'identifier' | 'plain' | 'path';
interface Names { kind: Kind; name: string }
interface Turn { speaker: 'user' | 'assistant'; text: string; settles?: boolean; assentTo?: number }
interface Conversation {
  id: string; project: string; role: 'decision' | 'amendment'; amends?: string; at: string; agent: string;
  names: Names; turns: Turn[]; decisive: { turn: number; quote: string }[]; rule: string;
}
interface Task {
  id: string; project: string; split: string; hard: boolean; at: string; prompt: string; decision: string;
  current: string; mustContain: string[]; staleFacts?: string[]; reads: string[]; names: Names;
}
interface Probe { id: string; project: string; prompt: string; reads: string[] }
interface Corpus {
  version: number; projects: { name: string; description: string; language: string }[];
  conversations: Conversation[]; tasks: Task[]; unrelated: Probe[];
}

const here = dirname(fileURLToPath(import.meta.url));
const main = JSON.parse(readFileSync(join(here, 'decisions.json'), 'utf8')) as Corpus;
/** dev5 (README: "amendments in more shapes"): its chats and tasks are checked as the rest are. */
const amend = JSON.parse(readFileSync(join(here, 'dev-amend.json'), 'utf8')) as Pick<Corpus, 'conversations' | 'tasks'>;
/** test5 (README-test5.md): a held-out half written like test4, each chat with the `source` thread it was adapted from. */
const test5 = JSON.parse(readFileSync(join(here, 'test5.json'), 'utf8')) as Pick<Corpus, 'conversations' | 'tasks'>;
const corpus: Corpus = {
  ...main,
  conversations: [...main.conversations, ...amend.conversations, ...test5.conversations],
  tasks: [...main.tasks, ...amend.tasks, ...test5.tasks],
};
const inDev5 = new Set([...amend.conversations, ...amend.tasks].map((x) => x.id));
const inTest5 = new Set([...test5.conversations, ...test5.tasks].map((x) => x.id));
const problems: string[] = [];
const fail = (msg: string): void => { problems.push(msg); };
const AGENTS = ['claude-code', 'codex', 'gemini', 'opencode', 'copilot'];
const SPLITS = ['dev4', 'test4', 'dev5', 'test5'];
const text = (s: unknown): s is string => typeof s === 'string' && s.trim() !== '';
const isoIn = (s: string, from: string, to: string): boolean =>
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s) && !Number.isNaN(Date.parse(s)) && s >= from && s < to;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `name` as a whole word, case-sensitive (identifiers) — `describe` the function, not "Describe". */
const namesWord = (hay: string, name: string): boolean => new RegExp(`(^|[^A-Za-z0-9_])${escape(name)}($|[^A-Za-z0-9_])`).test(hay);

// ---- what a module defines, by language --------------------------------------------------------
const language = new Map(corpus.projects.map((p) => [p.name, p.language]));
const source = (project: string, path: string): string | undefined => {
  const file = join(here, 'code', project, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

/** Top-level names a module defines (functions, classes, types, constants, variables). */
function topLevel(lang: string, src: string): Set<string> {
  const names = new Set<string>();
  const add = (re: RegExp): void => { for (const m of src.matchAll(re)) if (m[1]) names.add(m[1]); };
  if (lang === 'python') {
    add(/^(?:async\s+)?def\s+(\w+)/gm);
    add(/^class\s+(\w+)/gm);
    add(/^(\w+)\s*(?::[^=\n]+)?=(?!=)/gm);
  } else if (lang === 'typescript') {
    add(/^(?:export\s+)?(?:async\s+)?function\s+(\w+)/gm);
    add(/^(?:export\s+)?(?:abstract\s+)?(?:const|let|var|class|interface|type|enum)\s+(\w+)/gm);
  } else if (lang === 'go') {
    add(/^func\s+(\w+)\s*\(/gm);
    add(/^(?:const|var|type)\s+(\w+)/gm);
    for (const block of src.matchAll(/^(?:const|var|type)\s*\(\n([\s\S]*?)^\)/gm)) {
      for (const m of (block[1] ?? '').matchAll(/^\t(\w+)/gm)) if (m[1]) names.add(m[1]);
    }
  } else fail(`unknown language ${lang}`);
  return names;
}

/** Whether `name` is defined anywhere in the module: top level, or as a method / field. */
function defines(lang: string, src: string, name: string): boolean {
  if (topLevel(lang, src).has(name)) return true;
  const n = escape(name);
  const method: Record<string, RegExp> = {
    python: new RegExp(`^\\s+(?:async\\s+)?def\\s+${n}\\b`, 'm'),
    typescript: new RegExp(`^\\s+(?:(?:public|private|protected|readonly|static|async)\\s+)*${n}\\s*[(:=]`, 'm'),
    go: new RegExp(`^func\\s+\\([^)]*\\)\\s*${n}\\s*\\(`, 'm'),
  };
  return method[lang]?.test(src) ?? false;
}

/** Top-level names worth looking for in prose: 4+ characters (`Due`, `ymd` are ordinary words), not `main` (a branch). */
const significant = (lang: string, src: string): string[] =>
  [...topLevel(lang, src)].filter((n) => n.replace(/^_+/, '').length >= 4 && n !== 'main');

// ---- projects, conversations -------------------------------------------------------------------
if (corpus.version !== 4) fail('version must be 4');
for (const p of corpus.projects) {
  if (!text(p.name) || !text(p.description) || !['python', 'typescript', 'go'].includes(p.language)) fail(`project ${p.name}: name, description, language`);
  if (!existsSync(join(here, 'code', p.name))) fail(`project ${p.name}: no code/${p.name}`);
}
const ids = new Set<string>();
const fresh = (id: string, what: string, pattern: RegExp): void => {
  if (!pattern.test(id)) fail(`${what} id ${id} does not match ${pattern}`);
  if (ids.has(id)) fail(`duplicate id ${id}`);
  ids.add(id);
};

const convs = new Map<string, Conversation>();
for (const c of corpus.conversations) {
  fresh(c.id, 'conversation', inDev5.has(c.id) ? /^a\d\d$/ : inTest5.has(c.id) ? /^c\d\d$/ : /^r\d\d$/);
  if (inTest5.has(c.id)) {
    const src = (c as Conversation & { source?: string }).source;
    if (!text(src) || !/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(issues|pull)\/\d+$/.test(src)) fail(`conversation ${c.id}: source must be a GitHub issue or pull request URL`);
    if (/boltons|locomo|longmemeval|agent-memory-benchmark|sde-bench|vectorize-io/i.test(src ?? '')) fail(`conversation ${c.id}: source ${src} is held-out material`);
    const firstUser = c.turns.find((t) => t.speaker === 'user');
    if (firstUser?.settles !== false) fail(`conversation ${c.id}: the first user turn settles something`);
  }
  convs.set(c.id, c);
  const at = `conversation ${c.id}`;
  if (!language.has(c.project)) fail(`${at}: unknown project ${c.project}`);
  if (!isoIn(c.at, '2026-06-01', '2026-11-01')) fail(`${at}: date ${c.at} not in 2026-06..2026-10`);
  if (!AGENTS.includes(c.agent)) fail(`${at}: agent ${c.agent}`);
  if (!['identifier', 'plain', 'path'].includes(c.names?.kind) || !text(c.names?.name)) fail(`${at}: names {kind, name}`);
  if (c.turns.length < 4 || c.turns.length > 12) fail(`${at}: ${c.turns.length} turns, want 4-12`);
  c.turns.forEach((t, i) => {
    if (!text(t.text)) fail(`${at} turn ${i}: empty`);
    if (t.speaker === 'user') {
      if (typeof t.settles !== 'boolean') fail(`${at} turn ${i}: user turn without settles`);
      if (t.assentTo !== undefined) {
        if (!t.settles) fail(`${at} turn ${i}: an assent settles what it agrees to`);
        if (!(t.assentTo < i) || c.turns[t.assentTo]?.speaker !== 'assistant') fail(`${at} turn ${i}: assentTo ${t.assentTo} is no earlier assistant turn`);
      }
    } else if (t.speaker === 'assistant') {
      if (t.settles !== undefined || t.assentTo !== undefined) fail(`${at} turn ${i}: settles/assentTo on an assistant turn`);
    } else fail(`${at} turn ${i}: speaker ${String(t.speaker)}`);
  });
  if (!c.turns.some((t) => t.speaker === 'user' && t.settles === true)) fail(`${at}: no user turn settles anything`);
  if (!text(c.rule)) fail(`${at}: rule`);
  if (c.decisive.length === 0) fail(`${at}: no decisive quote`);
  for (const d of c.decisive) {
    const turn = c.turns[d.turn];
    if (!turn) { fail(`${at}: decisive turn ${d.turn} missing`); continue; }
    if (!text(d.quote) || !turn.text.includes(d.quote)) fail(`${at}: quote not in turn ${d.turn}: ${JSON.stringify(d.quote)}`);
    if (turn.speaker === 'user' && turn.settles !== true) fail(`${at}: decisive user turn ${d.turn} does not settle`);
    // An agent's proposal is decisive only when the user agreed to it.
    if (turn.speaker === 'assistant' && !c.turns.some((t) => t.assentTo === d.turn)) fail(`${at}: decisive proposal ${d.turn} nobody assented to`);
  }
  if ((c.role === 'amendment') !== text(c.amends)) fail(`${at}: amends iff amendment`);
}
const amendmentOf = new Map<string, Conversation>();
for (const c of convs.values()) {
  if (c.role !== 'amendment') continue;
  const base = convs.get(c.amends ?? '');
  if (!base || base.role !== 'decision') { fail(`${c.id}: amends ${c.amends}, no decision`); continue; }
  if (base.project !== c.project || !(c.at > base.at)) fail(`${c.id}: amendment must be of its project and later than ${base.id}`);
  if (amendmentOf.has(base.id)) fail(`${base.id} amended twice`);
  amendmentOf.set(base.id, c);
}
const quotes = (id: string): string => (convs.get(id)?.decisive ?? []).map((d) => d.quote).join('\n').toLowerCase();
const chat = (c: Conversation): string => c.turns.map((t) => t.text).join('\n');

// ---- tasks -------------------------------------------------------------------------------------
/** Each conversation and the modules of the tasks that open it (as decision or as rule in force). */
const modulesOf = new Map<string, Set<string>>();
/** The split of each decision's tasks: two tasks of one decision share it (no dev-to-test leak). */
const splitOf = new Map<string, string>();
for (const t of corpus.tasks) {
  fresh(t.id, 'task', inDev5.has(t.id) ? /^m\d\d$/ : inTest5.has(t.id) ? /^t\d\d$/ : /^k\d\d$/);
  if (inTest5.has(t.id) !== (t.split === 'test5')) fail(`task ${t.id}: split test5 iff in test5.json`);
  const at = `task ${t.id}`;
  const lang = language.get(t.project);
  if (!lang) { fail(`${at}: unknown project`); continue; }
  if (!SPLITS.includes(t.split)) fail(`${at}: split ${t.split}`);
  if (typeof t.hard !== 'boolean') fail(`${at}: hard must be a boolean`);
  if (!isoIn(t.at, '2026-11-01', '2026-12-01')) fail(`${at}: date ${t.at} not in 2026-11`);
  if (!text(t.prompt)) fail(`${at}: prompt`);
  const decision = convs.get(t.decision);
  if (!decision || decision.role !== 'decision' || decision.project !== t.project) { fail(`${at}: decision ${t.decision}`); continue; }
  const amendment = amendmentOf.get(t.decision);
  if (t.current !== (amendment?.id ?? t.decision)) fail(`${at}: current ${t.current}, rule in force is ${amendment?.id ?? t.decision}`);
  const current = convs.get(t.current);
  if (!current) continue;
  if (!(t.at > current.at)) fail(`${at}: dated before ${current.id}`);
  if ((splitOf.get(t.decision) ?? t.split) !== t.split) fail(`${at}: ${t.decision} has tasks in both splits`);
  splitOf.set(t.decision, t.split);
  if (t.mustContain.length !== 2) fail(`${at}: mustContain needs 2 facts`);
  for (const m of t.mustContain) if (!text(m) || !quotes(t.current).includes(m.toLowerCase())) fail(`${at}: fact ${JSON.stringify(m)} not in ${t.current}'s decisive quotes`);
  if (amendment) {
    if (!t.staleFacts?.length) fail(`${at}: amended task without staleFacts`);
    for (const s of t.staleFacts ?? []) {
      if (!quotes(t.decision).includes(s.toLowerCase())) fail(`${at}: stale fact ${JSON.stringify(s)} not in ${t.decision}'s quotes`);
      if (quotes(t.current).includes(s.toLowerCase())) fail(`${at}: stale fact ${JSON.stringify(s)} still in ${t.current}'s quotes`);
      // The whole turn of the rule in force is what is stored and handed over, not only its decisive quote.
      const said = convs.get(t.current)?.turns.filter((u) => u.speaker === 'user').map((u) => u.text.toLowerCase()) ?? [];
      if (said.some((u) => u.includes(s.toLowerCase()))) fail(`${at}: stale fact ${JSON.stringify(s)} is said in ${t.current} too: handing over the rule in force would read as stale`);
    }
  } else if (t.staleFacts !== undefined) fail(`${at}: staleFacts on a task whose rule was not amended`);
  if (t.names?.kind !== current.names.kind || t.names?.name !== current.names.name) fail(`${at}: names differs from ${current.id}'s`);
  const [testPath, modulePath] = t.reads;
  if (t.reads.length !== 2 || !testPath || !modulePath) { fail(`${at}: reads [test, module]`); continue; }
  if (!/(^|\/)tests\//.test(testPath)) fail(`${at}: first read ${testPath} is not under tests/`);
  if (source(t.project, testPath) === undefined) fail(`${at}: no code/${t.project}/${testPath}`);
  const src = source(t.project, modulePath);
  if (src === undefined) { fail(`${at}: no code/${t.project}/${modulePath}`); continue; }
  for (const id of new Set([t.decision, t.current])) modulesOf.set(id, (modulesOf.get(id) ?? new Set()).add(modulePath));
  // Hard: the prompt names nothing the module defines that a deciding chat names.
  if (t.hard) {
    const said = [decision, current].map(chat).join('\n');
    const shared = significant(lang, src).filter((n) => namesWord(t.prompt, n) && namesWord(said, n));
    if (shared.length) fail(`${at}: hard prompt names ${shared.join(', ')}`);
  }
}

// What each chat names, checked against the module(s) its tasks open.
for (const c of convs.values()) {
  const modules = modulesOf.get(c.id);
  if (!modules) { fail(`conversation ${c.id}: no task opens it`); continue; }
  const lang = language.get(c.project) ?? '';
  const said = chat(c);
  for (const m of modules) {
    const src = source(c.project, m) ?? '';
    if (c.names.kind === 'identifier') {
      if (!namesWord(said, c.names.name)) fail(`${c.id}: does not name ${c.names.name}`);
      if (!defines(lang, src, c.names.name)) fail(`${c.id}: ${m} does not define ${c.names.name}`);
    } else {
      const named = significant(lang, src).filter((n) => namesWord(said, n));
      if (named.length) fail(`${c.id} (${c.names.kind}): names ${m}'s ${named.join(', ')}`);
      if (c.names.kind === 'path' && (!said.includes(c.names.name) || c.names.name !== m)) fail(`${c.id}: path ${c.names.name} is not ${m} or not in the chat`);
      if (c.names.kind === 'plain' && !said.toLowerCase().includes(c.names.name.toLowerCase())) fail(`${c.id}: plain words ${JSON.stringify(c.names.name)} not in the chat`);
    }
  }
}

// ---- unrelated probes: modules no conversation is about ----------------------------------------
const taskModules = new Set(corpus.tasks.map((t) => `${t.project}:${t.reads[1]}`));
for (const u of corpus.unrelated) {
  fresh(u.id, 'unrelated', /^n\d\d$/);
  const at = `unrelated ${u.id}`;
  const lang = language.get(u.project);
  const [testPath, modulePath] = u.reads;
  if (!lang || !text(u.prompt) || u.reads.length !== 2 || !testPath || !modulePath) { fail(`${at}: shape`); continue; }
  if (source(u.project, testPath) === undefined) fail(`${at}: no code/${u.project}/${testPath}`);
  const src = source(u.project, modulePath);
  if (src === undefined) { fail(`${at}: no code/${u.project}/${modulePath}`); continue; }
  if (taskModules.has(`${u.project}:${modulePath}`)) fail(`${at}: ${modulePath} is a task's module`);
  for (const c of convs.values()) {
    if (c.project !== u.project) continue;
    const named = significant(lang, src).filter((n) => namesWord(chat(c), n));
    if (named.length) fail(`${at}: ${c.id} names ${modulePath}'s ${named.join(', ')}`);
  }
}

// ---- counts ------------------------------------------------------------------------------------
const cs = [...convs.values()].filter((c) => !inDev5.has(c.id) && !inTest5.has(c.id));
const t5c = test5.conversations;
const t5 = test5.tasks;
const tasks = main.tasks;
const n = <T>(xs: T[], f: (x: T) => boolean): number => xs.filter(f).length;
const amended = (t: Task): boolean => t.current !== t.decision;
const rows: [string, number, number | string][] = [
  ['projects', corpus.projects.length, 3],
  ['decision conversations', n(cs, (c) => c.role === 'decision'), 30],
  ['amendment conversations', n(cs, (c) => c.role === 'amendment'), 6],
  ['conversations naming an identifier', n(cs, (c) => c.names.kind === 'identifier'), '~26'],
  ['conversations naming plain words only', n(cs, (c) => c.names.kind === 'plain'), '~5'],
  ['conversations naming the file path', n(cs, (c) => c.names.kind === 'path'), '~4'],
  ['tasks', tasks.length, 36],
  ['tasks dev4', n(tasks, (t) => t.split === 'dev4'), 18],
  ['tasks test4', n(tasks, (t) => t.split === 'test4'), 18],
  ['amended tasks dev4', n(tasks, (t) => t.split === 'dev4' && amended(t)), 3],
  ['amended tasks test4', n(tasks, (t) => t.split === 'test4' && amended(t)), 3],
  ['hard tasks', n(tasks, (t) => t.hard), '~18'],
  ['hard tasks dev4', n(tasks, (t) => t.hard && t.split === 'dev4'), '~9'],
  ['hard tasks test4', n(tasks, (t) => t.hard && t.split === 'test4'), '~9'],
  ['decisions with two tasks', [...new Set(tasks.map((t) => t.decision))].filter((d) => n(tasks, (t) => t.decision === d) === 2).length, 6],
  ['tasks whose rule in force names an identifier', n(tasks, (t) => t.names.kind === 'identifier'), 'info'],
  ['tasks whose rule in force names plain words', n(tasks, (t) => t.names.kind === 'plain'), 'info'],
  ['tasks whose rule in force names the path', n(tasks, (t) => t.names.kind === 'path'), 'info'],
  ['unrelated probes', corpus.unrelated.length, 20],
  ['dev5 (dev-amend.json): decision conversations', n(amend.conversations, (c) => c.role === 'decision'), 6],
  ['dev5: amendment conversations', n(amend.conversations, (c) => c.role === 'amendment'), 6],
  ['dev5: tasks, all amended', n(amend.tasks, (t) => t.split === 'dev5' && amended(t)), 6],
  ['dev5: hard tasks', n(amend.tasks, (t) => t.hard), 'info'],
  ['test5 (test5.json): decision conversations', n(t5c, (c) => c.role === 'decision'), 18],
  ['test5: amendment conversations', n(t5c, (c) => c.role === 'amendment'), 3],
  ['test5: tasks', n(t5, (t) => t.split === 'test5'), 18],
  ['test5: amended tasks', n(t5, amended), 3],
  ['test5: hard tasks', n(t5, (t) => t.hard), 9],
  ['test5: tasks whose rule in force names an identifier', n(t5, (t) => t.names.kind === 'identifier'), '~14'],
  ['test5: tasks whose rule in force names plain words', n(t5, (t) => t.names.kind === 'plain'), '~2'],
  ['test5: tasks whose rule in force names the path', n(t5, (t) => t.names.kind === 'path'), '~2'],
];
for (const p of corpus.projects) {
  rows.push([`test5: ${p.name} tasks`, n(t5, (t) => t.project === p.name), 6]);
  rows.push([`${p.name}: tasks dev4/test4 ${n(tasks, (t) => t.project === p.name && t.split === 'dev4')}/${n(tasks, (t) => t.project === p.name && t.split === 'test4')}, probes`, n(corpus.unrelated, (u) => u.project === p.name), 'info']);
}
for (const [name, got, want] of rows) {
  if (typeof want === 'number' && got !== want) fail(`count ${name}: ${got}, expected ${want}`);
  if (typeof want === 'string' && want.startsWith('~') && Math.abs(got - Number(want.slice(1))) > 2) fail(`count ${name}: ${got}, expected ${want}`);
}

console.log('| item | count | expected |\n| --- | ---: | ---: |');
for (const [name, got, want] of rows) console.log(`| ${name} | ${got} | ${want} |`);
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('\nok');
