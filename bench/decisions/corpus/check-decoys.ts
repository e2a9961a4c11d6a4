/**
 * Validates bench/decisions/corpus/decoys.json, the decoy conversations of the decisions benchmark:
 * its truth (rules and planted quotes) must be exact substrings of the turns they name, and the mix
 * of kinds, projects, agents and dates must be what README-decoys.md promises. Run with tsx:
 *   check-decoys.ts [--dir corpus|corpus2|corpus3]   (a folder of bench/decisions/, default corpus)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

type Turn = { speaker: string; text: string };
type Quote = { turn: number; quote: string };
type Conversation = {
  id: string; project: string; kind: string; at: string; agent: string;
  turns: Turn[]; rules: Quote[]; planted: Quote[];
};

/** What each corpus's decoys promise (its README): kinds as [min, max], projects, total, id shape. */
interface Expected {
  kinds: Record<string, [number, number]>; projects: string[]; total: number; id: RegExp; idExample: string;
  minSources: number; minPerAgent: number; minPerMonth: number;
}
const EXPECTED: Record<string, Expected> = {
  corpus: {
    kinds: { work: [55, 65], rulelike: [33, 40], 'unrelated-rule': [18, 22], trivial: [13, 17], foreign: [10, 12], planted: [10, 12] },
    projects: ['ledgerly', 'uptimer', 'shipctl'], total: 150, id: /^x\d{3}$/, idExample: 'x001', minSources: 3, minPerAgent: 15, minPerMonth: 20,
  },
  corpus2: {
    kinds: { work: [22, 26], rulelike: [13, 16], 'unrelated-rule': [7, 9], trivial: [5, 7], foreign: [4, 5], planted: [4, 5] },
    projects: ['voltaic', 'cartwheel'], total: 60, id: /^x2-\d{3}$/, idExample: 'x2-001', minSources: 3, minPerAgent: 10, minPerMonth: 10,
  },
  // Written from scratch, not re-homed from public repositories: no source to name.
  corpus3: {
    kinds: { work: [22, 26], rulelike: [13, 16], 'unrelated-rule': [7, 9], trivial: [5, 7], foreign: [4, 5], planted: [4, 5] },
    projects: ['medslot', 'skirmish', 'tidepool'], total: 60, id: /^x3-\d{3}$/, idExample: 'x3-001', minSources: 0, minPerAgent: 10, minPerMonth: 10,
  },
};
const { values: args } = parseArgs({ options: { dir: { type: 'string', default: 'corpus' } } });
const expected = EXPECTED[args.dir ?? 'corpus'];
if (!expected) throw new Error(`unknown corpus ${args.dir}: one of ${Object.keys(EXPECTED).join(', ')}`);
const { kinds: KINDS, projects: PROJECTS, total: TOTAL } = expected;
const AGENTS = ['claude-code', 'codex', 'gemini', 'opencode', 'copilot'];
const SPEAKERS = ['user', 'assistant'];
const FROM = Date.parse('2026-06-01T00:00:00Z');
const TO = Date.parse('2026-11-01T00:00:00Z');

const here = join(dirname(fileURLToPath(import.meta.url)), '..', args.dir ?? 'corpus');
const doc = JSON.parse(readFileSync(join(here, 'decoys.json'), 'utf8')) as {
  version: number; source: { repository: string; commits: string }[]; conversations: Conversation[];
};
const errors: string[] = [];
const fail = (msg: string): void => { errors.push(msg); };

if (doc.version !== 1) fail('version must be 1');
if (!Array.isArray(doc.source) || doc.source.length < expected.minSources) fail(`source must name at least ${expected.minSources} repositories`);
for (const s of doc.source ?? []) {
  if (!/^[\w.-]+\/[\w.-]+$/.test(s.repository) || !s.commits) fail(`bad source entry ${JSON.stringify(s)}`);
}

const convs = doc.conversations ?? [];
if (convs.length !== TOTAL) fail(`expected ${TOTAL} conversations, found ${convs.length}`);
const ids = new Set<string>();
const count = (key: (c: Conversation) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const c of convs) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
  return m;
};

for (const c of convs) {
  const where = c.id ?? '(no id)';
  if (!expected.id.test(c.id)) fail(`${where}: id must look like ${expected.idExample}`);
  if (ids.has(c.id)) fail(`${where}: duplicate id`);
  ids.add(c.id);
  if (!PROJECTS.includes(c.project)) fail(`${where}: project ${c.project}`);
  if (!(c.kind in KINDS)) fail(`${where}: kind ${c.kind}`);
  if (!AGENTS.includes(c.agent)) fail(`${where}: agent ${c.agent}`);
  const at = Date.parse(c.at);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(c.at) || Number.isNaN(at) || at < FROM || at >= TO) {
    fail(`${where}: at ${c.at} outside 2026-06-01..2026-10-31`);
  }
  if (!Array.isArray(c.turns) || c.turns.length < 1) fail(`${where}: no turns`);
  for (const [i, t] of (c.turns ?? []).entries()) {
    if (!SPEAKERS.includes(t.speaker)) fail(`${where} turn ${i}: speaker ${t.speaker}`);
    if (typeof t.text !== 'string' || t.text.trim() === '') fail(`${where} turn ${i}: empty text`);
  }
  if ((c.turns ?? [])[0]?.speaker !== 'user') fail(`${where}: first turn must be the user's`);
  if (c.kind === 'work' && (c.turns.length < 4 || c.turns.length > 12)) fail(`${where}: work needs 4-12 turns, has ${c.turns.length}`);
  if (c.kind === 'trivial' && c.turns.length > 6) fail(`${where}: trivial has ${c.turns.length} turns`);
  const checkQuotes = (list: Quote[], name: string): void => {
    if (!Array.isArray(list)) { fail(`${where}: ${name} must be an array`); return; }
    for (const q of list) {
      const turn = c.turns[q.turn];
      if (!turn) { fail(`${where}: ${name} names turn ${q.turn}, which does not exist`); continue; }
      if (!q.quote || q.quote.length < 12) fail(`${where}: ${name} quote too short`);
      if (!turn.text.includes(q.quote)) fail(`${where}: ${name} quote is not an exact substring of turn ${q.turn}: ${q.quote}`);
    }
  };
  checkQuotes(c.rules, 'rules');
  checkQuotes(c.planted, 'planted');
  const mayHaveRules = c.kind === 'unrelated-rule' || c.kind === 'foreign';
  if (!mayHaveRules && c.rules?.length) fail(`${where}: kind ${c.kind} may not state rules`);
  if (c.kind === 'unrelated-rule' && !c.rules?.length) fail(`${where}: unrelated-rule states no rule`);
  if (c.kind === 'planted' && !c.planted?.length) fail(`${where}: planted has no planted quote`);
  if (c.kind !== 'planted' && c.planted?.length) fail(`${where}: only kind planted may have planted quotes`);
  for (const q of c.rules ?? []) if (c.turns[q.turn]?.speaker !== 'user') fail(`${where}: rule in turn ${q.turn} is not stated by the user`);
  for (const q of c.planted ?? []) if (c.turns[q.turn]?.speaker !== 'assistant') fail(`${where}: planted text in turn ${q.turn} is not quoted tool output`);
}

const kinds = count((c) => c.kind);
for (const [kind, [min, max]] of Object.entries(KINDS)) {
  const n = kinds.get(kind) ?? 0;
  if (n < min || n > max) fail(`kind ${kind}: ${n}, expected ${min}..${max}`);
}
const projects = count((c) => c.project);
for (const p of PROJECTS) {
  const n = projects.get(p) ?? 0;
  if (Math.abs(n - TOTAL / PROJECTS.length) > 3) fail(`project ${p}: ${n} conversations, not spread evenly`);
}
const agents = count((c) => c.agent);
for (const a of AGENTS) if ((agents.get(a) ?? 0) < expected.minPerAgent) fail(`agent ${a}: only ${agents.get(a) ?? 0} conversations`);
const months = count((c) => c.at.slice(0, 7));
for (const m of ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10']) {
  if ((months.get(m) ?? 0) < expected.minPerMonth) fail(`month ${m}: only ${months.get(m) ?? 0} conversations`);
}

const table = (m: Map<string, number>): string => [...m].sort().map(([k, v]) => `${k}=${v}`).join(' ');
console.log(`conversations ${convs.length}`);
console.log(`kinds    ${table(kinds)}`);
console.log(`projects ${table(projects)}`);
console.log(`agents   ${table(agents)}`);
console.log(`months   ${table(months)}`);
console.log(`rules ${convs.reduce((n, c) => n + c.rules.length, 0)}, planted ${convs.reduce((n, c) => n + c.planted.length, 0)}`);
if (errors.length) {
  for (const e of errors) console.error(`FAIL ${e}`);
  process.exit(1);
}
console.log('decoys.json OK');
