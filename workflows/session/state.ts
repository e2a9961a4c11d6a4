/**
 * The session workflow's in-memory state: events waiting to be persisted, a bounded memory of recent
 * event ids (duplicate signals are dropped here; the activities are idempotent anyway), and counts.
 */
import type { CarriedSessionState, HookEventRef, ParkedView, SessionStatus, SessionView, UnderstandingState } from './messages.js';

const RECENT_IDS = 2000;

export class SessionState {
  pending: HookEventRef[];
  eventCount: number;
  runs: number;
  status: SessionStatus = 'active';
  understanding: UnderstandingState;
  summaries = 0;
  parked: ParkedView | null = null;
  private readonly recent: Set<string>;

  constructor(carried?: CarriedSessionState) {
    this.pending = carried?.pending ?? [];
    this.eventCount = carried?.eventCount ?? 0;
    this.runs = (carried?.runs ?? 0) + 1;
    this.understanding = carried?.understanding ?? { summarizedThrough: 0, pendingTokens: 0, batchesSinceRolling: 0, unsynced: false };
    this.recent = new Set(carried?.recentEventIds ?? this.pending.map((e) => e.eventId));
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
    return { pending: this.pending, eventCount: this.eventCount, recentEventIds: [...this.recent], runs: this.runs, understanding: this.understanding };
  }
}
