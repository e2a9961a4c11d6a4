/**
 * npm run bench:stated-rules — does memflow tell a rule a person states for the project from a
 * request, a question, a symptom or chit-chat (common/rules/stated-rule.ts)?
 *
 * The labelled set (bench/stated-rules/labels.json, README there) was written before any tuning and
 * is split dev/test: tune on dev, quote test. Positive class: rule or decision. Prints precision and
 * recall per split, by language, and by label the share taken for a rule; `--errors dev` lists the
 * dev items it gets wrong (never look at test errors while tuning).
 *
 *   npm run bench:stated-rules [-- --errors dev]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { statedRulesOf } from '../common/rules/stated-rule.js';
import { conversationItems } from './stated-rules/conversation-items.js';
import { repoRoot } from '../infra/profile.js';
import { printColumns } from './lib.js';

interface Item {
  id: string;
  /** dev, test, dev-extra, test-extra, dev-extra2, test-extra2; `<corpus>:<split>` for a conversation corpus's user turns. */
  split: string;
  lang: string;
  text: string;
  label: string;
  context?: string;
  rule?: string;
}

const { values: args } = parseArgs({
  options: { errors: { type: 'string' }, langs: { type: 'boolean', default: false }, file: { type: 'string', default: path.join(repoRoot, 'bench/stated-rules/labels.json') }, conversations: { type: 'string', multiple: true, default: [] } },
});
if (args.errors && /(?:^|:)test/.test(args.errors)) {
  console.error('--errors lists the dev splits only (dev, dev-extra): the test splits are read for figures, never for their items');
  process.exit(2);
}
const extraFiles = ['dev-extra.json', 'test-extra.json', 'dev-extra2.json', 'test-extra2.json', 'test-extra3.json', 'dev-extra3.json', 'test-extra4.json', 'dev-extra4.json', 'dev-extra5.json', 'test-extra5.json', 'dev-extra6.json', 'dev-extra7.json'].map((f) => path.join(path.dirname(args.file), f)).filter((f) => fs.existsSync(f));
const items = [
  ...[args.file, ...extraFiles].flatMap((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { items: Item[] }).items),
  // --conversations corpus: every user turn of bench/decisions/corpus's conversations, decisive turns and decoys' genuine rules positive.
  ...args.conversations!.flatMap((c) => conversationItems(c) as Item[]),
];
/** The held-out sets together: the test half of labels.json, test-extra.json, test-extra2.json and test-extra3.json; test-extra4.json (written later) also apart from them and with them (`test+extra4`). test-extra5.json (written later still) is reported alone, under its own split. */
const heldOut = (split: string) => (/^test(?:-extra[23]?)?$/.test(split) ? ['test+extra'] : split === 'test-extra4' ? ['test+extra4'] : []);
const positive = (i: Item) => i.label === 'rule' || i.label === 'decision';

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const empty = (): Counts => ({ tp: 0, fp: 0, fn: 0, tn: 0 });
const bySplit = new Map<string, Counts>();
const byLang = new Map<string, Counts>();
const byLabel = new Map<string, { n: number; taken: number }>();
const errors: string[] = [];
const crashed: string[] = [];
const started = performance.now();
/** Time per call, labelled prompts and conversation turns apart (the first calls pay for compiling the regexes and loading the model). */
const promptMs: number[] = [];
const turnMs: number[] = [];
for (const item of items) {
  let verdict: ReturnType<typeof statedRulesOf>;
  try {
    const t0 = performance.now();
    verdict = statedRulesOf(item.text, item.context);
    (item.split.includes(':') ? turnMs : promptMs).push(performance.now() - t0);
  } catch (e) {
    // A detector that throws on an utterance takes nothing from it: counted, and named on the dev splits.
    crashed.push(`${item.id} [${item.split}]${/(?:^|:)test/.test(item.split) ? '' : ` ${item.text.slice(0, 80)}`}: ${(e as Error).message.slice(0, 120)}`);
    verdict = { label: 'other', rules: [] };
  }
  const said = verdict.rules.length > 0;
  const truth = positive(item);
  const group = args.langs ? item.lang : item.lang === 'en' ? 'en' : 'other';
  for (const [map, key] of [
    [bySplit, item.split],
    ...heldOut(item.split).map((k) => [bySplit, k] as const),
    [bySplit, 'all'],
    [byLang, `${item.split}:${group}`],
    ...heldOut(item.split).map((k) => [byLang, `${k}:${group}`] as const),
  ] as const) {
    const c = map.get(key) ?? empty();
    if (said && truth) c.tp++;
    else if (said) c.fp++;
    else if (truth) c.fn++;
    else c.tn++;
    map.set(key, c);
  }
  for (const split of [item.split, ...heldOut(item.split)]) {
    const l = byLabel.get(`${split}:${item.label}`) ?? { n: 0, taken: 0 };
    l.n++;
    if (said) l.taken++;
    byLabel.set(`${split}:${item.label}`, l);
  }
  if (said !== truth && args.errors === item.split) {
    errors.push(`${item.id} [${item.lang}] ${item.label} → ${said ? `taken as ${verdict.label}: ${verdict.rules.map((r) => r.why).join('; ')}` : 'missed'}\n    ${item.context ? `(after: ${item.context.slice(0, 100)}) ` : ''}${item.text.slice(0, 240)}`);
  }
}
const ms = performance.now() - started;
const pct = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(3));
const prec = (c: Counts) => c.tp / (c.tp + c.fp);
const rec = (c: Counts) => c.tp / (c.tp + c.fn);
const rows = (m: Map<string, Counts>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
printColumns(
  'Stated rules vs everything else (positive: rule or decision)',
  ['items', 'precision', 'recall', 'false rules', 'missed'],
  [...rows(bySplit), ...rows(byLang)].map(([k, c]) => [k, [String(c.tp + c.fp + c.fn + c.tn), pct(prec(c)), pct(rec(c)), String(c.fp), String(c.fn)]]),
);
printColumns(
  'Taken for a rule, by label',
  ['items', 'taken'],
  [...byLabel.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [String(v.n), `${v.taken} (${((100 * v.taken) / v.n).toFixed(0)} %)`]]),
);
console.log(`\n${items.length} items judged in ${ms.toFixed(1)} ms (goal on test: precision ≥ 0.97, recall ≥ 0.90)`);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
for (const [name, xs] of [['prompt', promptMs.slice(20)], ['conversation turn', turnMs]] as const) {
  if (xs.length > 0) console.log(`per ${name} (${xs.length}): mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3)} ms, p50 ${quantile(xs, 0.5).toFixed(3)}, p99 ${quantile(xs, 0.99).toFixed(3)}, max ${Math.max(...xs).toFixed(3)} ms; load average ${os.loadavg()[0]!.toFixed(2)}`);
}
if (crashed.length > 0) console.log(`\nthe detector threw on ${crashed.length} item(s) (counted as no rule):\n  ${crashed.join('\n  ')}`);
if (errors.length > 0) console.log(`\n${args.errors} errors (${errors.length}):\n${errors.join('\n')}`);
