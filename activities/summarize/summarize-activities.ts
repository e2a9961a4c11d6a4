/**
 * Activities of the session workflow's summarize steps: batch summaries while the session runs
 * (batch-summary.ts), a rolling summary when the agent stops, and the final summary with learning
 * extraction at the end (session-summary.ts). What they share, the model call under the tenant's
 * budget and the one transaction that stores a summary, is summary-kit.ts.
 *
 * Each is idempotent: a summary is keyed by (session, kind, first sequence) and looked up before any
 * model call, and the summary, its learnings and its token usage are written in one transaction, so a
 * retry after a lost answer neither calls the model again nor stores anything twice. A tenant over its
 * daily budget gets `parked` back (with when the budget returns) instead of a call; the workflow waits.
 */
import { heartbeat } from '@temporalio/activity';
import { summarizeOneBatch, type BatchInput } from './batch-summary.js';
import { summarizeSession, type SessionSummaryInput } from './session-summary.js';
import { createSummaryKit, type SummarizeDeps, type SummaryOutcome } from './summary-kit.js';

export type { BatchInput } from './batch-summary.js';
export type { SessionSummaryInput } from './session-summary.js';
export type { SummarizeDeps, SummaryOutcome } from './summary-kit.js';

export function createSummarizeActivities(deps: SummarizeDeps) {
  const kit = createSummaryKit(deps);
  return {
    /**
     * Summarizes the next batch of observations after `afterSequence`, if one is due; with
     * `maxBatches`, up to that many batches in a row (one activity, one workflow task, for a burst).
     */
    async summarizeBatch(input: BatchInput): Promise<SummaryOutcome> {
      let outcome = await summarizeOneBatch(kit, input);
      let batches = outcome.status === 'done' ? 1 : 0;
      while (outcome.status === 'done' && outcome.more && batches < (input.maxBatches ?? 1)) {
        const next = await summarizeOneBatch(kit, { ...input, afterSequence: outcome.toSequence });
        if (next.status !== 'done') break; // parked or nothing: what is done so far is kept
        outcome = next;
        batches++;
        heartbeat(batches);
      }
      return outcome.status === 'done' ? { ...outcome, batches } : outcome;
    },

    /**
     * The rolling summary (at a stop) or the final summary with learnings (at the end), from the
     * session's batch summaries; the final one also merges learnings into the project's.
     */
    summarizeSession(input: SessionSummaryInput): Promise<SummaryOutcome> {
      return summarizeSession(kit, input);
    },
  };
}

export type SummarizeActivities = ReturnType<typeof createSummarizeActivities>;
