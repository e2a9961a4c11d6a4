/**
 * A session's close in two activities instead of six or more (runs since `close-folded-v1`). Each
 * activity the workflow schedules costs an activity task, a workflow task and their history events
 * on Temporal, the worker and PostgreSQL; when a hundred sessions end at once on a busy machine,
 * that overhead, not the work, made the last one wait minutes (docs/operations.md, the soak).
 * - summarizeSessionEnd: stores what the API left unprocessed, marks the session summarizing,
 *   summarizes every batch left and writes the final summary with its learnings;
 * - settleSession: the session's vector sync (derived data: best effort, reconciliation repairs),
 *   its uptake, and the close as completed.
 * Each step is the activity it replaces, called in this process, so their idempotency carries over:
 * a retry finds the stored events processed, the batch and final summaries by key (no second model
 * call), the sync rows current, the uptake judged and the status already set.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { progressHeartbeat } from '../heartbeating.js';
import type { CaptureActivities, SessionIds } from '../capture/capture-activities.js';
import type { UptakeActivities } from '../context/uptake-activities.js';
import type { SummarizeActivities } from './summarize-activities.js';
import { withOfflineFallback } from './offline-fallback.js';

export interface CloseDeps {
  capture: Pick<CaptureActivities, 'persistEvents' | 'closeSession'>;
  summarize: SummarizeActivities;
  vectors: { syncSessionVectors(input: SessionIds): Promise<unknown> };
  uptake: Pick<UptakeActivities, 'measureUptake'>;
}

export interface SessionEndInput extends SessionIds {
  /** Highest sequence the workflow knows to be covered by batch summaries. */
  afterSequence: number;
  /** Why the session closes (session-end, idle): recorded with the status. */
  reason: string;
}

/** Where the end stands after one call; `more` when the batches left exceed one call's share. */
export interface SessionEndOutcome {
  status: 'done' | 'more' | 'parked';
  /** Events the session holds (after the catch-up). */
  eventCount: number;
  /** Highest sequence covered by batch summaries now. */
  summarizedThrough: number;
  /** Summaries written by this call (batches, and the final one). */
  summaries: number;
  /** With `parked`: when the tenant's budget returns. */
  resetsAt?: number;
}

export interface SettleOutcome {
  /** Whether Weaviate holds the session's records now, or reconciliation will bring them. */
  vectors: 'synced' | 'left-to-reconcile';
}

/**
 * Batches one call summarizes before it returns `more`: bounds a call to a few model answers, well
 * inside the model calls' 4-minute start-to-close (a session whose in-session work always gave way
 * may end with many batches left).
 */
export const END_BATCHES_PER_CALL = 8;

/** Attempts of settleSession that retry a failed vector sync; later ones leave it to reconciliation and close. */
export const SETTLE_VECTOR_ATTEMPTS = 4;

const permanent = (err: unknown): boolean => err instanceof ApplicationFailure && err.nonRetryable === true;

export function createCloseActivities(deps: CloseDeps) {
  const { capture, summarize, vectors, uptake } = deps;

  return {
    async summarizeSessionEnd(input: SessionEndInput): Promise<SessionEndOutcome> {
      const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
      // What the API may have left unprocessed: the summaries below read the observations.
      let eventCount = 0;
      for (;;) {
        const persisted = await capture.persistEvents({ ...ids, eventIds: [] });
        eventCount = persisted.eventCount;
        if (!persisted.more) break;
        progressHeartbeat();
      }
      // The session ended at its first close (endedAt), not when its summaries are done.
      await capture.closeSession({ ...ids, status: 'summarizing', reason: input.reason });
      const progress = { eventCount, summarizedThrough: input.afterSequence, summaries: 0 };
      for (let batches = 0; ; ) {
        const outcome = await withOfflineFallback('summarizeBatch', (offline) =>
          summarize.summarizeBatch({
            ...ids,
            afterSequence: progress.summarizedThrough,
            flush: true,
            maxBatches: END_BATCHES_PER_CALL - batches,
            ...(offline ? { offline } : {}),
          }),
        );
        if (outcome.status === 'parked') return { ...progress, status: 'parked', resetsAt: outcome.resetsAt };
        if (outcome.status === 'nothing') break;
        progress.summarizedThrough = outcome.toSequence;
        batches += outcome.batches ?? 1;
        progress.summaries += outcome.batches ?? 1;
        progressHeartbeat(batches);
        if (!outcome.more) break;
        if (batches >= END_BATCHES_PER_CALL) return { ...progress, status: 'more' };
      }
      const final = await withOfflineFallback('summarizeSession', (offline) => summarize.summarizeSession({ ...ids, kind: 'final', ...(offline ? { offline } : {}) }));
      if (final.status === 'parked') return { ...progress, status: 'parked', resetsAt: final.resetsAt };
      if (final.status === 'done') {
        progress.summaries++;
        if (final.learnings) log.info('session learnings merged', { sessionId: input.sessionId, ...final.learnings });
      }
      return { ...progress, status: 'done' };
    },

    async settleSession(input: SessionIds & { reason: string }): Promise<SettleOutcome> {
      const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
      let synced: SettleOutcome['vectors'] = 'synced';
      try {
        await vectors.syncSessionVectors(ids);
      } catch (err) {
        // Weaviate is derived data: a few attempts (this activity's retries), then the close goes on.
        if (!permanent(err) && Context.current().info.attempt < SETTLE_VECTOR_ATTEMPTS) throw err;
        log.warn('vector sync failed; left to reconciliation', { sessionId: input.sessionId, error: (err as Error).message });
        synced = 'left-to-reconcile';
      }
      try {
        await uptake.measureUptake(ids);
      } catch (err) {
        if (!permanent(err)) throw err;
        // Only a permanent failure: the session still closes, its uptake unjudged.
        log.warn('uptake not measured', { sessionId: input.sessionId, error: (err as Error).message });
      }
      await capture.closeSession({ ...ids, status: 'completed', reason: input.reason });
      return { vectors: synced };
    },
  };
}

export type CloseActivities = ReturnType<typeof createCloseActivities>;
