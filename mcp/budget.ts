/**
 * Every MCP tool answer is sized for a model: it states its own token count (tiktoken, like the
 * context budget) and never exceeds the cap. A long answer is cut between records, never inside
 * one, and says what was left out and how to ask for it.
 *
 * Counting is the tools' largest CPU cost (a whole record of 2,000 tokens takes milliseconds), so
 * each text is counted once: the stamp's own size is worked out from its digits (below), and a
 * record that cannot fit any more is not counted to its end (tokensWithin).
 */
import { countTokens, tokensWithin } from '../common/rules/tokens.js';

export const DEFAULT_MAX_TOKENS = 2_000;

export interface Sized {
  text: string;
  tokens: number;
  /** Records left out to stay under the cap. */
  omitted: number;
}

const stamp = (text: string, tokens: number) => `${text}\n[${tokens} tokens]`;

/**
 * The text with its token count appended; the count covers the whole answer, stamp included.
 * cl100k_base splits digits into groups of at most three before merging (`\p{N}{1,3}`), each one
 * token, and `[` before them and ` tokens]` after them are pieces of their own: so the answer with
 * N in its stamp has the tokens of the answer with `0` there, plus one per further group of
 * three digits of N. One count of the text, whatever N turns out to be.
 */
export function withTokenCount(text: string): Sized {
  const base = countTokens(stamp(text, 0)); // `0`: one digit group
  let tokens = base;
  for (let i = 0; i < 3; i++) {
    const next = base - 1 + Math.ceil(String(tokens).length / 3);
    if (next === tokens) break;
    tokens = next;
  }
  return { text: stamp(text, tokens), tokens, omitted: 0 };
}

/**
 * `head`, then as many of `records` as fit under `maxTokens`, then `tail`. When some are left out,
 * `more(omitted)` says how to get them (it replaces `tail`).
 */
export function fitRecords(head: string, records: readonly string[], tail: string, maxTokens: number, more: (omitted: number, shown: number) => string): Sized {
  const join = (parts: string[]) => parts.filter((p) => p !== '').join('\n');
  // Each record once, each at most to where it would no longer fit: the sum (plus a token per
  // line break) bounds the answer, and only an answer that may fit is counted whole.
  const tailTokens = countTokens(tail);
  let used = countTokens(head) + 12;
  const sizes: (number | false)[] = [];
  for (const r of records) {
    const size = used <= maxTokens ? tokensWithin(r, maxTokens - used) : false;
    sizes.push(size);
    used += size === false ? maxTokens : size + 1;
  }
  if (used + tailTokens <= maxTokens + 24) {
    const all = withTokenCount(join([head, ...records, tail]));
    if (all.tokens <= maxTokens) return all;
  }
  // Reserve room for the head, the hint and the stamp, then add whole records while they fit.
  let room = maxTokens - countTokens(head) - countTokens(more(records.length, 0)) - 12;
  const kept: string[] = [];
  for (const [i, r] of records.entries()) {
    const cost = sizes[i] === false ? false : sizes[i]! + 1;
    if (cost === false || cost > room) break;
    kept.push(r);
    room -= cost;
  }
  const omitted = records.length - kept.length;
  const sized = withTokenCount(join([head, ...kept, more(omitted, kept.length)]));
  return { ...sized, omitted };
}
