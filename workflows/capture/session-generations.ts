/**
 * The generations of the session workflow that running sessions may still replay, one function per
 * `patched()`/`deprecatePatch()` marker, each with the date it shipped and the step it is at under
 * the retirement rule (docs/CONTRIBUTING.md, "Changing a running workflow"). The workflow reads as
 * one generation; what older runs still need is named here, and leaves with its marker.
 *
 * A run can live long (docs/CONTRIBUTING.md): 30 minutes after its last event, longer while busy
 * (it continues-as-new at 5,000 history events) or while its close is parked, so a marker is
 * retired in two steps after the last run that could take its old branch is gone.
 */
import { ApplicationFailure, deprecatePatch, patched, proxyActivities } from '@temporalio/workflow';
import { captureWrites } from '../activity-presets.js';
import { Failure } from '../../messages/errors-v1.js';
import type { CaptureActivities, SessionIds } from '../../activities/capture/capture-activities.js';
import type { SessionSummarizer } from '../summarize/summarize-steps.js';
import type { SessionState } from './session-state.js';

// Database writes: briskly and for as long as PostgreSQL is away (see the preset).
const capture = proxyActivities<CaptureActivities>(captureWrites);

/**
 * Step 2 (deprecated; old branches deleted) for the two markers every run records at its start:
 * `summaries-v1` (2026-11-22: runs summarize) and `batched-capture-v1` (2026-11-23: the API turns
 * events into observations and signals `captured`, the workflow paces stops and closes late runs
 * soon). No run from before them can exist (the API has not sent a per-event `hookEvent` signal
 * since 2026-11-23). Runs started since recorded them undeprecated, so the calls stay until those
 * runs are gone (step 3).
 */
export function replayRetiredStartMarkers(): void {
  deprecatePatch('summaries-v1');
  deprecatePatch('batched-capture-v1');
}

/**
 * Step 2 for `close-folded-v1` (2026-11-26: the close in two activities, summarizeSessionEnd and
 * settleSession, instead of seven). Runs that began closing before it are gone; runs since recorded
 * the marker as they closed, so this call stays at the same point until they are gone (step 3).
 * (`uptake-v1`, recorded only by the unfolded close, went with it: no history can hold it any more.)
 */
export function closesFolded(): void {
  deprecatePatch('close-folded-v1');
}

/**
 * Step 1 for `end-while-parked-v1` (2026-11-27): runs since record the status summarizing with an
 * activity of their own when the session ends while its summaries are parked. Runs that ended while
 * parked before it may still wait for their budget.
 */
export function endWhileParkedRecordsStatus(): boolean {
  return patched('end-while-parked-v1');
}

/**
 * Step 1 for `no-stop-catch-up-v1` (2026-11-27): runs before it, at every stop, asked the
 * persistEvents activity to turn any event no API had turned into an observation; runs since skip
 * that activity. Only an API from before batched capture stored such events, so the activity now
 * only answers the session's event count (activities/capture); it, and catchUpAtStop below, go at
 * step 2.
 */
export function catchesUpAtStops(): boolean {
  return !patched('no-stop-catch-up-v1');
}

/**
 * The old branch of no-stop-catch-up-v1: turns the session's unprocessed events into observations,
 * `limit` per activity, continuing-as-new between batches when due. Returns whether it found the
 * session's end.
 */
export async function catchUpAtStop(ids: SessionIds, state: SessionState, summarizer: SessionSummarizer, limit: number, continueAsNewIfDue: () => Promise<void>): Promise<boolean> {
  let more = true;
  let ended = false;
  while (more) {
    try {
      const result = await capture.persistEvents({ ...ids, eventIds: [], limit });
      state.eventCount = result.eventCount;
      more = result.more;
      ended ||= result.sawSessionEnd;
      summarizer.stored(result.tokens);
    } catch (err) {
      // Only non-retryable failures reach here (a bug or corrupt data): record it and fail visibly.
      await capture.closeSession({ ...ids, status: 'failed', reason: 'persist-failed' });
      state.status = 'failed';
      throw ApplicationFailure.nonRetryable(`persisting events failed: ${(err as Error).message}`, Failure.PersistFailed);
    }
    if (!ended) await continueAsNewIfDue();
  }
  return ended;
}
