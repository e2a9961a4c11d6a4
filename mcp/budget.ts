/**
 * Every MCP tool answer is sized for a model: it states its own token count (tiktoken, like the
 * context budget) and never exceeds the cap. A long answer is cut between records, never inside
 * one, and says what was left out and how to ask for it.
 */
import { countTokens } from '../common/tokens.js';

export const DEFAULT_MAX_TOKENS = 2_000;

export interface Sized {
  text: string;
  tokens: number;
  /** Records left out to stay under the cap. */
  omitted: number;
}

const stamp = (text: string, tokens: number) => `${text}\n[${tokens} tokens]`;

/** The text with its token count appended; the count covers the whole answer, stamp included. */
export function withTokenCount(text: string): Sized {
  let tokens = countTokens(stamp(text, 0));
  // The stamp's own digits may change the count by a token or two: settle it.
  for (let i = 0; i < 3; i++) {
    const next = countTokens(stamp(text, tokens));
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
  const all = withTokenCount(join([head, ...records, tail]));
  if (all.tokens <= maxTokens) return all;
  // Reserve room for the head, the hint and the stamp, then add whole records while they fit.
  let used = countTokens(head) + countTokens(more(records.length, 0)) + 12;
  const kept: string[] = [];
  for (const r of records) {
    const cost = countTokens(r) + 1;
    if (used + cost > maxTokens) break;
    kept.push(r);
    used += cost;
  }
  const omitted = records.length - kept.length;
  const sized = withTokenCount(join([head, ...kept, more(omitted, kept.length)]));
  return { ...sized, omitted };
}
