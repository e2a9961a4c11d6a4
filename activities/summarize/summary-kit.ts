/**
 * What the summarize activities share, made once per worker: the model client (none: offline), the
 * models and the output cap, the price table, and the two steps every summary goes through: the model
 * call under the tenant's daily budget (parked when it is spent), and the one transaction that stores
 * a summary with its token usage (and, for the final summary, its learnings). A summary is keyed by
 * (session, kind, first sequence) and written in that one transaction, so a retry after a lost answer
 * neither calls the model again nor stores anything twice.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type Anthropic from '@anthropic-ai/sdk';
import { Failure } from '../../messages/errors-v1.js';
import type { Config } from '../../common/server/config.js';
import type { PrismaClient, Tx } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { checkBudget, recordUsage } from './summary-budget.js';
import { createAnthropic } from './claude.js';
import type { LearningMergeResult } from './learning-merge.js';
import { NO_USAGE, PriceTable, type Usage } from './pricing.js';
import { SYSTEM_PROMPT } from './prompt.js';
import { summaryText, type SummaryFields } from './summary-schema.js';

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

/** Activity that happened longer ago than this before its summary was written arrived late (from a spool). */
const LATE_ACTIVITY_MS = 10 * 60_000;

export function createSummaryKit({ prisma, config, anthropic }: SummarizeDeps) {
  const client = anthropic ?? (config.ANTHROPIC_API_KEY ? createAnthropic(config.ANTHROPIC_API_KEY, config.ANTHROPIC_BASE_URL) : undefined);
  const prices = new PriceTable(config.MEMFLOW_LLM_PRICES);
  const batchModel = config.MEMFLOW_SUMMARY_MODEL;
  const finalModel = config.MEMFLOW_FINAL_SUMMARY_MODEL ?? batchModel;
  const maxOut = config.MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS;
  const systemTokens = countTokens(SYSTEM_PROMPT);
  const warnedPrices = new Set<string>();

  function costOf(model: string, usage: Usage): number {
    if (!prices.price(model) && !warnedPrices.has(model)) {
      warnedPrices.add(model);
      log.warn('no price known for model; cost recorded as 0 (set MEMFLOW_LLM_PRICES)', { model });
    }
    return prices.cost(model, usage);
  }

  async function projectName(sessionId: string): Promise<string> {
    const s = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { project: { select: { name: true } } } });
    return s.project.name;
  }

  /** Runs the model call, or parks when the tenant's budget cannot pay for it. */
  async function withBudget<T>(
    tenantId: string,
    estimate: number,
    call: () => Promise<{ answer: T; usage: Usage; requests: number }>,
  ): Promise<{ kind: 'answer'; answer: T; usage: Usage; requests: number } | { kind: 'parked'; resetsAt: number; used: number; limit: number | null }> {
    const budget = await checkBudget(prisma, tenantId, estimate, config.MEMFLOW_DAILY_TOKEN_BUDGET);
    if (!budget.allowed) {
      log.info('daily LLM budget spent; summarization parked', { tenantId, used: budget.used, limit: budget.limit });
      return { kind: 'parked', resetsAt: budget.resetsAt, used: budget.used, limit: budget.limit };
    }
    try {
      return { kind: 'answer', ...(await call()) };
    } catch (err) {
      // Tokens spent on answers that never validated still count against the budget.
      if (err instanceof ApplicationFailure && err.type === Failure.LlmMalformedOutput) {
        const usage = (err.details?.[0] as { usage?: Usage } | undefined)?.usage ?? NO_USAGE;
        await prisma.$transaction((tx) => recordUsage(tx, tenantId, usage, costOf(batchModel, usage), 1)).catch(toActivityFailure);
      }
      throw err;
    }
  }

  /**
   * A summary of activity that was delivered late (from a hook client's spool, see
   * X-Memflow-Occurred-At) is dated by when its latest covered activity happened, not when it was
   * written; a live session's summary keeps its own time.
   */
  async function happenedAt(tx: Tx, sessionId: string, range: { from: number; to: number }): Promise<Date | undefined> {
    const { _max } = await tx.observation.aggregate({ _max: { createdAt: true }, where: { sessionId, sequence: { gte: range.from, lte: range.to } } });
    const latest = _max.createdAt;
    return latest && latest.getTime() < Date.now() - LATE_ACTIVITY_MS ? latest : undefined;
  }

  async function storeSummary(
    ids: SessionIds,
    kind: 'batch' | 'rolling' | 'final',
    fields: SummaryFields,
    range: { from: number; to: number; count: number },
    llm: { model: string; usage: Usage; requests: number } | null,
    after?: (tx: Tx, summaryId: string) => Promise<LearningMergeResult>,
    provenance?: { gitBranch: string | null; gitCommit: string | null; citations: object[] },
  ): Promise<{ id: string; learnings?: LearningMergeResult }> {
    const text = summaryText(fields);
    const usage = llm?.usage ?? NO_USAGE;
    const cost = llm ? costOf(llm.model, usage) : 0;
    try {
      return await prisma.$transaction(async (tx) => {
        const happened = await happenedAt(tx, ids.sessionId, range);
        const row = await tx.summary.create({
          data: {
            ...ids,
            ...(happened ? { createdAt: happened } : {}),
            kind,
            title: fields.title,
            request: fields.request || null,
            investigated: fields.investigated || null,
            learned: fields.learned || null,
            completed: fields.completed || null,
            nextSteps: fields.nextSteps || null,
            text,
            tokenCount: countTokens(text),
            model: llm?.model ?? null,
            tokensIn: usage.tokensIn,
            tokensOut: usage.tokensOut,
            cacheReadTokens: usage.cacheReadTokens,
            cacheWriteTokens: usage.cacheWriteTokens,
            costUsd: cost,
            offline: llm === null,
            fromSequence: range.from,
            toSequence: range.to,
            observationCount: range.count,
            ...(provenance ?? {}),
          },
        });
        if (llm) await recordUsage(tx, ids.tenantId, usage, cost, llm.requests);
        const learnings = after ? await after(tx, row.id) : undefined;
        return { id: row.id, ...(learnings ? { learnings } : {}) };
      });
    } catch (err) {
      toActivityFailure(err);
    }
  }

  return { prisma, config, client, batchModel, finalModel, maxOut, systemTokens, projectName, withBudget, storeSummary };
}

export type SummaryKit = ReturnType<typeof createSummaryKit>;
