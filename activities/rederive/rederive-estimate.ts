/**
 * The cost estimate a re-derivation records before it derives anything: per session, the tokens of
 * the call deriving it would send (the cached prefix, its timeline as the prompt renders it) and
 * the answer it is expected to write, summed over the project and priced with the model's prices
 * (the prefix written to the cache once, then read). The offline summarizer costs nothing.
 */
import { heartbeat } from '@temporalio/activity';
import type { SummarizeContext } from '../summarize/summarize-activities.js';
import { countSessions, sessionsAfter, timelinesOf, type DerivationScope } from './rederive-reads.js';
import { expectedAnswerTokens, prefixTokens, sessionCall } from './rederive-summarizer.js';

/** Prompts shorter than this are not cached by the API. */
const MIN_CACHE_TOKENS = 1024;

export interface Estimate {
  sessions: number;
  tokens: number;
  costUsd: number;
}

export async function estimateDerivation(ctx: SummarizeContext, scope: DerivationScope & { project: string }, model: string | null): Promise<Estimate> {
  if (model === null) return { sessions: await countSessions(ctx.prisma, scope), tokens: 0, costUsd: 0 };
  const prefix = prefixTokens();
  let sessions = 0;
  let messages = 0;
  let answers = 0;
  let afterId: string | undefined;
  for (;;) {
    const page = await sessionsAfter(ctx.prisma, scope, afterId, 200);
    const timelines = await timelinesOf(ctx.prisma, page.map((s) => s.id));
    for (const s of page) {
      messages += sessionCall(scope.project, timelines.get(s.id)!).tokens;
      answers += expectedAnswerTokens(s.current?.tokenCount ?? null, ctx.maxOut);
    }
    sessions += page.length;
    heartbeat({ sessions });
    if (page.length < 200) break;
    afterId = page.at(-1)!.id;
  }
  const cached = prefix >= MIN_CACHE_TOKENS && sessions > 0;
  const usage = cached
    ? { tokensIn: messages, tokensOut: answers, cacheWriteTokens: prefix, cacheReadTokens: prefix * (sessions - 1) }
    : { tokensIn: messages + prefix * sessions, tokensOut: answers, cacheWriteTokens: 0, cacheReadTokens: 0 };
  return { sessions, tokens: usage.tokensIn + usage.tokensOut + usage.cacheWriteTokens + usage.cacheReadTokens, costUsd: ctx.costOf(model, usage) };
}
