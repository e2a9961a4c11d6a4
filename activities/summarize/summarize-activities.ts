/**
 * Activities of the session workflow's summarize step: batch summaries while the session runs, a
 * rolling summary when the agent stops, and the final summary with learning extraction at the end.
 *
 * Each is idempotent: a summary is keyed by (session, kind, first sequence) and looked up before any
 * model call, and the summary, its learnings and its token usage are written in one transaction, so a
 * retry after a lost answer neither calls the model again nor stores anything twice. A tenant over its
 * daily budget gets `parked` back (with when the budget returns) instead of a call; the workflow waits.
 *
 * Where each part lives: the shared context (client, models, prices) below, the batches in
 * batch-summary.ts, the rolling and final summaries in session-summary.ts, the prompts and the
 * answer's schema in summary-prompt.ts, the budgeted model call (the Anthropic client, prices, the
 * daily budget) in summary-call.ts, the reads and the write in summary-store.ts.
 */
import { log } from '@temporalio/activity';
import type Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../../common/server/config.js';
import type { PrismaClient } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { summarizeBatches, type BatchInput } from './batch-summary.js';
import { summarizeSession, type SessionSummaryInput } from './session-summary.js';
import { createAnthropic, PriceTable, type Usage } from './summary-call.js';
import type { LearningMergeResult } from './learning-merge.js';
import { SYSTEM_PROMPT } from './summary-prompt.js';

export type { BatchInput } from './batch-summary.js';
export type { SessionSummaryInput } from './session-summary.js';

export function createSummarizeActivities(deps: SummarizeDeps) {
  const ctx = createSummarizeContext(deps);
  return {
    /**
     * Summarizes the next batch of observations after `afterSequence`, if one is due; with
     * `maxBatches`, up to that many batches in a row (one activity, one workflow task, for a burst).
     */
    summarizeBatch: (input: BatchInput): Promise<SummaryOutcome> => summarizeBatches(ctx, input),

    /**
     * The rolling summary (at a stop) or the final summary with learnings (at the end), from the
     * session's batch summaries; the final one also merges learnings into the project's.
     */
    summarizeSession: (input: SessionSummaryInput): Promise<SummaryOutcome> => summarizeSession(ctx, input),
  };
}

export type SummarizeActivities = ReturnType<typeof createSummarizeActivities>;

/**
 * What the summarize activities share, built once per worker by createSummarizeActivities: the
 * injected deps, the Anthropic client (none: summaries are written offline), the models and the
 * output cap, and what a call cost by the price table (a model without a price is warned about once).
 */
export interface SummarizeDeps {
  prisma: PrismaClient;
  config: Pick<
    Config,
    | 'ANTHROPIC_API_KEY'
    | 'ANTHROPIC_BASE_URL'
    | 'MEMFLOW_SUMMARY_MODEL'
    | 'MEMFLOW_FINAL_SUMMARY_MODEL'
    | 'MEMFLOW_SUMMARY_BATCH_TOKENS'
    | 'MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS'
    | 'MEMFLOW_DAILY_TOKEN_BUDGET'
    | 'MEMFLOW_LLM_PRICES'
  >;
  /** An Anthropic client (tests); otherwise one is made from ANTHROPIC_API_KEY, or none (offline). */
  anthropic?: Anthropic;
}

export type SummaryOutcome =
  | { status: 'done'; summaryId: string; fromSequence: number; toSequence: number; offline: boolean; more: boolean; learnings?: LearningMergeResult; batches?: number }
  | { status: 'nothing'; more: boolean }
  | { status: 'parked'; resetsAt: number; used: number; limit: number | null };

export interface SummarizeContext {
  prisma: PrismaClient;
  config: SummarizeDeps['config'];
  /** The model client; none when no API key is set (every summary is written offline). */
  client: Anthropic | undefined;
  batchModel: string;
  finalModel: string;
  /** Most output tokens of one call. */
  maxOut: number;
  /** Tokens of the system prompt, part of each call's budget estimate. */
  systemTokens: number;
  costOf(model: string, usage: Usage): number;
}

export function createSummarizeContext({ prisma, config, anthropic }: SummarizeDeps): SummarizeContext {
  const prices = new PriceTable(config.MEMFLOW_LLM_PRICES);
  const warnedPrices = new Set<string>();
  const batchModel = config.MEMFLOW_SUMMARY_MODEL;
  return {
    prisma,
    config,
    client: anthropic ?? (config.ANTHROPIC_API_KEY ? createAnthropic(config.ANTHROPIC_API_KEY, config.ANTHROPIC_BASE_URL) : undefined),
    batchModel,
    finalModel: config.MEMFLOW_FINAL_SUMMARY_MODEL ?? batchModel,
    maxOut: config.MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS,
    systemTokens: countTokens(SYSTEM_PROMPT),
    costOf(model, usage) {
      if (!prices.price(model) && !warnedPrices.has(model)) {
        warnedPrices.add(model);
        log.warn('no price known for model; cost recorded as 0 (set MEMFLOW_LLM_PRICES)', { model });
      }
      return prices.cost(model, usage);
    },
  };
}
