/**
 * One workflow per agent session. Events arrive as signals carrying only the id of a row the API has
 * already made durable; a signal wakes the workflow, which then has the activity catch up on every
 * unprocessed event of the session in the database (so a lost signal loses nothing), tracks the
 * session's state, and closes at `session-end` or after an idle timeout. Along the way it summarizes
 * (understanding.ts): batches as observations accumulate, a rolling summary at stops, the final
 * summary and learnings at the end, parking that work (never dropping it) when the budget is spent.
 * It continues-as-new with its (tiny) state long before Temporal's history limits.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
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
import { Understanding } from './understanding.js';

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
  // Runs that began before summarization existed replay without it: their histories have no marker.
  const understands = patched('summaries-v1');
  const understanding = new Understanding(ids, state, tuning);

  setHandler(hookEventSignal, (ref) => {
    state.accept(ref);
  });
  setHandler(sessionViewQuery, () => state.view());

  let endedBy: SessionResult['closedBy'] | undefined;
  let lastEventAt = Date.now();
  for (;;) {
    if (!endedBy) {
      const idleLeft = understands ? Math.max(0, lastEventAt + tuning.idleTimeoutMs - Date.now()) : tuning.idleTimeoutMs;
      const parkedWait = understands ? understanding.parkedWaitMs() : undefined;
      const gotEvent = await condition(() => state.pending.length > 0, parkedWait === undefined ? idleLeft : Math.min(idleLeft, parkedWait));
      if (!gotEvent) {
        if (parkedWait !== undefined && parkedWait < idleLeft) {
          await understanding.run('tokens'); // parked work's turn to try again
          continue;
        }
        log.info('session idle; closing', { sessionId: input.sessionId });
        endedBy = 'idle';
        const result = await finish(endedBy);
        if (result) return result;
        continue;
      }
      // Give a burst of events a moment to arrive together, unless the agent stopped or ended.
      await condition(() => state.pending.length >= tuning.batchSize || state.urgent, tuning.flushDelayMs);
    }

    const { stopped } = await persistPending();
    lastEventAt = Date.now();
    if (endedBy) {
      const result = await finish(endedBy);
      if (result) return result;
      continue; // a late event arrived while closing: store it, then close again
    }
    if (understands) await understanding.run(stopped ? 'stop' : 'tokens');
    await continueAsNewIfDue();
  }

  /** Stores every waiting event (and any the database holds that no signal announced). */
  async function persistPending(): Promise<{ stopped: boolean }> {
    let more = false;
    let stopped = false;
    while (state.pending.length > 0 || more) {
      const refs = state.pending.slice(0, tuning.batchSize);
      try {
        const result = await db.persistEvents({ ...ids, eventIds: refs.map((e) => e.eventId), limit: tuning.batchSize });
        state.eventCount = result.eventCount;
        state.markDone(result.doneIds);
        more = result.more;
        if (result.sawSessionEnd) endedBy = 'session-end';
        if (understands) {
          understanding.stored(result.tokens);
          stopped ||= result.sawStop;
        }
      } catch (err) {
        // Only non-retryable failures reach here (a bug or corrupt data): record it and fail visibly.
        await db.closeSession({ ...ids, status: 'failed', reason: 'persist-failed' });
        state.status = 'failed';
        throw ApplicationFailure.nonRetryable(`persisting events failed: ${(err as Error).message}`, 'PersistFailed');
      }
      // Checked after every batch: a busy session may never leave this loop.
      if (!endedBy) await continueAsNewIfDue();
    }
    return { stopped };
  }

  /**
   * The session is over: final summary and learnings (waiting, while still storing late events, if
   * that work is parked), then the close. Returns undefined when events arrived in the meantime.
   */
  async function finish(closedBy: SessionResult['closedBy']): Promise<SessionResult | undefined> {
    if (understands) {
      state.status = 'summarizing';
      await db.closeSession({ ...ids, status: 'summarizing', reason: closedBy });
      while (!(await understanding.run('end'))) {
        if (await condition(() => state.pending.length > 0, understanding.parkedWaitMs() ?? 0)) await persistPending();
      }
    }
    await condition(allHandlersFinished);
    // A late event signalled while we were closing is persisted before the run ends.
    if (state.pending.length > 0 && (understands || closedBy === 'session-end')) return undefined;
    await db.closeSession({ ...ids, status: 'completed', reason: closedBy });
    state.status = 'completed';
    return { status: state.status, eventCount: state.eventCount, closedBy };
  }

  /** Continues as a new run (carrying the ids still pending) before the history grows large. */
  async function continueAsNewIfDue(): Promise<void> {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > tuning.maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof sessionWorkflow>({ ...input, carried: state.carry() });
    }
  }
}
