/**
 * Which observations go into the next summarization batch: consecutive ones, from the first not yet
 * summarized, until the token budget is reached (tiktoken counts, so a batch of long tool outputs is
 * short and a batch of prompts is long). A tool call still waiting for its result ends the batch early
 * unless the session is over, so a result that arrives later is not merged into an item that was
 * already summarized.
 */
export interface BatchCandidate {
  sequence: number;
  tokenCount: number;
  /** A tool call whose result has not been stored yet. */
  open: boolean;
}

export interface BatchChoice {
  /** How many of the candidates form the batch (0 = nothing to summarize now). */
  take: number;
  tokens: number;
  /** Candidates remain after the batch. */
  more: boolean;
}

/**
 * `budget` bounds the batch's tokens; a single observation larger than the budget is a batch alone
 * (its rendering is clipped by the prompt). `minTokens` keeps tiny batches from being sent unless the
 * caller is flushing (stop or end).
 */
export function chooseBatch(candidates: BatchCandidate[], opts: { budget: number; flush: boolean; minTokens?: number }): BatchChoice {
  let tokens = 0;
  let take = 0;
  for (const c of candidates) {
    if (c.open && !opts.flush) break;
    if (take > 0 && tokens + c.tokenCount > opts.budget) break;
    tokens += c.tokenCount;
    take++;
  }
  const reachedBudget = take < candidates.length && !candidates[take]!.open;
  if (!opts.flush && !reachedBudget && tokens < (opts.minTokens ?? opts.budget)) return { take: 0, tokens: 0, more: candidates.length > 0 };
  return { take, tokens, more: take < candidates.length };
}
