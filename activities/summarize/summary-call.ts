/**
 * One summarizing call to the model, paid from the tenant's daily budget: when the budget cannot pay
 * for it, the call is not made and the summary is parked (with when the budget returns; the workflow
 * waits). Tokens spent on answers that never validated still count against the budget.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import { Failure } from '../../messages/errors-v1.js';
import { TRANSACTION_OPTIONS } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import { callStructured, type StructuredResult } from './claude.js';
import { NO_USAGE, type Usage } from './pricing.js';
import { checkBudget, recordUsage } from './summary-budget.js';
import type { SummarizeContext, SummaryOutcome } from './summarize-context.js';
import { SUMMARY_TOOL, SYSTEM_PROMPT } from './summary-prompt.js';

export type Parked = Extract<SummaryOutcome, { status: 'parked' }>;

export interface SummaryCall<T> {
  /** The model client (the caller has checked there is one: without it, summaries are written offline). */
  client: Anthropic;
  model: string;
  /** What the forced tool call records. */
  toolDescription: string;
  schema: z.ZodType<T>;
  user: string;
}

/** The model's validated answer, or `parked` when the tenant's budget cannot pay for the call. */
export async function callWithinBudget<T>(
  ctx: SummarizeContext,
  tenantId: string,
  call: SummaryCall<T>,
): Promise<({ kind: 'answer' } & StructuredResult<T>) | { kind: 'parked'; outcome: Parked }> {
  const estimate = ctx.systemTokens + countTokens(call.user) + ctx.maxOut;
  const budget = await checkBudget(ctx.prisma, tenantId, estimate, ctx.config.MEMFLOW_DAILY_TOKEN_BUDGET);
  if (!budget.allowed) {
    log.info('daily LLM budget spent; summarization parked', { tenantId, used: budget.used, limit: budget.limit });
    return { kind: 'parked', outcome: { status: 'parked', resetsAt: budget.resetsAt, used: budget.used, limit: budget.limit } };
  }
  try {
    const answer = await callStructured(call.client, {
      model: call.model,
      maxTokens: ctx.maxOut,
      system: SYSTEM_PROMPT,
      toolName: SUMMARY_TOOL,
      toolDescription: call.toolDescription,
      schema: call.schema,
      user: call.user,
    });
    return { kind: 'answer', ...answer };
  } catch (err) {
    // Tokens spent on answers that never validated still count against the budget.
    if (err instanceof ApplicationFailure && err.type === Failure.LlmMalformedOutput) {
      const usage = (err.details?.[0] as { usage?: Usage } | undefined)?.usage ?? NO_USAGE;
      await ctx.prisma.$transaction((tx) => recordUsage(tx, tenantId, usage, ctx.costOf(ctx.batchModel, usage), 1), TRANSACTION_OPTIONS).catch(toActivityFailure);
    }
    throw err;
  }
}
