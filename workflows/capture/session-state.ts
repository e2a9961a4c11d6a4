/**
 * The session workflow's in-memory state: the capture progress signalled and not yet acted on
 * (repeated signals dropped), the session's counts, its summarization progress and its status.
 */
import { addProgress, NO_PROGRESS, type CaptureProgress } from '../../messages/capture-v1.js';
import type { CarriedSessionState, ParkedView, SessionStatus, SessionView, SummarizeState } from '../../messages/workflows-v1/session.js';

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
