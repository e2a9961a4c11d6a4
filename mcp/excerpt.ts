/**
 * What `get` returns of a long record when the agent says what it is looking for: the lines that
 * bear on the question, in their order, within a token budget, and a count of what was left out
 * (`full: true` returns everything). A stored tool call holds up to 4,000 characters of input and
 * 4,000 of output — a test run, a grep, an edit echoed three times — of which an agent usually needs
 * the command, the failing lines and the few that name what it asked about.
 *
 * Lines are scored by the words and concepts they share with the query (the local embedder's own
 * features: stems, camelCase and path parts, the lexicon's concepts such as error/failure/exception),
 * weighted by rarity inside the record, plus a prior for lines that report a failure. Pure functions.
 */
import { features } from '../common/server/embeddings/local.js';
import { countTokens } from '../common/rules/tokens.js';

/** A record's text at most this long (tokens) is returned whole: an excerpt would save nothing. */
export const EXCERPT_MIN_TOKENS = 160;
/** Default size of an excerpt, in tokens. */
export const EXCERPT_TOKENS = 120;
/** Longest line kept as one piece; longer ones (minified JSON, one-line outputs) are cut into pieces. */
const MAX_PIECE = 200;

const FAILURE = /\b(error|fail(ed|ure|ing)?|exception|panic|timeout|timed out|refused|denied|fatal|warning|cannot|could not|not found|exit(ed)? (code|with)|✗|×)\b/i;

export interface Excerpt {
  text: string;
  /** Lines (pieces) of the record left out. */
  omitted: number;
}

/** Lines of the text; a line longer than MAX_PIECE is cut at spaces or JSON separators into pieces. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let rest = line;
    while (rest.length > MAX_PIECE) {
      const window = rest.slice(0, MAX_PIECE);
      const at = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\\n'), window.lastIndexOf(','));
      const cut = at > MAX_PIECE / 2 ? at + 1 : MAX_PIECE;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out;
}

/** Word and concept features only: trigrams and pairs would make every line look a little relevant. */
function terms(text: string): Set<string> {
  return new Set([...features(text).keys()].filter((k) => k.startsWith('w:') || k.startsWith('c:')));
}

/**
 * The lines of `text` that answer `query` best, in their original order, at most `budget` tokens;
 * the first line (a tool call's input, a summary's request) is always kept. Text within
 * EXCERPT_MIN_TOKENS comes back whole.
 */
export function excerpt(text: string, query: string, budget = EXCERPT_TOKENS): Excerpt {
  if (countTokens(text) <= Math.max(budget, EXCERPT_MIN_TOKENS)) return { text, omitted: 0 };
  const lines = pieces(text);
  const wanted = terms(query);
  const lineTerms = lines.map(terms);
  // Rarity inside the record: a word on every line of a test report tells no line apart.
  const df = new Map<string, number>();
  for (const ts of lineTerms) for (const t of ts) df.set(t, (df.get(t) ?? 0) + 1);
  const score = lines.map((line, i) => {
    if (line.trim() === '' || line === '---') return -1;
    let s = 0;
    for (const t of lineTerms[i]!) if (wanted.has(t)) s += Math.log(1 + lines.length / df.get(t)!);
    if (FAILURE.test(line)) s += 1.5;
    return s;
  });
  // The first line places the record (the call, the request); a dense one (digits, JSON) is shortened
  // so that it cannot take the room of the lines that answer.
  if (countTokens(lines[0]!) > budget / 4) lines[0] = `${lines[0]!.slice(0, 80)}…`;
  const keep = new Set<number>([0]);
  let used = countTokens(lines[0]!) + 1;
  const order = lines.map((_, i) => i).filter((i) => i > 0 && score[i]! > 0).sort((a, b) => score[b]! - score[a]! || a - b);
  for (const i of order) {
    const cost = countTokens(lines[i]!) + 1;
    if (used + cost > budget) continue;
    keep.add(i);
    used += cost;
  }
  const out: string[] = [];
  let gap = 0;
  lines.forEach((line, i) => {
    if (keep.has(i)) {
      if (gap) out.push(`  … (${gap} line${gap === 1 ? '' : 's'})`);
      gap = 0;
      out.push(line);
    } else gap++;
  });
  if (gap) out.push(`  … (${gap} line${gap === 1 ? '' : 's'})`);
  return { text: out.join('\n'), omitted: lines.length - keep.size };
}
