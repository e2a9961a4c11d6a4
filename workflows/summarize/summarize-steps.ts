/**
 * The session workflow's summarize step, in workflow code (deterministic: activity types only).
 * It decides when to summarize (a batch per `summaryBatchTokens` of stored observations, a rolling
 * summary at each stop that follows new batches, the final summary with learnings at the end), falls
 * back to the offline summarizer for answers that stay malformed or requests the API refuses, parks
 * the work when the tenant's budget is spent or the API refuses our credentials (nothing is dropped:
 * the workflow tries again later), and keeps Weaviate in step through the vector sync activity.
 * Work within the session gives way when the workers are busy (no worker takes it within
 * IN_SESSION_QUEUE_WAIT): it is left for a later turn or the end, which does all that is left, so
 * one session's turns never queue in front of other sessions' closes.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, log, proxyActivities } from '@temporalio/workflow';
import { inSessionLlmCalls, inSessionTurn, inSessionVectorSync, llmCalls, sessionVectorSync } from '../activity-presets.js';
import { Failure, SUMMARIZE_OFFLINE_ON } from '../../messages/errors-v1.js';
import type { SummarizeActivities, SummaryOutcome } from '../../activities/summarize/summarize-activities.js';
import type { CloseActivities, SessionEndOutcome } from '../../activities/summarize/session-close.js';
import type { TurnActivities, TurnOutcome } from '../../activities/summarize/session-turn.js';
import type { SessionTuning } from '../../messages/workflows-v1/session.js';
import type { SessionState } from '../capture/session-workflow.js';
import { leanSession } from '../capture/session-generations.js';

interface SessionIds {
  tenantId: string;
  projectId: string;
  sessionId: string;
}

/** What the workflow needs of the vector activities (activities/vectors/). */
interface VectorSync {
  syncSessionVectors(input: SessionIds): Promise<unknown>;
}

// Model calls: delayed, never dropped (see the preset). Within the session (not at its end) they
// give up when no worker takes them soon: the end does what is left (see inSessionLlmCalls).
const llm = proxyActivities<SummarizeActivities>(llmCalls);
const llmInSession = proxyActivities<SummarizeActivities>(inSessionLlmCalls);
// The session's end in one activity (model calls, hence their preset): see end().
const closing = proxyActivities<CloseActivities>(llmCalls);
// A stop's work in one activity (runs since lean-session-v1): see turn().
const turns = proxyActivities<TurnActivities>(inSessionTurn);

// Weaviate is derived data: a few quick attempts, then carry on; reconciliation repairs what is missed.
const vectors = proxyActivities<VectorSync>(sessionVectorSync);
const vectorsInSession = proxyActivities<VectorSync>(inSessionVectorSync);

/**
 * After in-session work found the workers busy, the session's next turns leave summaries for this
 * long (the end always summarizes), so a backlog is not fed a new attempt every turn.
 */
const BUSY_BACKOFF_MS = 60_000;

export type FlushReason = 'tokens' | 'stop' | 'end';

/** The workflow's own decision to park after refused credentials (in place of an activity's outcome). */
type AuthRefused = { status: 'auth-refused' };

/** The activity waited in the task queue past its schedule-to-start timeout: the workers are busy. */
function workersBusy(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

export class SessionSummarizer {
  /** Until when in-session work is left for later (workflow time; not carried across continue-as-new). */
  private busyUntil = 0;

  constructor(
    private readonly ids: SessionIds,
    private readonly state: SessionState,
    private readonly tuning: SessionTuning,
    /** Batches one summarize activity may do in a row (runs since batched capture: 4). */
    private readonly maxBatches?: number,
  ) {}

  get u() {
    return this.state.understanding;
  }

  /** Counts what a persisted batch added; returns whether a batch summary is due. */
  stored(tokens: number): void {
    if (tokens > 0) {
      this.u.pendingTokens += tokens;
      this.u.unsynced = true;
    }
  }

  /** Whether the work is parked now: end() and run() return false without calling an activity. */
  parkedNow(): boolean {
    return (this.parkedWaitMs() ?? 0) > 0;
  }

  /** Milliseconds until parked work should be tried again (undefined when nothing is parked). */
  parkedWaitMs(): number | undefined {
    const parked = this.state.parked;
    return parked ? Math.max(0, parked.until - Date.now()) : undefined;
  }

  /**
   * Does the summarization that is due for `reason`. Returns false when it had to park (the caller
   * keeps capturing events and calls again after parkedWaitMs()).
   */
  async run(reason: FlushReason): Promise<boolean> {
    if (this.parkedNow()) return false;
    // The workers were busy a moment ago: this turn's work waits for a later turn or the end.
    if (reason !== 'end' && Date.now() < this.busyUntil) return true;
    this.state.parked = null;
    try {
      return await this.summarize(reason);
    } catch (err) {
      if (reason === 'end' || !workersBusy(err)) throw err;
      this.noteBusy('summaries');
      return true;
    }
  }

  /**
   * The session's end in one activity (runs since close-folded-v1): the catch-up on unprocessed
   * events, the summarizing status, every batch left and the final summary with learnings; the
   * vector sync comes with the close (settleSession). Returns false when it had to park. Answers
   * that stay malformed are summarized offline within the activity.
   */
  async end(reason: string): Promise<boolean> {
    if (this.parkedNow()) return false;
    this.state.parked = null;
    for (;;) {
      const outcome = await this.call<SessionEndOutcome>('summarizeSessionEnd', () =>
        closing.summarizeSessionEnd({ ...this.ids, afterSequence: this.u.summarizedThrough, reason }),
      );
      if (outcome.status === 'auth-refused') return this.park(outcome);
      this.state.eventCount = outcome.eventCount;
      this.u.summarizedThrough = outcome.summarizedThrough;
      this.state.summaries += outcome.summaries;
      if (outcome.status === 'parked') return this.park({ status: 'parked', resetsAt: outcome.resetsAt ?? Date.now() });
      if (outcome.status === 'done') {
        this.u.pendingTokens = 0;
        this.u.batchesSinceRolling = 0;
        this.u.unsynced = true; // settled by settleSession
        return true;
      }
    }
  }

  /** Workers were busy (in-session work found none free): leave in-session work for a while. */
  private noteBusy(what: string): void {
    this.busyUntil = Date.now() + BUSY_BACKOFF_MS;
    log.info(`in-session ${what} left for later: no worker free within the queue wait`, { sessionId: this.ids.sessionId });
  }

  private async summarize(reason: FlushReason): Promise<boolean> {
    const flush = reason === 'end';
    const calls = flush ? llm : llmInSession;
    // At a stop, a turn's worth of observations (a quarter batch or more) is summarized now; less
    // waits for the next turn, so short turns do not each cost a model call.
    const minTokens = reason === 'stop' ? Math.floor(this.tuning.summaryBatchTokens / 4) : undefined;
    if (minTokens !== undefined && this.maxBatches !== undefined && leanSession()) return this.turn(minTokens, this.maxBatches);
    let summarized = false;
    // Runs since batched capture pace a busy session: one summarize activity (up to maxBatches
    // batches) per turn or token round; what is left waits for the next round, the end takes all.
    const paced = this.maxBatches !== undefined && reason !== 'end';
    let left = false;
    if (reason !== 'tokens' || this.u.pendingTokens >= this.tuning.summaryBatchTokens) {
      for (;;) {
        const outcome = await this.call('summarizeBatch', (offline) =>
          calls.summarizeBatch({
            ...this.ids,
            afterSequence: this.u.summarizedThrough,
            flush,
            ...(minTokens !== undefined ? { minTokens } : {}),
            ...(offline ? { offline } : {}),
            ...(this.maxBatches ? { maxBatches: this.maxBatches } : {}),
          }),
        );
        if (outcome.status === 'parked' || outcome.status === 'auth-refused') return this.park(outcome);
        if (outcome.status === 'nothing') break;
        this.u.summarizedThrough = outcome.toSequence;
        this.u.batchesSinceRolling += outcome.batches ?? 1;
        this.u.unsynced = true;
        summarized = true;
        this.state.summaries += outcome.batches ?? 1;
        if (!outcome.more) break;
        if (paced) {
          left = true;
          break;
        }
      }
      // Batches left behind are due again at the next round.
      this.u.pendingTokens = left ? this.tuning.summaryBatchTokens : 0;
    }
    if (reason === 'stop' && this.u.batchesSinceRolling > 0) {
      const outcome = await this.call('summarizeSession', (offline) => calls.summarizeSession({ ...this.ids, kind: 'rolling', ...(offline ? { offline } : {}) }));
      if (outcome.status === 'parked' || outcome.status === 'auth-refused') return this.park(outcome);
      if (outcome.status === 'done') this.state.summaries++;
      this.u.batchesSinceRolling = 0;
    }
    if (reason === 'end') {
      const outcome = await this.call('summarizeSession', (offline) => llm.summarizeSession({ ...this.ids, kind: 'final', ...(offline ? { offline } : {}) }));
      if (outcome.status === 'parked' || outcome.status === 'auth-refused') return this.park(outcome);
      if (outcome.status === 'done') {
        this.state.summaries++;
        this.u.unsynced = true;
        if (outcome.learnings) log.info('session learnings merged', { ...outcome.learnings });
      }
    }
    // Embed at the points where the session's records settle (summaries, turns, end), not per event batch.
    // Paced runs embed at turns and at the end, not after token rounds.
    if (this.u.unsynced && (reason !== 'tokens' || (summarized && !paced))) await this.syncVectors(flush);
    return true;
  }

  /**
   * A stop's work in one activity (runs since lean-session-v1): the batches due (up to maxBatches;
   * what is left is due again at the next round), the rolling summary after new batches, the vector
   * sync. What the activity did before it parked counts. Answers that stay malformed are summarized
   * offline within the activity; refused credentials park the work (see call()).
   */
  private async turn(minTokens: number, maxBatches: number): Promise<boolean> {
    const outcome = await this.call<TurnOutcome>('summarizeTurn', () =>
      turns.summarizeTurn({ ...this.ids, afterSequence: this.u.summarizedThrough, minTokens, maxBatches, batchesSinceRolling: this.u.batchesSinceRolling, unsynced: this.u.unsynced }),
    );
    if (outcome.status === 'auth-refused') return this.park(outcome);
    this.u.summarizedThrough = outcome.summarizedThrough;
    this.u.batchesSinceRolling = outcome.rolled ? 0 : this.u.batchesSinceRolling + outcome.batches;
    this.state.summaries += outcome.summaries;
    if (outcome.synced) this.u.unsynced = false;
    else if (outcome.summaries > 0) this.u.unsynced = true;
    if (outcome.status === 'parked') return this.park({ status: 'parked', resetsAt: outcome.resetsAt ?? Date.now() });
    // Batches left behind are due again at the next round.
    this.u.pendingTokens = outcome.more ? this.tuning.summaryBatchTokens : 0;
    return true;
  }

  /**
   * One summarize call with the failure policy: malformed answers and refused requests (400, 413,
   * ...) are summarized offline instead, so the work is kept and marked; refused credentials park the
   * work until an operator fixes them.
   */
  private async call<T = SummaryOutcome>(name: string, attempt: (offline: boolean) => Promise<T>): Promise<T | AuthRefused> {
    try {
      return await attempt(false);
    } catch (err) {
      const type = failureType(err);
      if (type !== undefined && SUMMARIZE_OFFLINE_ON.includes(type)) {
        log.warn(`${name}: model call failed (${type}); using the offline summarizer`, { error: (err as Error).message });
        return attempt(true);
      }
      if (type === Failure.LlmAuthFailed) {
        log.error(`${name}: the Anthropic API refused our credentials; summarization parked`, { error: (err as Error).message });
        return { status: 'auth-refused' };
      }
      throw err;
    }
  }

  private park(outcome: { status: 'parked'; resetsAt: number } | AuthRefused): false {
    // Try again when the budget resets, or sooner: an operator may raise the budget or fix the key.
    const recheck = Date.now() + this.tuning.parkRecheckMs;
    this.state.parked =
      outcome.status === 'parked'
        ? { reason: 'budget', until: Math.min(outcome.resetsAt, recheck) }
        : { reason: 'llm-auth', until: recheck };
    return false;
  }

  private async syncVectors(atEnd: boolean): Promise<void> {
    try {
      await (atEnd ? vectors : vectorsInSession).syncSessionVectors(this.ids);
      this.u.unsynced = false;
    } catch (err) {
      if (!atEnd && workersBusy(err)) return this.noteBusy('vector sync'); // still unsynced: a later turn or the end
      // PostgreSQL holds everything; the reconciliation workflow brings Weaviate back in step.
      log.warn('vector sync failed; left to reconciliation', { error: (err as Error).message });
    }
  }
}
