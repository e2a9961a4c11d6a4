/**
 * A small learned reading of an utterance, beside the markers (stated-rule.ts): logistic regression over
 * hashed features — character 2–4-grams, words and word pairs of the utterance (any script), its first words,
 * how it ends, its length, and which of 25 marker families of stated-rule-markers.ts it carries (weighed at a
 * quarter). Not the agent's turn before it: replies to the agent are read by the markers (stated-rule-context.ts).
 * Fitted at build time on the dev splits of bench/stated-rules (bench/stated-rules/train.ts, deterministic) and
 * stored as int16-quantized weights in stated-rule-model-weights.ts (generated, 2^15 weights); pure TypeScript,
 * no I/O, about 0.1–0.2 ms per prompt.
 *
 * Why character n-grams: the markers are word lists per language and overfit the sentences they were tuned
 * on; the n-grams carry the same cues (a habitual verb ending, "-ed" of a story, "ください", "?" at the end)
 * without a list, in every script.
 */
import { BAN, DECLARATIVE, EVALUATIVE, FAILURE, FROM_NOW_ON, GENERAL, IMPERSONAL, NORM_VERB, OPINION, PASSIVE, QUANTIFIED, R, SPECIFIED, STORY, SUBSTANCE, TASK_DEIXIS, TOPIC, WE_DO, any } from './stated-rule-markers.js';
import { MODEL } from './stated-rule-model-weights.js';

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
  const padded = ` ${lower.slice(0, 600)} `;
  const grams: string[] = [];
  for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
  const gw = 1 / Math.sqrt(Math.max(1, grams.length));
  for (const g of grams) put(`c:${g}`, gw);
  const words = lower.slice(0, 600).match(WORD) ?? [];
  const ww = 1 / Math.sqrt(Math.max(1, words.length));
  for (let i = 0; i < words.length; i++) {
    put(`w:${words[i]}`, ww);
    if (i > 0) put(`b:${words[i - 1]} ${words[i]}`, ww);
  }
  put(`f:${words[0] ?? ''}`, 1);
  put(`f2:${words.slice(0, 2).join(' ')}`, 1);
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
