/**
 * Token counting, cl100k_base. Claude's own tokenizer is not public; cl100k_base is a close, stable
 * stand-in for budgets. Counted with gpt-tokenizer (plain JavaScript), which gives tiktoken's counts
 * text for text (tests/unit/tokens.test.ts holds them equal) at about a tenth of the cost of tiktoken's
 * WebAssembly: the summarizer counts every observation it batches and clips, which made tiktoken
 * the worker's largest CPU cost under ingest load. Special tokens in the text count as plain text.
 */
import { countTokens as count, isWithinTokenLimit as within } from 'gpt-tokenizer/encoding/cl100k_base';

const AS_TEXT = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return count(text, AS_TEXT);
}

/**
 * The tokens of `text` if there are at most `limit`, else false — without encoding the rest of a
 * long text once it is past the limit.
 */
export function tokensWithin(text: string, limit: number): number | false {
  if (limit < 0) return false;
  return within(text, limit, AS_TEXT);
}
