/**
 * Activities of the session workflow's summarize step: batch summaries while the session runs, a
 * rolling summary when the agent stops, and the final summary with learning extraction at the end.
 *
 * Each is idempotent: a summary is keyed by (session, kind, first sequence) and looked up before any
 * model call, and the summary, its learnings and its token usage are written in one transaction, so a
 * retry after a lost answer neither calls the model again nor stores anything twice. A tenant over its
 * daily budget gets `parked` back (with when the budget returns) instead of a call; the workflow waits.
 *
 * Where each part lives: the shared context (client, models, prices) in summarize-context.ts, the
 * reads in summary-reads.ts, the budgeted model call in summary-call.ts, the write in
 * summary-store.ts, the batches in batch-summary.ts, the rolling and final summaries in
 * session-summary.ts.
 */
import { summarizeBatches, type BatchInput } from './batch-summary.js';
import { summarizeSession, type SessionSummaryInput } from './session-summary.js';
import { createSummarizeContext, type SummarizeDeps, type SummaryOutcome } from './summarize-context.js';

export type { BatchInput } from './batch-summary.js';
export type { SessionSummaryInput } from './session-summary.js';
export type { SummarizeDeps, SummaryOutcome } from './summarize-context.js';

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
