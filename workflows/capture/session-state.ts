/**
 * The session workflow's in-memory state: events waiting to be persisted, a bounded memory of recent
 * event ids (duplicate signals are dropped here; the activities are idempotent anyway), and counts.
 */
import { addProgress, NO_PROGRESS, type CaptureProgress } from '../../messages/capture-v1.js';
import type { CarriedSessionState, HookEventRef, ParkedView, SessionStatus, SessionView, SummarizeState } from '../../messages/workflows-v1/session.js';

const RECENT_IDS = 2000;

export class SessionState {
  pending: HookEventRef[];
  eventCount: number;
  runs: number;
  status: SessionStatus = 'active';
  understanding: SummarizeState;
  summaries = 0;
  parked: ParkedView | null = null;
  /** The run holds late events (after the session's session-end): it closes after a short quiet. */
  late: boolean;
  /** Capture progress signalled and not yet acted on (batched capture). */
  private captured: CaptureProgress;
  /** Highest sequence a capture signal covered: a repeated signal (sweeper, second API) is dropped. */
  private capturedThrough: number;
  private readonly recent: Set<string>;

  constructor(carried?: CarriedSessionState) {
    this.pending = carried?.pending ?? [];
    this.eventCount = carried?.eventCount ?? 0;
    this.runs = (carried?.runs ?? 0) + 1;
    this.understanding = carried?.understanding ?? { summarizedThrough: 0, pendingTokens: 0, batchesSinceRolling: 0, unsynced: false };
    this.recent = new Set(carried?.recentEventIds ?? this.pending.map((e) => e.eventId));
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

  /** Queues an event unless it was seen recently; returns whether it was new. */
  accept(ref: HookEventRef): boolean {
    if (this.recent.has(ref.eventId)) return false;
    this.recent.add(ref.eventId);
    if (this.recent.size > RECENT_IDS) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.pending.push(ref);
    return true;
  }

  /** A stop, compaction or end should be persisted (and acted on) without waiting for the batch. */
  get urgent(): boolean {
    return this.pending.some((e) => e.event === 'stop' || e.event === 'session-end' || e.event === 'pre-compact');
  }

  /** Drops the refs whose events are stored. */
  markDone(eventIds: string[]): void {
    if (eventIds.length === 0) return;
    const done = new Set(eventIds);
    this.pending = this.pending.filter((e) => !done.has(e.eventId));
  }

  view(): SessionView {
    return {
      status: this.status,
      eventCount: this.eventCount,
      pending: this.pending.length,
      runs: this.runs,
      summaries: this.summaries,
      parked: this.parked,
    };
  }

  carry(): CarriedSessionState {
    return {
      pending: this.pending,
      eventCount: this.eventCount,
      recentEventIds: [...this.recent],
      runs: this.runs,
      understanding: this.understanding,
      captured: { ...this.captured, throughSequence: this.capturedThrough },
      late: this.late,
    };
  }
}
