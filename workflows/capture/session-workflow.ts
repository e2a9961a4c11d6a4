/**
 * One workflow per agent session. The API makes every hook event durable and, in batches, turns
 * events into observations; it tells the workflow what a batch added with one `captured` signal per
 * session (counts of events, stops, ends and the observation tokens), through an outbox, so a
 * session costs Temporal a signal per turn or summary batch, not per event. (API processes from
 * before batched capture signal each event's id instead; the workflow then has the activity catch
 * up on every unprocessed event of the session, which it also does before acting on a stop or an
 * end, so nothing the API left behind is missed.) The workflow tracks the session's state and
 * closes at `session-end` or after an idle timeout, soon when it only holds late events. Along the
 * way it summarizes (summarize/summarize-steps.ts): batches as observations accumulate, a rolling summary at
 * stops, the final summary and learnings at the end, parking that work (never dropping it) when the
 * budget is spent. It continues-as-new with its (tiny) state long before Temporal's history limits.
 */
import {
  ActivityFailure,
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
import { captureWrites, sessionSettle } from '../activity-presets.js';
import { Failure } from '../../messages/errors-v1.js';
import type { CaptureActivities } from '../../activities/capture/capture-activities.js';
import type { UptakeActivities } from '../../activities/context/uptake-activities.js';
import type { CloseActivities } from '../../activities/close/close-activities.js';
import {
  DEFAULT_TUNING,
  capturedSignal,
  hookEventSignal,
  sessionViewQuery,
  type SessionResult,
  type SessionWorkflowInput,
} from '../../messages/workflows-v1/session.js';
import { SessionState } from './session-state.js';
import { SessionSummarizer } from '../summarize/summarize-steps.js';

// Database writes: briskly and for as long as PostgreSQL is away (see the preset).
const db = proxyActivities<CaptureActivities>(captureWrites);
// Uptake reads and writes the database only (the same preset): whether the session used what it was handed.
const uptake = proxyActivities<UptakeActivities>(captureWrites);
// The close's last step (runs since close-folded-v1): vectors, uptake and the status in one activity.
const settle = proxyActivities<CloseActivities>(sessionSettle);

/**
 * Runs since this marker close in two activities (the summarizer's `end`, then settleSession)
 * instead of a catch-up persist, a status write, the last batches, the final summary, a vector sync,
 * uptake and a second status write, each an activity of its own: a hundred sessions ending at once
 * took minutes to close on their scheduling alone. Older runs replay as they ran.
 */
const CLOSE_FOLDED = 'close-folded-v1';

/**
 * Runs since this marker record the status summarizing with their own activity when the session
 * ends while its summaries are parked (a stop's batch found the budget spent): the end's activity,
 * which records it otherwise, is not called until the budget returns, and the record said active
 * while the workflow said summarizing. Older runs replay as they ran.
 */
const END_WHILE_PARKED = 'end-while-parked-v1';

/** A failure of the session's end that no retry will mend: the session is gone, or the database refuses a write. */
function endFailedForGood(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && (cause.type === Failure.SessionNotFound || cause.type === Failure.DatabasePermanent);
}

export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionResult> {
  const tuning = { ...DEFAULT_TUNING, ...input.tuning };
  const state = new SessionState(input.carried);
  const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
  // Runs that began before summarization existed replay without it: their histories have no marker.
  const summarizes = patched('summaries-v1');
  // Runs started since batched capture throttle stops and close late-event runs soon; older runs
  // replay exactly as they ran (their histories have neither the marker nor `captured` signals).
  const batched = patched('batched-capture-v1');
  // A burst's batch summaries are made up to four to an activity (one workflow task, not four).
  const summarizer = new SessionSummarizer(ids, state, tuning, batched ? 4 : undefined);

  setHandler(hookEventSignal, (ref) => {
    state.accept(ref);
  });
  setHandler(capturedSignal, (progress) => {
    state.capture(progress);
  });
  setHandler(sessionViewQuery, () => state.view());

  let endedBy: SessionResult['closedBy'] | undefined;
  let lastEventAt = Date.now();
  /** When a stop was last acted on, and whether one waits (stops closer than minStopIntervalMs). */
  let lastStopAt = Number.NEGATIVE_INFINITY;
  let stopOwed = false;
  /** Only a fresh run asks whether its first events came after the session's end. */
  let lateChecked = !batched || input.carried !== undefined;
  for (;;) {
    if (!endedBy) {
      const idleMs = state.late ? tuning.lateIdleMs : tuning.idleTimeoutMs;
      const idleLeft = summarizes ? Math.max(0, lastEventAt + idleMs - Date.now()) : tuning.idleTimeoutMs;
      const parkedWait = summarizes ? summarizer.parkedWaitMs() : undefined;
      const stopWait = stopOwed ? Math.max(0, lastStopAt + tuning.minStopIntervalMs - Date.now()) : undefined;
      const wait = Math.min(idleLeft, parkedWait ?? Number.POSITIVE_INFINITY, stopWait ?? Number.POSITIVE_INFINITY);
      const gotEvent = await condition(() => state.pending.length > 0 || state.hasCaptured, wait);
      if (!gotEvent) {
        if (stopWait !== undefined && stopWait <= wait) {
          stopOwed = false; // the deferred stop's turn
          lastStopAt = Date.now();
          await persistPending(true);
          await summarizer.run('stop');
          continue;
        }
        if (parkedWait !== undefined && parkedWait < idleLeft) {
          await summarizer.run('tokens'); // parked work's turn to try again
          continue;
        }
        log.info('session idle; closing', { sessionId: input.sessionId, late: state.late });
        endedBy = 'idle';
        const result = await finish(endedBy);
        if (result) return result;
        continue;
      }
      // Give a burst of per-event signals a moment to arrive together, unless the agent stopped or ended.
      if (state.pending.length > 0) await condition(() => state.pending.length >= tuning.batchSize || state.urgent, tuning.flushDelayMs);
    }

    // What the API's capture reported: its events are observations already.
    const news = state.takeCaptured();
    if (news.events > 0) {
      if (news.starts > 0) state.late = false;
      else if (!lateChecked) state.late = (await db.lastLifecycle({ ...ids, beforeSequence: news.throughSequence - news.events + 1 })) === 'end';
      lateChecked = true;
      if (news.ends > 0) endedBy = 'session-end';
      if (summarizes) summarizer.stored(news.tokens);
    }
    let stopped = news.stops > 0;
    if (batched && stopped && !endedBy && Date.now() - lastStopAt < tuning.minStopIntervalMs) {
      stopped = false; // acted on with the next stop, or when the interval is over
      stopOwed = true;
    }
    if (stopped) {
      lastStopAt = Date.now();
      stopOwed = false;
    }
    // Catch up on what the API may have left unprocessed before a summary or the close reads it
    // (a folded close does so in its first activity).
    const closingFolded = endedBy !== undefined && state.pending.length === 0 && summarizes && patched(CLOSE_FOLDED);
    if (!closingFolded && (state.pending.length > 0 || stopped || news.ends > 0)) stopped = (await persistPending(news.events > 0)).stopped || stopped;
    lastEventAt = Date.now();
    if (endedBy) {
      const result = await finish(endedBy);
      if (result) return result;
      continue; // a late event arrived while closing: store it, then close again
    }
    if (summarizes) await summarizer.run(stopped ? 'stop' : 'tokens');
    await continueAsNewIfDue();
  }

  /**
   * Stores every waiting event (and any the database holds that no signal announced); with
   * `catchUp`, asks the database once even when no per-event signal waits.
   */
  async function persistPending(catchUp = false): Promise<{ stopped: boolean }> {
    let more = catchUp;
    let stopped = false;
    while (state.pending.length > 0 || more) {
      const refs = state.pending.slice(0, tuning.batchSize);
      try {
        const result = await db.persistEvents({ ...ids, eventIds: refs.map((e) => e.eventId), limit: tuning.batchSize });
        state.eventCount = result.eventCount;
        state.markDone(result.doneIds);
        more = result.more;
        if (result.sawSessionEnd) endedBy = 'session-end';
        if (summarizes) {
          summarizer.stored(result.tokens);
          stopped ||= result.sawStop;
        }
      } catch (err) {
        // Only non-retryable failures reach here (a bug or corrupt data): record it and fail visibly.
        await db.closeSession({ ...ids, status: 'failed', reason: 'persist-failed' });
        state.status = 'failed';
        throw ApplicationFailure.nonRetryable(`persisting events failed: ${(err as Error).message}`, Failure.PersistFailed);
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
    if (summarizes && patched(CLOSE_FOLDED)) return finishFolded(closedBy);
    if (summarizes) {
      // The view says summarizing once the record does (queries never run ahead of the database).
      await db.closeSession({ ...ids, status: 'summarizing', reason: closedBy });
      state.status = 'summarizing';
      while (!(await summarizer.run('end'))) {
        if (await condition(() => state.pending.length > 0, summarizer.parkedWaitMs() ?? 0)) await persistPending();
      }
    }
    await condition(allHandlersFinished);
    // A late event signalled while we were closing is persisted before the run ends.
    if (state.pending.length > 0 && (summarizes || closedBy === 'session-end')) return undefined;
    if (state.hasCaptured) return undefined;
    // What the session was handed, judged used or unused by what it did (runs from before receipts replay without it).
    if (patched('uptake-v1')) {
      try {
        await uptake.measureUptake(ids);
      } catch (err) {
        // Only a permanent failure reaches here: the session still closes, its uptake unjudged.
        log.warn('uptake not measured', { sessionId: input.sessionId, error: (err as Error).message });
      }
    }
    await db.closeSession({ ...ids, status: 'completed', reason: closedBy });
    state.status = 'completed';
    return { status: state.status, eventCount: state.eventCount, closedBy };
  }

  /** finish() in two activities (see CLOSE_FOLDED). */
  async function finishFolded(closedBy: SessionResult['closedBy']): Promise<SessionResult | undefined> {
    for (;;) {
      if (state.status !== 'summarizing' && summarizer.parkedNow() && patched(END_WHILE_PARKED)) {
        await db.closeSession({ ...ids, status: 'summarizing', reason: closedBy });
      }
      let done: boolean;
      try {
        done = await summarizer.end(closedBy);
      } catch (err) {
        // The end's catch-up found the session gone or rows it can never write: as persistPending.
        if (!endFailedForGood(err)) throw err;
        await db.closeSession({ ...ids, status: 'failed', reason: 'persist-failed' });
        state.status = 'failed';
        throw ApplicationFailure.nonRetryable(`closing the session failed: ${(err as Error).message}`, Failure.PersistFailed);
      }
      state.status = 'summarizing'; // the record says so from the end's first call, parked or not
      if (done) break;
      if (await condition(() => state.pending.length > 0, summarizer.parkedWaitMs() ?? 0)) await persistPending();
    }
    await condition(allHandlersFinished);
    // A late event signalled while we were closing is stored (and summarized) before the run ends.
    if (state.pending.length > 0 || state.hasCaptured) return undefined;
    await settle.settleSession({ ...ids, reason: closedBy });
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
