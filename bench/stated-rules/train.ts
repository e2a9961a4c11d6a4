/**
 * Fits the learned half of the stated-rule detector (common/rules/stated-rule-model.ts) on the dev splits of
 * bench/stated-rules — dev, dev-extra … dev-extra6, and the user turns of the decisions corpora's dev splits
 * (corpus:dev, corpus2:dev2) — never on a test split. Logistic regression, full-batch Adam with L2, fixed
 * epochs and a fixed order: the same data gives the same weights. Prints 5-fold cross-validated precision and
 * recall (out-of-fold), alone and combined with the markers — on all dev prompts, on the conversation turns and on the
 * `fresh` files (dev-extra3 … dev-extra6, which the markers were never tuned on; FRESH=<regex> to change) — then writes
 * common/rules/stated-rule-model-weights.ts. DUMP=<file> writes each dev item's out-of-fold readings (JSON lines).
 *
 *   npx tsx bench/stated-rules/train.ts [--write] [--l2 1e-4] [--epochs 300]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DIMENSIONS, featuresOf, scoreWith, setFeatureWeights } from '../../common/rules/stated-rule-model.js';
import { againstRule, assentChoice, markerRulesOf, ruleLikeness, saidToLast, sentencesOf } from '../../common/rules/stated-rule.js';
import { isTaskClause } from '../../common/rules/stated-rule-markers.js';
import { conversationItems } from './conversation-items.js';
import { repoRoot } from '../../infra/profile.js';

interface Item {
  id: string;
  split: string;
  text: string;
  label: string;
  context?: string;
}

const { values: args } = parseArgs({ options: { write: { type: 'boolean', default: false }, l2: { type: 'string', default: '1e-4' }, epochs: { type: 'string', default: '400' }, lr: { type: 'string', default: '0.05' } } });
if (process.env.FW) setFeatureWeights(JSON.parse(process.env.FW) as Record<string, number>);
const DEV = new Set(['dev', 'dev-extra', 'dev-extra2', 'dev-extra3', 'dev-extra4', 'dev-extra5', 'dev-extra6', 'corpus:dev', 'corpus2:dev2']);
const dir = path.join(repoRoot, 'bench/stated-rules');
const items: Item[] = [
  ...['labels.json', 'dev-extra.json', 'dev-extra2.json', 'dev-extra3.json', 'dev-extra4.json', 'dev-extra5.json', 'dev-extra6.json'].flatMap((f) => (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { items: Item[] }).items),
  ...conversationItems('corpus'),
  ...conversationItems('corpus2'),
].filter((i) => DEV.has(i.split));
/**
 * GROUPED=1: the folds are files, not every fifth item — dev-extra3, 4, 5 and 6 each a fold, the older dev material
 * (dev, dev-extra, dev-extra2, the corpora) the fifth — so an item is read by a model that saw none of its file's
 * projects, as on a held-out file (with n % 5, the same project's other sentences and their translations are in the
 * training folds).
 */
const GROUPED = Boolean(process.env.GROUPED);
const GROUPS = ['dev-extra3', 'dev-extra4', 'dev-extra5', 'dev-extra6'];
const positive = (i: Item) => i.label === 'rule' || i.label === 'decision';

interface Row {
  idx: Int32Array;
  val: Float64Array;
  y: number;
  markers: boolean;
  /** The markers' rules came from a reply to the agent (read with its turn; the model does not see it). */
  reply: boolean;
  /** ruleLikeness of the utterance. */
  like: number;
  /** A sentence or two, ≤ 300 characters. */
  short: boolean;
  /** The agent's turn before it asked something. */
  after: boolean;
  /** The words the markers took as rules (not replies). */
  quotes: string[];
  /** No question, no request for the task, nothing the markers read as a story, failure, evaluation or musing. */
  plain: boolean;
  /** A choice told after a word of assent (assentChoice). */
  assent: boolean;
  fold: number;
  split: string;
}
const rows: Row[] = items.map((item, n) => {
  const f = featuresOf(item.text, !process.env.NO_FAMILIES);
  const m = markerRulesOf(item.text, item.context);
  return {
    idx: Int32Array.from(f.keys()),
    val: Float64Array.from(f.values()),
    y: positive(item) ? 1 : 0,
    markers: m.rules.length > 0,
    reply: m.rules.some((r) => r.proposal),
    like: againstRule(item.text) ? -9 : ruleLikeness(item.text),
    short: sentencesOf(item.text).length <= 2 && item.text.trim().length <= 300,
    after: Boolean(item.context && /[?？]\s*$/u.test(item.context.trim())),
    quotes: m.rules.filter((r) => !r.proposal).map((r) => r.quote),
    assent: assentChoice(item.text),
    plain: !/[?？]/u.test(item.text) && !sentencesOf(item.text).some((x) => isTaskClause(x)) && !againstRule(item.text),
    fold: GROUPED ? (GROUPS.indexOf(item.split) >= 0 ? GROUPS.indexOf(item.split) : 4) : n % 5,
    split: item.split,
  };
});

function fit(train: Row[], l2: number, epochs: number, lr: number): Float64Array {
  const w = new Float64Array(DIMENSIONS);
  const m = new Float64Array(DIMENSIONS);
  const v = new Float64Array(DIMENSIONS);
  const g = new Float64Array(DIMENSIONS);
  const pos = train.filter((r) => r.y === 1).length;
  // Classes weighed alike.
  const cw = [train.length / (2 * (train.length - pos)), train.length / (2 * pos)];
  const b1 = 0.9;
  const b2 = 0.999;
  for (let t = 1; t <= epochs; t++) {
    g.fill(0);
    for (const r of train) {
      let z = 0;
      for (let j = 0; j < r.idx.length; j++) z += w[r.idx[j]!]! * r.val[j]!;
      const p = 1 / (1 + Math.exp(-z));
      const d = ((p - r.y) * cw[r.y]!) / train.length;
      for (let j = 0; j < r.idx.length; j++) g[r.idx[j]!]! += d * r.val[j]!;
    }
    for (let k = 0; k < DIMENSIONS; k++) {
      const gk = g[k]! + l2 * w[k]!;
      if (gk === 0 && w[k] === 0) continue;
      m[k] = b1 * m[k]! + (1 - b1) * gk;
      v[k] = b2 * v[k]! + (1 - b2) * gk * gk;
      w[k]! -= (lr * (m[k]! / (1 - b1 ** t))) / (Math.sqrt(v[k]! / (1 - b2 ** t)) + 1e-8);
    }
  }
  return w;
}

const prob = (w: Float64Array, r: Row) => {
  let z = 0;
  for (let j = 0; j < r.idx.length; j++) z += w[r.idx[j]!]! * r.val[j]!;
  return 1 / (1 + Math.exp(-z));
};

const STANDING_FLOOR = Number(process.env.STANDING_FLOOR ?? 0.05);
const l2 = Number(args.l2);
const epochs = Number(args.epochs);
const lr = Number(args.lr);
const oof = new Float64Array(rows.length);
/** Out-of-fold: the lowest probability of the utterance's sentences, each read alone. */
const oofSentences = new Float64Array(rows.length);
/** Out-of-fold: the highest probability of the markers' quotes, each read alone. */
const oofQuotes = new Float64Array(rows.length);
for (let k = 0; k < (process.env.NO_CV ? 0 : 5); k++) {
  const w = fit(rows.filter((r) => r.fold !== k), l2, epochs, lr);
  rows.forEach((r, i) => {
    if (r.fold !== k) return;
    oof[i] = prob(w, r);
    const p1 = (x: string) => 1 / (1 + Math.exp(-scoreWith(w, 0, featuresOf(x))));
    oofQuotes[i] = r.quotes.length === 0 ? 0 : Math.max(...r.quotes.map((q) => (saidToLast(q) && p1(q) >= STANDING_FLOOR ? 1 : p1(q))));
    const each = sentencesOf(items[i]!.text);
    oofSentences[i] = each.length < 2 ? oof[i]! : Math.min(...each.map((x) => 1 / (1 + Math.exp(-scoreWith(w, 0, featuresOf(x, !process.env.NO_FAMILIES))))));
  });
}
const pr = (said: (r: Row, p: number) => boolean, only?: (r: Row) => boolean) => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  rows.forEach((r, i) => {
    if (only && !only(r)) return;
    const s = said(r, oof[i]!);
    if (s && r.y) tp++;
    else if (s) fp++;
    else if (r.y) fn++;
  });
  return `P ${(tp / (tp + fp)).toFixed(3)} R ${(tp / (tp + fn)).toFixed(3)} (fp ${fp}, fn ${fn})`;
};
const conv = (r: Row) => r.split.includes(':');
const prompts = (r: Row) => !r.split.includes(':');
console.log(`${rows.length} dev items; l2 ${l2}, epochs ${epochs}, lr ${lr}; out-of-fold:`);
console.log(`markers alone       prompts ${pr((r) => r.markers, prompts)} | turns ${pr((r) => r.markers, conv)}`);
for (const t of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) console.log(`model ≥ ${t.toFixed(2)}       prompts ${pr((_r, p) => p >= t, prompts)} | turns ${pr((_r, p) => p >= t, conv)}`);
const FRESH = new RegExp(process.env.FRESH ?? '^dev-extra[3-6]$');
const fresh = (r: Row) => FRESH.test(r.split);
/** The detector's combination (common/rules/stated-rule.ts statedRulesOf) with the out-of-fold probability. */
const GATE = process.env.GATE ?? 'plain';
const ASSENT_AT = Number(process.env.ASSENT_AT ?? 0.3);
const combined = (veto: number, rescue: number, each: number, after = rescue, byQuote = false) => (r: Row, p: number): boolean =>
  r.reply ? true : r.markers ? (byQuote ? Math.max(p, oofQuotes[rows.indexOf(r)]!) : p) >= veto : (r.assent && !r.after && p >= ASSENT_AT) || (p >= (r.after ? after : rescue) && r.short && (GATE === 'like' ? r.like >= 0.5 : r.plain) && oofSentences[rows.indexOf(r)]! >= each);
for (const lo of [0.3, 0.4, 0.5, 0.6]) console.log(`veto when utterance and its quotes<${lo} rescue≥0.8 prompts ${pr(combined(lo, 0.8, 0.5, 0.8, true), prompts)} | turns ${pr(combined(lo, 0.8, 0.5, 0.8, true), conv)} | fresh ${pr(combined(lo, 0.8, 0.5, 0.8, true), fresh)}`);
for (const after of [0.8, 1.01]) console.log(`veto<0.5 rescue≥0.8 after a question ≥${after} prompts ${pr(combined(0.5, 0.8, 0.5, after, true), prompts)} | turns ${pr(combined(0.5, 0.8, 0.5, after, true), conv)} | fresh ${pr(combined(0.5, 0.8, 0.5, after, true), fresh)}`);
/** Area under the ROC curve of the model alone, out of fold (threshold-free). */
const auc = (only: (r: Row) => boolean) => {
  const sel = rows.map((r, i) => [oof[i]!, r.y] as const).filter((_x, i) => only(rows[i]!)).sort((a, b) => a[0] - b[0]);
  let rank = 0;
  let sumPos = 0;
  let pos = 0;
  for (const [, y] of sel) {
    rank++;
    if (y) {
      sumPos += rank;
      pos++;
    }
  }
  const neg = sel.length - pos;
  return ((sumPos - (pos * (pos + 1)) / 2) / (pos * neg)).toFixed(4);
};
console.log(`model AUC out of fold: prompts ${auc(prompts)} | fresh ${auc(fresh)} | turns ${auc(conv)}`);
console.log(`SUMMARY fresh detector (veto<0.5 rescue≥0.8) ${pr(combined(0.5, 0.8, 0.5, 0.8, true), fresh)} | prompts ${pr(combined(0.5, 0.8, 0.5, 0.8, true), prompts)} | turns ${pr(combined(0.5, 0.8, 0.5, 0.8, true), conv)}`);
console.log(`markers alone       fresh (the markers never tuned on it) ${pr((r) => r.markers, fresh)}`);
for (const t of [0.5, 0.7, 0.9]) console.log(`model ≥ ${t.toFixed(2)}       fresh ${pr((_r, p) => p >= t, fresh)}`);
for (const lo of [0.5, 0.6, 0.7, 0.8]) for (const hi of [0.6, 0.7, 0.8]) for (const each of [0.5]) console.log(`veto<${lo} rescue≥${hi} each≥${each} prompts ${pr(combined(lo, hi, each), prompts)} | turns ${pr(combined(lo, hi, each), conv)} | fresh ${pr(combined(lo, hi, each), fresh)}`);

if (process.env.PROBE) {
  // PROBE='["text", …]': the readings of the model fitted on every dev item (NO_CV=1 skips the folds).
  const w = fit(rows, l2, epochs, lr);
  for (const t of JSON.parse(process.env.PROBE) as string[]) console.log(`probe ${(1 / (1 + Math.exp(-scoreWith(w, 0, featuresOf(t))))).toFixed(2)} ${t}`);
}
if (args.write) {
  const w = fit(rows, l2, epochs, lr);
  const max = w.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
  const scale = max / 32767;
  const q = Int16Array.from(w, (x) => Math.round(x / scale));
  const b64 = Buffer.from(q.buffer).toString('base64');
  const out = path.join(repoRoot, 'common/rules/stated-rule-model-weights.ts');
  fs.writeFileSync(
    out,
    `// Generated by bench/stated-rules/train.ts — do not edit by hand.\n/** Weights quantized to int16 (little-endian), base64; weight = q * scale. */\nexport const MODEL = {\n  weights:\n    '${b64}',\n  scale: ${scale},\n  bias: 0,\n  trained: '${rows.length} dev items (${[...DEV].join(', ')}); l2 ${l2}, ${epochs} epochs, Adam lr ${lr}',\n};\n`,
  );
  console.log(`wrote ${out} (${b64.length} base64 characters)`);
}
if (process.env.SHOW_DEV_TURNS) rows.forEach((r, i) => {
  if (conv(r) && !r.reply && !r.markers && oof[i]! >= 0.8 && r.short && r.like >= 0.5) console.log(`${r.y ? 'TP' : 'FP'} ${oof[i]!.toFixed(2)} ${oofSentences[i]!.toFixed(2)} ${items[i]!.text.slice(0, 200)}`);
});
if (process.env.SHOW_FRESH) {
  const f = combined(0.5, 0.8, 0.5, 0.8, true);
  rows.forEach((r, i) => {
    if (fresh(r) && f(r, oof[i]!) !== Boolean(r.y)) console.log(`${r.y ? 'FN' : 'FP'} p ${oof[i]!.toFixed(2)} quotes ${oofQuotes[i]!.toFixed(2)} markers ${r.markers} like ${r.like.toFixed(1)} short ${r.short} each ${oofSentences[i]!.toFixed(2)} | ${items[i]!.context ? `(after: ${items[i]!.context!.slice(0, 60)}) ` : ''}${items[i]!.text.slice(0, 150)}`);
  });
}
if (process.env.DUMP) {
  // Out-of-fold readings per dev item, for choosing the operating point elsewhere (one JSON object per line).
  fs.writeFileSync(
    process.env.DUMP,
    rows.map((r, i) => JSON.stringify({ id: items[i]!.id, split: r.split, label: items[i]!.label, lang: (items[i] as Item & { lang?: string }).lang ?? '', y: r.y, markers: r.markers, reply: r.reply, like: r.like, short: r.short, after: r.after, plain: r.plain, assent: r.assent, p: oof[i], quotes: oofQuotes[i], each: oofSentences[i], text: items[i]!.text, context: items[i]!.context ?? null })).join('\n') + '\n',
  );
}
