/**
 * A small learned reading of an utterance, beside the markers (stated-rule.ts): logistic regression over
 * hashed features — character 2–4-grams of the utterance with its identifiers, code, numbers and quotes as
 * placeholders, word 1–3-grams over its closed-class frame (stated-rule-shape.ts: only function words kept, every
 * content word a placeholder, and a variant that keeps a content word's last two letters), how it ends, its length,
 * and which of 25 marker families of stated-rule-markers.ts it carries (weighed at a quarter). The raw text's words
 * and n-grams are not features since 2026-11-28: they learned the topics of the dev files' projects (FEATURE_WEIGHTS). Not the agent's turn before it: replies to the agent are read by the markers (stated-rule-context.ts).
 * Fitted at build time on the dev splits of bench/stated-rules (bench/stated-rules/train.ts, deterministic) and
 * stored as int16-quantized weights in stated-rule-model-weights.ts (generated, 2^15 weights); pure TypeScript,
 * no I/O, about 0.3 ms per prompt (0.1–0.2 ms before the frame features of 2026-11-28).
 *
 * Why character n-grams: the markers are word lists per language and overfit the sentences they were tuned
 * on; the n-grams carry the same cues (a habitual verb ending, "-ed" of a story, "ください", "?" at the end)
 * without a list, in every script. Why the abstraction and the frame: a new project has other content words, and its
 * rules are told in the same frame ("· are · in ·", "we never ·", "· は · で · です").
 */
import { BAN, DECLARATIVE, EVALUATIVE, FAILURE, FROM_NOW_ON, GENERAL, IMPERSONAL, NORM_VERB, OPINION, PASSIVE, QUANTIFIED, R, SPECIFIED, STORY, SUBSTANCE, TASK_DEIXIS, TOPIC, WE_DO, any } from './stated-rule-markers.js';
import { MODEL } from './stated-rule-model-weights.js';
import { abstracted, shapeTokens } from './stated-rule-shape.js';

/** Whether the marker families are features (see bench/stated-rules/train.ts). */
export const FAMILY_FEATURES = true;

/**
 * The value of a marker family's feature: a quarter, so the n-grams carry more of the verdict (the families were tuned on
 * the dev splits and overfit them; on dev-extra3, which they never saw, 0.25 kept precision 0.944 / recall 0.875 against
 * 0.903 / 0.875 at 1, out of fold).
 */
const FAMILY_WEIGHT = 0.25;

/** The hashed feature space (a power of two). */
export const DIMENSIONS = 1 << 15;

/** FNV-1a, 32 bits, folded into DIMENSIONS. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & (DIMENSIONS - 1);
}

/** Marker families read as features (each one a yes/no). */
export const FAMILIES: [string, (lower: string, raw: string) => boolean][] = [
  ['norm', (l) => any(R.norm, l)],
  ['team', (l) => any(R.team, l)],
  ['decided', (l) => any(R.decided, l)],
  ['label', (l) => any(R.label, l)],
  ['task', (l) => any(R.task, l)],
  ['chat', (l) => any(R.chat, l)],
  ['accept', (l) => any(R.accept, l)],
  ['correction', (l) => any(R.correction, l)],
  ['general', (l) => any(GENERAL, l)],
  ['normverb', (l) => any(NORM_VERB, l)],
  ['failure', (l) => any(FAILURE, l)],
  ['opinion', (l) => any(OPINION, l)],
  ['evaluative', (l) => any(EVALUATIVE, l)],
  ['story', (l) => any(STORY, l)],
  ['deixis', (l) => any(TASK_DEIXIS, l)],
  ['fromnowon', (l) => any(FROM_NOW_ON, l)],
  ['declarative', (l) => any(DECLARATIVE, l)],
  ['ban', (l) => any(BAN, l)],
  ['specified', (l) => any(SPECIFIED, l)],
  ['topic', (_l, r) => TOPIC.test(r)],
  ['quantified', (l) => QUANTIFIED.test(l)],
  ['impersonal', (l) => IMPERSONAL.test(l)],
  ['passive', (l) => PASSIVE.test(l)],
  ['wedo', (l) => any(WE_DO, l)],
  ['substance', (_l, r) => SUBSTANCE.test(r)],
];

const WORD = /[\p{L}\p{N}_'’-]+|[?？!！`]/gu;

/**
 * The weight of each namespace of features (a factor on its values). `char` / `word`: n-grams of the raw text;
 * `absChar` / `absWord`: the same over the text with identifiers, code, numbers and quotes as placeholders;
 * `shape`: word 1–3-grams over the closed-class frame (stated-rule-shape.ts); 0 leaves a namespace out.
 */
export interface FeatureWeights {
  char: number;
  word: number;
  absChar: number;
  absWord: number;
  shape: number;
  shapeFirst: number;
  /** Word 1–2-grams over the frame where content words keep their last two letters. */
  suffix: number;
  /** The first word and the first two words of the raw text. */
  first: number;
}
/**
 * Chosen out of fold (bench/stated-rules/train.ts) on 2026-11-28: no n-gram of the raw text — character n-grams over the
 * abstracted text, the closed-class frame and its suffix variant carry the verdict. On the fresh dev files (dev-extra3 … 6)
 * the detector went from precision / recall 0.947 / 0.834 (raw n-grams) to 0.961 / 0.846 with 5-fold out-of-fold
 * readings, and from 0.953 / 0.797 to 0.950 / 0.834 with a file per fold (GROUPED=1, a model that saw none of the file's
 * projects); the model's AUC on them 0.956 → 0.964 and 0.949 → 0.961.
 */
export const FEATURE_WEIGHTS: FeatureWeights = { char: 0, word: 0, absChar: 1, absWord: 0, shape: 1, shapeFirst: 1, suffix: 1, first: 0 };
let fw: FeatureWeights = FEATURE_WEIGHTS;
/** For the trainer: other namespace weights (the stored weights were fitted with FEATURE_WEIGHTS). */
export function setFeatureWeights(w: Partial<FeatureWeights>): void {
  fw = { ...FEATURE_WEIGHTS, ...w };
}

/**
 * The features of one utterance, as hashed index → value. The agent's turn before it is not read: in the labelled
 * prompts most utterances with one are decisions, in conversations every turn has one — the model would learn the
 * set, not the language. Replies to the agent are read by the markers (stated-rule-context.ts).
 */
export function featuresOf(text: string, families = FAMILY_FEATURES): Map<number, number> {
  const out = new Map<number, number>();
  const put = (key: string, v: number) => {
    const k = hash(key);
    out.set(k, (out.get(k) ?? 0) + v);
  };
  const raw = text.trim().replace(/\s+/gu, ' ');
  const lower = raw.toLowerCase();
  put('bias', 1);
  // Character 2–4-grams, the utterance's shape in any script; weighed so a long turn counts as much as a short one.
  const chars = (prefix: string, text: string, weight: number) => {
    const padded = ` ${text.slice(0, 600)} `;
    const grams: string[] = [];
    for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
    const gw = weight / Math.sqrt(Math.max(1, grams.length));
    for (const g of grams) put(`${prefix}${g}`, gw);
  };
  const wordGrams = (prefix: string, ws: string[], weight: number) => {
    const ww = weight / Math.sqrt(Math.max(1, ws.length));
    for (let i = 0; i < ws.length; i++) {
      put(`${prefix}w:${ws[i]}`, ww);
      if (i > 0) put(`${prefix}b:${ws[i - 1]} ${ws[i]}`, ww);
    }
  };
  const words = lower.slice(0, 600).match(WORD) ?? [];
  if (fw.char) chars('c:', lower, fw.char);
  if (fw.word) wordGrams('', words, fw.word);
  if (fw.absChar || fw.absWord || fw.shape || fw.shapeFirst || fw.suffix) {
    const abs = abstracted(raw.slice(0, 600));
    if (fw.absChar) chars('ac:', abs, fw.absChar);
    if (fw.absWord) wordGrams('a', abs.match(WORD) ?? [], fw.absWord);
    if (fw.shape || fw.shapeFirst || fw.suffix) {
      const sh = shapeTokens(abs);
      const sw = fw.shape / Math.sqrt(Math.max(1, sh.length));
      if (fw.shape)
        for (let i = 0; i < sh.length; i++) {
          put(`s1:${sh[i]}`, sw);
          if (i > 0) put(`s2:${sh[i - 1]} ${sh[i]}`, sw);
          if (i > 1) put(`s3:${sh[i - 2]} ${sh[i - 1]} ${sh[i]}`, sw);
        }
      if (fw.suffix) {
        const sx = shapeTokens(abs, true);
        const xw = fw.suffix / Math.sqrt(Math.max(1, sx.length));
        for (let i = 0; i < sx.length; i++) {
          put(`x1:${sx[i]}`, xw);
          if (i > 0) put(`x2:${sx[i - 1]} ${sx[i]}`, xw);
        }
        put(`xf:${sx.slice(0, 2).join(' ')}`, fw.suffix);
      }
      if (fw.shapeFirst) {
        put(`sf:${sh.slice(0, 2).join(' ')}`, fw.shapeFirst);
        put(`sf3:${sh.slice(0, 3).join(' ')}`, fw.shapeFirst);
        put(`sl:${sh.slice(-3).join(' ')}`, fw.shapeFirst);
      }
    }
  }
  if (fw.first) {
    put(`f:${words[0] ?? ''}`, fw.first);
    put(`f2:${words.slice(0, 2).join(' ')}`, fw.first);
  }
  put(`end:${/[?？]\s*$/u.test(raw) ? '?' : /[.。!！]\s*$/u.test(raw) ? '.' : /(?:\.\.\.|…)\s*$/u.test(raw) ? '…' : 'none'}`, 1);
  if (/[?？]/u.test(raw)) put('has?', 1);
  const sentences = raw.split(/(?<=[.!?。！？])\s+|(?<=[。！？])/u).filter(Boolean).length;
  put(`sentences:${Math.min(sentences, 4)}`, 1);
  put(`length:${raw.length < 25 ? 's' : raw.length < 80 ? 'm' : raw.length < 200 ? 'l' : 'xl'}`, 1);
  if (families) for (const [name, test] of FAMILIES) if (test(lower, raw)) put(`m:${name}`, FAMILY_WEIGHT);
  return out;
}

let weights: Float32Array | undefined;

function loaded(): Float32Array {
  if (weights) return weights;
  const m = MODEL;
  const bytes = Buffer.from(m.weights, 'base64');
  const q = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  weights = new Float32Array(DIMENSIONS);
  for (let i = 0; i < q.length && i < DIMENSIONS; i++) weights[i] = q[i]! * m.scale;
  return weights;
}

/** The model's probability that an utterance states a rule or a decision for the project. */
export function ruleProbability(text: string): number {
  const w = loaded();
  let z = MODEL.bias;
  for (const [k, v] of featuresOf(text)) z += w[k]! * v;
  return 1 / (1 + Math.exp(-z));
}

/** For the trainer: the score with given weights. */
export function scoreWith(w: Float64Array | Float32Array, bias: number, features: Map<number, number>): number {
  let z = bias;
  for (const [k, v] of features) z += w[k]! * v;
  return z;
}
