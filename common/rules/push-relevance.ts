/**
 * Does a memory bear on the prompt an agent just received? The relevance gate of the per-prompt
 * push (api/context/prompt-push.ts): it must find the decision that settles a bug report that never
 * states the rule ("the SLA report overcounts downtime" ↔ "maintenance only counts as downtime when
 * announced 24 h ahead"), and push nothing at all for a prompt memory never saw.
 *
 * A prompt and each candidate become bags of terms: words after splitting identifiers
 * (`MAX_ATTEMPTS` → max, attempts), light stemming and the offline embedder's stop words
 * (common/server/embeddings/local.ts), whole identifiers and paths, and the concepts of its small
 * software lexicon at a lower weight (so "retried" meets "backoff", "postgres" meets "migration").
 * The synonyms, the symptom patterns and the lone candidate were retired (docs/push.md: none lifted a
 * held-out half); a rule meets a report told in other words through what a model wrote it applies to
 * (`applies_when`) or at its code (the file push).
 * Candidates are scored with BM25 against the prompt, the rarity of a term (its IDF) taken over the
 * project's candidates: a term every rule mentions ("always", "code") says nothing; "downtime" said
 * by one rule says a lot.
 *
 * The gate (calibrated on bench/decisions, docs/push.md says how): a candidate is pushed when
 *   - its score reaches GATE.MIN_SCORE, and
 *   - it shares a distinctive term with the prompt (IDF ≥ GATE.DISTINCTIVE_IDF, not a concept alone),
 *     or at least GATE.MIN_SHARED content terms, and
 *   - its score is at least GATE.RELATIVE of the best candidate's (the runners-up must be close), unless it
 *     reaches GATE.CLEAR on its own: a prompt can need two rules, one named by an identifier it shares
 *     (scoring 20) and one met by its words alone (scoring 5); the first must not hide the second.
 * At most GATE.MAX_ITEMS are pushed. Nothing passes: nothing.
 */
import { CONCEPTS, WEAK_WORDS } from '../server/embeddings/lexicon.js';
import { stem, tokenize, wordsOfText } from '../server/embeddings/local.js';
import { rarity } from './word-rarity.js';
import { uses } from './push-ablation.js';
import { LRUCache } from 'lru-cache';

/** Calibrated constants of the gate (see the header; docs/push.md has the calibration). */
export const GATE = {
  MIN_SCORE: 3.5,
  DISTINCTIVE_IDF: 1.2,
  MIN_SHARED: 2,
  RELATIVE: 0.35,
  CLEAR: 5,
  MAX_ITEMS: 5,
} as const;

/** BM25 constants: common values; the documents are short rules, so length matters little. */
const K1 = 1.2;
const B = 0.5;
/** Weight of a term by how it was found. */
const WEIGHT = { word: 1, identifier: 1.5, concept: 0.35 } as const;

/** Words that carry no topic in a rule or a prompt (norms, fillers, the code's generic nouns). */
const NO_TOPIC = new Set(
  [
    'always', 'never', 'use', 'using', 'used', 'make', 'must', 'should', 'shall', 'need', 'needs', 'want', 'only', 'every', 'each', 'also', 'just', 'still', 'now', 'from', 'going', 'forward',
    'decided', 'decide', 'decision', 'agreed', 'agree', 'rule', 'rules', 'convention', 'policy', 'team', 'stated', 'user', 'agent', 'proposal', 'exactly', 'change', 'changed', 'keep',
    'please', 'add', 'fix', 'bug', 'issue', 'problem', 'wrong', 'instead', 'like', 'thing', 'things', 'stuff', 'code', 'file', 'files', 'repo', 'project', 'function', 'value', 'values', 'get', 'set',
    'yes', 'okay', 'ok', 'sure', 'think', 'know', 'see', 'look', 'seems', 'seem', 'right', 'good', 'bad', 'new', 'old', 'one', 'two', 'way', 'time', 'let', 'lets', 'go', 'went', 'done',
    'today', 'yesterday', 'report', 'shows', 'show', 'says', 'say', 'said', 'but', 'because', 'why', 'what', 'when', 'where', 'which', 'who', 'how', 'there', 'here', 'this', 'that',
  ].map((w) => stem(w)),
);

export interface Terms {
  /** term -> weighted count (shared between callers: read it, never change it) */
  readonly weights: ReadonlyMap<string, number>;
  /** total weight (the document's length for BM25) */
  readonly length: number;
}

const conceptsByStem: Map<string, number[]> = (() => {
  const map = new Map<string, number[]>();
  CONCEPTS.forEach((group, i) => {
    for (const word of group) for (const t of tokenize(word)) map.set(stem(t), [...new Set([...(map.get(stem(t)) ?? []), i])]);
  });
  return map;
})();
const WEAK = new Set([...WEAK_WORDS].map((w) => stem(w)));

/**
 * Identifiers and paths as written: snake_case, camelCase, PascalCase, CONSTANTS, dotted and slashed names
 * (`MAX_ATTEMPTS`, `downtimeMinutes`, `DrainTimeout`, `billing/retry.py`), and a command line's long flags (`--output`).
 * PascalCase is matched whole: matched from its second letter ("rainTimeout"), a Go name was not the name the code defines.
 */
export const IDENTIFIER = /--[a-z][a-z0-9-]+|[A-Za-z_][A-Za-z0-9_]*(?:[./-][A-Za-z0-9_]+)+|[A-Za-z]+_[A-Za-z0-9_]+|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]+|[A-Z]{2,}[A-Z0-9_]*/g;

function identifiersOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IDENTIFIER)) {
    const id = m[0].toLowerCase();
    // An acronym of every project's vocabulary written in capitals ("JSON", "HTTP") is that word, not a name of this code.
    if (id.length >= 4 && !(/^[a-z0-9]+$/.test(id) && (NOT_A_TOPIC.has(id) || SOFTWARE_GENERIC.has(stem(id))))) out.push(`id:${id}`);
  }
  return out;
}

/**
 * Words every software project uses for everything ("api", "page", "status", "docs"): rare in
 * spoken English, so word-rarity.ts calls them telling, but they say little about which rule a
 * prompt needs. Weighed down like common English words.
 */
const SOFTWARE_GENERIC = new Set(
  [
    'api', 'apis', 'endpoint', 'endpoints', 'page', 'pages', 'ui', 'ux', 'status', 'admin', 'user', 'users', 'list', 'log', 'logs', 'doc', 'docs', 'test', 'tests', 'config', 'error', 'errors',
    'data', 'function', 'class', 'method', 'module', 'service', 'server', 'client', 'request', 'response', 'field', 'type', 'id', 'ids', 'name', 'key', 'run', 'build', 'app', 'web',
    'json', 'url', 'http', 'db', 'table', 'column', 'query', 'job', 'jobs', 'event', 'events', 'message', 'output', 'input', 'line', 'lines', 'stage', 'staging', 'prod', 'env', 'local',
    'default', 'flag', 'option', 'version', 'release', 'repo', 'branch', 'commit', 'pr', 'ci', 'script', 'command', 'cli', 'code', 'bug', 'fix', 'issue', 'feature', 'support', 'check',
  ].map((w) => stem(w)),
);

/** File endings and the like: where a thing is, not what it is about. */
const NOT_A_TOPIC = new Set(['py', 'ts', 'js', 'tsx', 'jsx', 'go', 'rb', 'rs', 'md', 'json', 'yaml', 'yml', 'toml', 'sql', 'sh', 'txt', 'csv', 'html', 'css', 'java', 'kt', 'cs', 'php']);

const NOTHING: ReadonlySet<string> = new Set();
const FLAG = stem('flag');
/** Texts whose terms are kept (least recently used first out): a few thousand rules and prompts. */
const termsCache = new LRUCache<string, Terms, ReadonlySet<string>>({ max: 4_000, memoMethod: (key, _stale, { context }) => readTerms(key.slice(key.indexOf('\u0000') + 1), context) });

/** The cache key of an ignore set, built once per set (a push asks for hundreds of rules' terms with one set). */
const ignoreKeys = new WeakMap<ReadonlySet<string>, string>();
function ignoreKey(ignore: ReadonlySet<string>): string {
  let key = ignoreKeys.get(ignore);
  if (key === undefined) ignoreKeys.set(ignore, (key = [...ignore].join(' ')));
  return key;
}

/**
 * A text's terms with weights: content words (weighed by how telling the word is in English,
 * word-rarity.ts), identifiers, concepts. `ignore`: words that name no topic here (the project's own name).
 */
export function termsOf(text: string, ignore: ReadonlySet<string> = NOTHING): Terms {
  // The push reads every rule of the project for each prompt (hundreds): their terms are read once.
  return termsCache.memo(`${ignoreKey(ignore)}\u0000${text}`, { context: ignore });
}

/** Whether a text's terms are read already (without reading them). */
export function termsKnown(text: string, ignore: ReadonlySet<string> = NOTHING): boolean {
  return termsCache.has(`${ignoreKey(ignore)}\u0000${text}`);
}

function readTerms(text: string, ignore: ReadonlySet<string>): Terms {
  const weights = new Map<string, number>();
  const add = (t: string, w: number) => weights.set(t, (weights.get(t) ?? 0) + w);
  const concepts = new Set<number>();
  for (const token of wordsOfText(text)) {
    // A bare number names no topic ("20" in a bug report, "7" in a rule): identifiers keep theirs.
    if (/^\d+$/.test(token)) continue;
    if (NOT_A_TOPIC.has(token) || ignore.has(token)) continue;
    const s = stem(token);
    if (NO_TOPIC.has(s) || ignore.has(s)) continue;
    const w = (WEAK.has(s) ? 0.4 : 1) * (SOFTWARE_GENERIC.has(s) ? 0.3 : 1) * WEIGHT.word * rarity(token);
    add(s, w);
    if (uses('concepts')) for (const c of conceptsByStem.get(s) ?? []) concepts.add(c);
  }
  for (const id of identifiersOf(text)) add(id, WEIGHT.identifier);
  // A command-line option written out ("--region") is a flag, as a rule about flags calls it.
  if (/(?:^|[\s`'"(])--[a-z][a-z0-9-]+/.test(text)) add(FLAG, WEIGHT.word * rarity('flag'));
  for (const c of concepts) add(`concept:${CONCEPTS[c]![0]}`, WEIGHT.concept);
  let length = 0;
  for (const w of weights.values()) length += w;
  return { weights, length };
}

export interface Scored<T> {
  item: T;
  score: number;
  /** The terms it shares with the prompt, most telling first (for explain). */
  shared: string[];
  /** Whether it shares a distinctive term. */
  distinctive: boolean;
}

/** IDF over the candidates: ln(1 + (N − df + 0.5) / (df + 0.5)). */
function idfOf(docs: Terms[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.weights.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  const idf = new Map<string, number>();
  // A pool of a few candidates says little about rarity: at least 20 documents are assumed.
  const N = Math.max(n, 20);
  for (const [t, f] of df) idf.set(t, Math.log(1 + (N - f + 0.5) / (f + 0.5)));
  return idf;
}

/**
 * BM25 of each candidate against the prompt, best first. A candidate may bring its terms already
 * read (`terms`: the same text scored in two pools is read once).
 */
export function scoreCandidates<T>(prompt: string, candidates: { item: T; text: string; terms?: Terms }[], ignore: ReadonlySet<string> = NOTHING): Scored<T>[] {
  const q = termsOf(prompt, ignore);
  const docs = candidates.map((c) => c.terms ?? termsOf(c.text, ignore));
  const idf = idfOf(docs);
  const avg = docs.reduce((a, d) => a + d.length, 0) / Math.max(1, docs.length);
  const out: Scored<T>[] = candidates.map((c, i) => {
    const d = docs[i]!;
    let score = 0;
    const shared: [string, number][] = [];
    for (const [t, qw] of q.weights) {
      const tf = d.weights.get(t);
      if (!tf) continue;
      const w = idf.get(t) ?? 0;
      const part = w * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.length) / Math.max(1, avg)))) * Math.min(qw, 2);
      score += part;
      shared.push([t, part]);
    }
    shared.sort((a, b) => b[1] - a[1]);
    const distinctive = shared.some(([t]) => !t.startsWith('concept:') && (idf.get(t) ?? 0) >= GATE.DISTINCTIVE_IDF);
    return { item: c.item, score, shared: shared.map(([t]) => t.replace(/^id:/, '').replace(/^concept:(.*)$/, '~$1')), distinctive };
  });
  return out.sort((a, b) => b.score - a.score);
}

/** Why a candidate did or did not pass the gate; undefined when it passes. */
export function gateRefusal(s: Scored<unknown>, best: number): string | undefined {
  const content = s.shared.filter((t) => !t.startsWith('~'));
  if (s.score < GATE.MIN_SCORE) return `below the gate (score ${s.score.toFixed(2)} < ${GATE.MIN_SCORE})`;
  if (!s.distinctive && content.length < GATE.MIN_SHARED) return `shares no distinctive term with the prompt (${content.join(', ') || 'only concepts'})`;
  if (s.score < GATE.RELATIVE * best && s.score < GATE.CLEAR) return `far below the best match (${s.score.toFixed(2)} < ${GATE.RELATIVE} × ${best.toFixed(2)})`;
  return undefined;
}

