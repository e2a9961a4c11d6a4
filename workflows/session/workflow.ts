/**
 * One workflow per agent session. Events arrive as signals carrying only the id of a row the API has
 * already made durable; a signal wakes the workflow, which then has the activity catch up on every
 * unprocessed event of the session in the database (so a lost signal loses nothing), tracks the
 * session's state, and closes at `session-end` or after an idle timeout.
 * It continues-as-new with its (tiny) state long before Temporal's history limits.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaptureActivities } from '../../activities/capture.js';
import {
  DEFAULT_TUNING,
  hookEventSignal,
  sessionViewQuery,
  type SessionResult,
  type SessionWorkflowInput,
} from './messages.js';
import { SessionState } from './state.js';

// Database writes are quick; retry them briskly and for a long time: PostgreSQL being away for a while
// must delay the session, never fail it. Non-retryable failures are typed by the activities. A batch
// takes well under a second, so 15 s only bounds how long a dead worker holds one.
const db = proxyActivities<CaptureActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionResult> {
  const tuning = { ...DEFAULT_TUNING, ...input.tuning };
  const state = new SessionState(input.carried);
  const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };

  setHandler(hookEventSignal, (ref) => {
    state.accept(ref);
  });
  setHandler(sessionViewQuery, () => state.view());

  let ended = false;
  for (;;) {
    if (!ended) {
      const gotEvent = await condition(() => state.pending.length > 0, tuning.idleTimeoutMs);
      if (!gotEvent) {
        log.info('session idle; closing', { sessionId: input.sessionId });
        return close('idle');
      }
      // Give a burst of events a moment to arrive together, unless the agent stopped or ended.
      await condition(() => state.pending.length >= tuning.batchSize || state.urgent, tuning.flushDelayMs);
    }

    let more = false;
    while (state.pending.length > 0 || more) {
      const refs = state.pending.slice(0, tuning.batchSize);
      try {
        const result = await db.persistEvents({ ...ids, eventIds: refs.map((e) => e.eventId), limit: tuning.batchSize });
        state.eventCount = result.eventCount;
        state.markDone(result.doneIds);
        more = result.more;
        if (result.sawSessionEnd) ended = true;
      } catch (err) {
        // Only non-retryable failures reach here (a bug or corrupt data): record it and fail visibly.
        await db.closeSession({ ...ids, status: 'failed', reason: 'persist-failed' });
        state.status = 'failed';
        throw ApplicationFailure.nonRetryable(`persisting events failed: ${(err as Error).message}`, 'PersistFailed');
      }
      // Checked after every batch: a busy session may never leave this loop.
      if (!ended) await continueAsNewIfDue();
    }

    if (ended) {
      // Summarization, learning extraction and embedding (next issues) run here, between the
      // `summarizing` status and the close.
      await condition(allHandlersFinished);
      // A late event signalled while we were closing is persisted before the run ends.
      if (state.pending.length === 0) return close('session-end');
      continue;
    }

    await continueAsNewIfDue();
  }

  /** Continues as a new run (carrying the ids still pending) before the history grows large. */
  async function continueAsNewIfDue(): Promise<void> {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > tuning.maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof sessionWorkflow>({ ...input, carried: state.carry() });
    }
  }

  async function close(closedBy: SessionResult['closedBy']): Promise<SessionResult> {
    await db.closeSession({ ...ids, status: 'completed', reason: closedBy });
    state.status = 'completed';
    return { status: state.status, eventCount: state.eventCount, closedBy };
  }
}
