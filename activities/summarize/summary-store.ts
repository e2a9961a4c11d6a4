/**
 * Writes a summary: the row, its token usage and (for a final summary) its learnings in one short
 * transaction, so a retried activity never stores anything twice. A summary of activity that was
 * delivered late is dated by when that activity happened.
 */
import { ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import { TRANSACTION_OPTIONS, type PrismaClient, type Tx } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { tryLockProjectLearnings, type LearningMergeResult } from './learning-merge.js';
import { recordUsage } from './summary-budget.js';
import { NO_USAGE, type Usage } from './pricing.js';
import type { SummarizeContext } from './summarize-context.js';
import { checkedFields } from './summary-checks.js';
import { summaryText, type SummaryFields } from './summary-schema.js';

/** Activity that happened longer ago than this before its summary was written arrived late (from a spool). */
const LATE_ACTIVITY_MS = 10 * 60_000;
/** Longest a final summary waits for its project's learnings lock before the attempt fails (and is retried). */
const LEARNINGS_LOCK_WAIT_MS = 90_000;

/** The observations a summary covers: first and last sequence, and how many. */
export interface SummaryRange {
  from: number;
  to: number;
  count: number;
}

/** The model call a summary came from; none for an offline summary. */
export interface SummaryLlm {
  model: string;
  usage: Usage;
  requests: number;
}

/**
 * A summary of activity that was delivered late (from a hook client's spool, see
 * X-Memflow-Occurred-At) is dated by when its latest covered activity happened, not when it was
 * written; a live session's summary keeps its own time.
 */
export async function happenedAt(prisma: PrismaClient, sessionId: string, range: { from: number; to: number }): Promise<Date | undefined> {
  const { _max } = await prisma.observation.aggregate({ _max: { createdAt: true }, where: { sessionId, sequence: { gte: range.from, lte: range.to } } });
  const latest = _max.createdAt;
  return latest && latest.getTime() < Date.now() - LATE_ACTIVITY_MS ? latest : undefined;
}

/** A summary's text columns: its fields (empty ones null), its prose and the prose's tokens. */
export function summaryColumns(fields: SummaryFields) {
  const text = summaryText(fields);
  return {
    title: fields.title,
    request: fields.request || null,
    investigated: fields.investigated || null,
    learned: fields.learned || null,
    completed: fields.completed || null,
    nextSteps: fields.nextSteps || null,
    text,
    tokenCount: countTokens(text),
  };
}

/**
 * Stores the summary and its usage in one short transaction; with `learnings`, also merges
 * them with the project's under the project's lock. Only the writes happen inside: what they need
 * is read before, and the wait for the lock (another session of the project merging) happens
 * between transactions, so no transaction waits for its turn while Prisma's timeout runs.
 */
export async function storeSummary(
  ctx: SummarizeContext,
  ids: SessionIds,
  kind: 'batch' | 'rolling' | 'final',
  fields: SummaryFields,
  range: SummaryRange,
  llm: SummaryLlm | null,
  learnings?: (tx: Tx, summaryId: string) => Promise<LearningMergeResult>,
  provenance?: { gitBranch: string | null; gitCommit: string | null; citations: object[] },
): Promise<{ id: string; learnings?: LearningMergeResult }> {
  const { prisma } = ctx;
  const usage = llm?.usage ?? NO_USAGE;
  const cost = llm ? ctx.costOf(llm.model, usage) : 0;
  try {
    const happened = await happenedAt(prisma, ids.sessionId, range);
    const data = {
      ...ids,
      ...(happened ? { createdAt: happened } : {}),
      kind,
      // Whichever summarizer wrote it: no instruction-shaped sentence is stored (./summary-checks.ts).
      ...summaryColumns(checkedFields(fields)),
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
    };
    const started = Date.now();
    for (let round = 0; ; round++) {
      const stored = await prisma.$transaction(async (tx) => {
        if (learnings && !(await tryLockProjectLearnings(tx, ids.projectId))) return undefined;
        const row = await tx.summary.create({ data });
        if (llm) await recordUsage(tx, ids.tenantId, usage, cost, llm.requests);
        const merged = learnings ? await learnings(tx, row.id) : undefined;
        return { id: row.id, ...(merged ? { learnings: merged } : {}) };
      }, TRANSACTION_OPTIONS);
      if (stored) return stored;
      if (Date.now() - started > LEARNINGS_LOCK_WAIT_MS) {
        throw ApplicationFailure.retryable(`the learnings of project ${ids.projectId} stayed locked by other sessions for ${LEARNINGS_LOCK_WAIT_MS / 1000} s`, Failure.DatabaseBusy);
      }
      heartbeat({ waitingForLearningsLock: round + 1 });
      // Another session of the project merges (tens of milliseconds): try again soon, jittered
      // so that sessions ending together do not retry in step.
      await sleep(Math.min(500, 20 * 2 ** Math.min(round, 5)) * (0.5 + Math.random()));
    }
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    toActivityFailure(err);
  }
}
