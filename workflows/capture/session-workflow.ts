/**
 * One workflow per agent session. The API makes every hook event durable together with its
 * observation, in batches, and tells the workflow what a batch added with one `captured` signal per
 * session (counts of events, stops, ends and the observation tokens), through an outbox, so a
 * session costs Temporal a signal per turn or summary batch, not per event. The workflow tracks the
 * session's state (SessionState, the small class it owns, at the end of this file) and closes at
 * `session-end` or after an idle timeout, soon when it only holds late events. Along the way it summarizes (summarize/summarize-steps.ts): batches as observations
 * accumulate, a rolling summary at stops, the final summary and learnings at the end, parking that
 * work (never dropping it) when the budget is spent. It continues-as-new with its (tiny) state long
 * before Temporal's history limits.
 *
 * Changing it while sessions run: docs/CONTRIBUTING.md ("Changing a running workflow"); the
 * generations it still replays are listed in session-generations.ts.
 */
import { ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { captureWrites, sessionSettle, sessionSettleLocal } from '../activity-presets.js';
import { Failure } from '../../messages/errors-v1.js';
import type { CaptureActivities } from '../../activities/capture/capture-activities.js';
import type { CloseActivities } from '../../activities/summarize/session-close.js';
import { addProgress, NO_PROGRESS, type CaptureProgress } from '../../messages/capture-v1.js';
import { DEFAULT_TUNING, capturedSignal, sessionViewQuery, type CarriedSessionState, type ParkedView, type SessionResult, type SessionStatus, type SessionView, type SessionWorkflowInput, type SummarizeState } from '../../messages/workflows-v1/session.js';
import { SessionSummarizer } from '../summarize/summarize-steps.js';
import { endWhileParked, leanSession, stopWithoutCatchUp } from './session-generations.js';

// Database writes: briskly and for as long as PostgreSQL is away (see the preset).
const db = proxyActivities<CaptureActivities>(captureWrites);
// The close's last step: vectors, uptake and the status in one activity; a local one in runs since lean-session-v1.
const settle = proxyActivities<CloseActivities>(sessionSettle);
const settleLocal = proxyLocalActivities<CloseActivities>(sessionSettleLocal);

/** Batch summaries one summarize activity may make in a row (a burst's, in one workflow task). */
const BATCHES_PER_ACTIVITY = 4;

/** A failure of the session's end that no retry will mend: the session is gone, or the database refuses a write. */
function endFailedForGood(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && (cause.type === Failure.SessionNotFound || cause.type === Failure.DatabasePermanent);
}

export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionResult> {
  const tuning = { ...DEFAULT_TUNING, ...input.tuning };
  const state = new SessionState(input.carried);
  const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
  const summarizer = new SessionSummarizer(ids, state, tuning, BATCHES_PER_ACTIVITY);
  setHandler(capturedSignal, (progress) => state.capture(progress));
  setHandler(sessionViewQuery, () => state.view());

  let endedBy: SessionResult['closedBy'] | undefined;
  let lastEventAt = Date.now();
  /** When a stop was last acted on, and whether one waits (stops closer than minStopIntervalMs). */
  let lastStopAt = Number.NEGATIVE_INFINITY;
  let stopOwed = false;
  /** Only a fresh run asks whether its first events came after the session's end. */
  let lateChecked = input.carried !== undefined;
  for (;;) {
    if (!endedBy) {
      const idleLeft = Math.max(0, lastEventAt + (state.late ? tuning.lateIdleMs : tuning.idleTimeoutMs) - Date.now());
      const parkedWait = summarizer.parkedWaitMs();
      const stopWait = stopOwed ? Math.max(0, lastStopAt + tuning.minStopIntervalMs - Date.now()) : undefined;
      const wait = Math.min(idleLeft, parkedWait ?? Number.POSITIVE_INFINITY, stopWait ?? Number.POSITIVE_INFINITY);
      if (!(await condition(() => state.hasCaptured, wait))) {
        if (stopWait !== undefined && stopWait <= wait) {
          stopOwed = false; // the deferred stop's turn
          lastStopAt = Date.now();
          stopWithoutCatchUp();
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
    }

    // What the API's capture reported: its events are observations already.
    const news = state.takeCaptured();
    if (news.events > 0) {
      if (news.starts > 0) state.late = false;
      else if (!lateChecked) state.late = (await db.lastLifecycle({ ...ids, beforeSequence: news.throughSequence - news.events + 1 })) === 'end';
      lateChecked = true;
      if (news.ends > 0) endedBy = 'session-end';
      summarizer.stored(news.tokens);
    }
    let stopped = news.stops > 0 && !endedBy;
    if (stopped && Date.now() - lastStopAt < tuning.minStopIntervalMs) {
      stopped = false; // acted on with the next stop, or when the interval is over
      stopOwed = true;
    }
    if (stopped) {
      lastStopAt = Date.now();
      stopOwed = false;
      stopWithoutCatchUp();
    }
    lastEventAt = Date.now();
    if (endedBy) {
      const result = await finish(endedBy);
      if (result) return result;
      continue; // a late event arrived while closing: store it, then close again
    }
    await summarizer.run(stopped ? 'stop' : 'tokens');
    await continueAsNewIfDue();
  }

  /**
   * The session is over: the final summary and learnings in one activity (waiting while that work
   * is parked), then the close (a local activity since lean-session-v1). Returns undefined when events arrived in the meantime.
   */
  async function finish(closedBy: SessionResult['closedBy']): Promise<SessionResult | undefined> {
    for (;;) {
      if (state.status !== 'summarizing' && summarizer.parkedNow()) {
        endWhileParked();
        await db.closeSession({ ...ids, status: 'summarizing', reason: closedBy });
      }
      let done: boolean;
      try {
        done = await summarizer.end(closedBy);
      } catch (err) {
        if (!endFailedForGood(err)) throw err;
        await db.closeSession({ ...ids, status: 'failed', reason: 'persist-failed' });
        state.status = 'failed';
        throw ApplicationFailure.nonRetryable(`closing the session failed: ${(err as Error).message}`, Failure.PersistFailed);
      }
      state.status = 'summarizing'; // the record says so from the end's first call, parked or not
      if (done) break;
      await condition(() => false, summarizer.parkedWaitMs() ?? 0); // parked: a timer, then try again
    }
    await condition(allHandlersFinished);
    if (state.hasCaptured) return undefined; // a late event arrived while closing: summarized before the run ends
    await (leanSession() ? settleLocal : settle).settleSession({ ...ids, reason: closedBy });
    state.status = 'completed';
    return { status: state.status, eventCount: state.eventCount, closedBy };
  }

  /** Continues as a new run (carrying its state) before the history grows large. */
  async function continueAsNewIfDue(): Promise<void> {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > tuning.maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof sessionWorkflow>({ ...input, carried: state.carry() });
    }
  }
}

/**
 * The session workflow's in-memory state: the capture progress signalled and not yet acted on
 * (repeated signals dropped), the session's counts, its summarization progress and its status.
 */
export class SessionState {
  eventCount: number;
  runs: number;
  status: SessionStatus = 'active';
  understanding: SummarizeState;
  summaries = 0;
  parked: ParkedView | null = null;
  /** The run holds late events (after the session's session-end): it closes after a short quiet. */
  late: boolean;
  /** Capture progress signalled and not yet acted on. */
  private captured: CaptureProgress;
  /** Highest sequence a capture signal covered: a repeated signal (sweeper, second API) is dropped. */
  private capturedThrough: number;

  constructor(carried?: CarriedSessionState) {
    this.eventCount = carried?.eventCount ?? 0;
    this.runs = (carried?.runs ?? 0) + 1;
    this.understanding = carried?.understanding ?? { summarizedThrough: 0, pendingTokens: 0, batchesSinceRolling: 0, unsynced: false };
    this.captured = carried?.captured ?? NO_PROGRESS;
    this.capturedThrough = carried?.captured?.throughSequence ?? 0;
    this.late = carried?.late ?? false;
  }

  /** Adds a capture signal's progress unless it repeats one already counted. */
  capture(p: CaptureProgress): void {
    if (p.throughSequence <= this.capturedThrough) return;
    this.capturedThrough = p.throughSequence;
    this.captured = addProgress(this.captured, p);
  }

  get hasCaptured(): boolean {
    return this.captured.events > 0;
  }

  /** The progress signalled since the last call. */
  takeCaptured(): CaptureProgress {
    const p = this.captured;
    this.captured = { ...NO_PROGRESS, throughSequence: this.capturedThrough };
    return p;
  }

  view(): SessionView {
    return { status: this.status, eventCount: this.eventCount, pending: 0, runs: this.runs, summaries: this.summaries, parked: this.parked };
  }

  carry(): CarriedSessionState {
    return {
      eventCount: this.eventCount,
      runs: this.runs,
      understanding: this.understanding,
      captured: { ...this.captured, throughSequence: this.capturedThrough },
      late: this.late,
    };
  }
}
