/**
 * The offline default embedder: deterministic, no network, no model weights. A text becomes a bag
 * of weighted features, hashed with random signs into a fixed number of dimensions (the "hashing
 * trick") and L2-normalised, so cosine similarity measures feature overlap:
 * - words, after splitting camelCase / snake_case / paths and light stemming;
 * - concepts from a small software-engineering lexicon (lexicon.ts), so synonyms meet
 *   ("postgres timed out" ~ "database connection timeout");
 * - character trigrams of each word, so inflections, typos and compound identifiers overlap a little;
 * - adjacent word pairs, for a little word order.
 * Term frequency is dampened (1 + ln tf) so one repeated word cannot dominate. It is much weaker
 * than a neural model, but paraphrases in this domain land measurably closer than unrelated text
 * (tests/unit/embeddings.test.ts), and it costs microseconds per text.
 */
import { CONCEPTS, STOP_WORDS, WEAK_WORDS } from './lexicon.js';
import type { EmbeddingInput, EmbeddingProvider } from './types.js';
import { LRUCache } from 'lru-cache';

export const LOCAL_MODEL = 'memflow-lexical-v1';
export const LOCAL_DEFAULT_DIMENSION = 512;

/** Feature weights by kind: concepts carry meaning across wordings, trigrams only a hint. */
const WEIGHT = { word: 1.0, weakWord: 0.35, concept: 1.1, trigram: 0.18, pair: 0.45 } as const;

/** Longest text considered; beyond it the bag of features barely changes. */
const MAX_CHARS = 20_000;

/** Light suffix stripping: enough to merge plural, gerund and past forms of the same word. */
const SUFFIXES: [RegExp, string][] = [
  [/ies$/, 'y'],
  [/sses$/, 'ss'],
  [/([^s])s$/, '$1'],
  [/ication$/, 'y'],
  [/ation$/, 'ate'],
  [/ements?$/, 'e'],
  [/ing$/, ''],
  [/ed$/, ''],
  [/ly$/, ''],
  [/er$/, ''],
];
/** Stems already computed: a text's words repeat across texts (the push reads hundreds of rules per prompt). */
const stems = new LRUCache<string, string>({ max: 50_000, memoMethod: (word) => stemOf(word) });

export function stem(word: string): string {
  return stems.memo(word);
}

function stemOf(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  for (const [re, to] of SUFFIXES) {
    if (!re.test(w)) continue;
    const next = w.replace(re, to);
    if (next.length >= 3) w = next;
    if (re.source !== '([^s])s$') break; // plural stripping may combine with one more rule
  }
  // "running" -> "runn" -> "run"; "rename" and "renamed" both end as "renam".
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/**
 * Words of a text in any script, as the push reads a text's topics: letters stay one word across accents ("Zähler", not
 * "Z" and "hler"), diacritics are folded ("Kähler" and "Kahler" are one word), identifiers split at case changes;
 * lowercase. The embedder keeps `tokenize`: its vectors are made of those tokens.
 */
export function wordsOfText(text: string): string[] {
  const spaced = text
    .slice(0, MAX_CHARS)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .toLowerCase();
  return spaced.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 1 && !STOP_WORDS.has(t));
}

/** Words of a text: identifiers split at case changes, digits and punctuation; lowercase. */
export function tokenize(text: string): string[] {
  const spaced = text
    .slice(0, MAX_CHARS)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  return spaced.split(/[^a-z0-9]+/).filter((t) => t.length > 1 && !STOP_WORDS.has(t));
}

/** stem -> concept indexes, built once from the lexicon with the same normalisation as the text. */
const conceptsByStem: Map<string, number[]> = (() => {
  const map = new Map<string, number[]>();
  CONCEPTS.forEach((group, i) => {
    for (const word of group) {
      for (const token of tokenize(word)) {
        const s = stem(token);
        const list = map.get(s) ?? [];
        if (!list.includes(i)) list.push(i);
        map.set(s, list);
      }
    }
  });
  return map;
})();

/** Weighted features of a text, before hashing (exported for tests and tuning). */
export function features(text: string): Map<string, number> {
  const counts = new Map<string, { n: number; w: number }>();
  const add = (key: string, weight: number) => {
    const c = counts.get(key);
    if (c) c.n += 1;
    else counts.set(key, { n: 1, w: weight });
  };
  const words = tokenize(text);
  let previous: string | undefined;
  for (const word of words) {
    const s = stem(word);
    add(`w:${s}`, WEAK_WORDS.has(word) ? WEIGHT.weakWord : WEIGHT.word);
    for (const c of conceptsByStem.get(s) ?? conceptsByStem.get(word) ?? []) add(`c:${c}`, WEIGHT.concept);
    const padded = `<${s}>`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`g:${padded.slice(i, i + 3)}`, WEIGHT.trigram);
    if (previous) add(`p:${previous}_${s}`, WEIGHT.pair);
    previous = s;
  }
  const out = new Map<string, number>();
  for (const [key, { n, w }] of counts) out.set(key, w * (1 + Math.log(n)));
  return out;
}

/** 32-bit FNV-1a, then a murmur-style finalizer so nearby keys spread over all bits. */
function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function embedText(text: string, dimension: number): number[] {
  const v = new Float64Array(dimension);
  for (const [key, weight] of features(text)) {
    const h = hash32(key);
    // The top bit gives the sign: collisions then cancel out on average instead of adding up.
    v[h % dimension]! += h & 0x80000000 ? -weight : weight;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) {
    // No features (empty or only stop words): a fixed unit vector, never a zero vector (NaN cosine).
    v[0] = 1;
    norm = 1;
  }
  const scale = 1 / Math.sqrt(norm);
  return Array.from(v, (x) => x * scale);
}

export function createLocalProvider(opts: { dimension?: number } = {}): EmbeddingProvider {
  const dimension = opts.dimension ?? LOCAL_DEFAULT_DIMENSION;
  return {
    name: 'local',
    model: LOCAL_MODEL,
    dimension,
    maxBatch: 512,
    // Symmetric: queries and documents are embedded alike.
    embed: async (texts: string[], _input: EmbeddingInput) => texts.map((t) => embedText(t, dimension)),
  };
}
