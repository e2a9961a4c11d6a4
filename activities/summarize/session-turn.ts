/**
 * A session's turn (the work due at an agent's stop) in one activity instead of three (runs since
 * `lean-session-v1`): the batch summaries due, the rolling summary when batches were written since
 * the last one, and the session's vector sync. The three always ran together at a stop, and each
 * activity the workflow schedules costs an activity task, a workflow task and their history events
 * on Temporal, the worker and PostgreSQL (bench:ingest at 100 events/s: docs/benchmarks.md).
 *
 * Each step is the activity it replaces, called in this process, so their idempotency carries over:
 * a retry finds the batch and rolling summaries by key (no second model call) and the sync rows
 * current. The vector sync keeps its in-session policy: Weaviate is derived data, so a failed sync
 * is left for a later turn or the close (settleSession) and reconciliation, never retried here.
 */
import { log } from '@temporalio/activity';
import type { SessionIds } from '../capture/capture-activities.js';
import type { SummarizeActivities } from './summarize-activities.js';
import { withOfflineFallback } from './offline-fallback.js';

export interface TurnDeps {
  summarize: SummarizeActivities;
  vectors: { syncSessionVectors(input: SessionIds): Promise<unknown> };
}

export interface TurnInput extends SessionIds {
  /** Highest sequence the workflow knows to be covered by batch summaries. */
  afterSequence: number;
  /** Observation tokens a batch needs at this stop (a turn's worth). */
  minTokens: number;
  /** Batches this call may write in a row; what is left waits for the next round or the end. */
  maxBatches: number;
  /** Batch summaries written since the last rolling summary, before this call. */
  batchesSinceRolling: number;
  /** Whether the session holds records Weaviate may lack, before this call. */
  unsynced: boolean;
}

/** What the turn did; with `parked`, what it did before the budget ran out. */
export interface TurnOutcome {
  status: 'done' | 'parked';
  /** Highest sequence covered by batch summaries now. */
  summarizedThrough: number;
  /** Batch summaries written by this call. */
  batches: number;
  /** Batches were left for the next round (more than maxBatches were due). */
  more: boolean;
  /** The rolling summary was made (or found nothing to make): batchesSinceRolling starts again. */
  rolled: boolean;
  /** Summaries written by this call (batches and the rolling one). */
  summaries: number;
  /** Weaviate holds the session's records now. */
  synced: boolean;
  /** With `parked`: when the tenant's budget returns. */
  resetsAt?: number;
}

export function createTurnActivities({ summarize, vectors }: TurnDeps) {
  return {
    async summarizeTurn(input: TurnInput): Promise<TurnOutcome> {
      const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
      const out: TurnOutcome = { status: 'done', summarizedThrough: input.afterSequence, batches: 0, more: false, rolled: false, summaries: 0, synced: false };
      const batch = await withOfflineFallback('summarizeBatch', (offline) =>
        summarize.summarizeBatch({ ...ids, afterSequence: input.afterSequence, flush: false, minTokens: input.minTokens, maxBatches: input.maxBatches, ...(offline ? { offline } : {}) }),
      );
      if (batch.status === 'parked') return { ...out, status: 'parked', resetsAt: batch.resetsAt };
      if (batch.status === 'done') {
        out.summarizedThrough = batch.toSequence;
        out.batches = out.summaries = batch.batches ?? 1;
        out.more = batch.more;
      }
      if (input.batchesSinceRolling + out.batches > 0) {
        const rolling = await withOfflineFallback('summarizeSession', (offline) => summarize.summarizeSession({ ...ids, kind: 'rolling', ...(offline ? { offline } : {}) }));
        if (rolling.status === 'parked') return { ...out, status: 'parked', resetsAt: rolling.resetsAt };
        if (rolling.status === 'done') out.summaries++;
        out.rolled = true;
      }
      if (input.unsynced || out.summaries > 0) {
        try {
          await vectors.syncSessionVectors(ids);
          out.synced = true;
        } catch (err) {
          // PostgreSQL holds everything; a later turn, the close or reconciliation brings Weaviate in step.
          log.warn('vector sync failed; left for later', { sessionId: input.sessionId, error: (err as Error).message });
        }
      }
      return out;
    },
  };
}

export type TurnActivities = ReturnType<typeof createTurnActivities>;
