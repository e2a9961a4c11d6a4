/**
 * Messages of the session workflow (v1): its input, its signals and its query, and its workflow id.
 * Shared by the API (which signals) and the workflow; deterministic-safe (types and SDK definitions
 * only). The `captured` signal's payload lives with the other capture shapes (messages/capture-v1.ts).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

import type { SessionStatus } from '../api-v1.js';
import type { CaptureProgress } from '../capture-v1.js';

export type { SessionStatus };

export interface SessionTuning {
  /** Close the session after this long without an event (ms). */
  idleTimeoutMs: number;
  /** @deprecated Unused since the stop's catch-up went (no-stop-catch-up-v1, step 2, 2026-11-27); accepted so older tunings still type-check. */
  batchSize: number;
  /** @deprecated Unused since the per-event `hookEvent` signal went (2026-11-27); accepted so older tunings still type-check. */
  flushDelayMs: number;
  /** Continue-as-new after this many history events even if the server has not suggested it yet. */
  maxHistoryEvents: number;
  /** Summarize a batch once this many observation tokens (tiktoken) are waiting (MEMFLOW_SUMMARY_BATCH_TOKENS). */
  summaryBatchTokens: number;
  /** While summarization is parked (budget spent, LLM credentials refused), try again this often (ms). */
  parkRecheckMs: number;
  /**
   * A run that begins with events stored after the session's session-end (a late delivery: the spool
   * flushed, a retry) closes after this much quiet (ms), not after idleTimeoutMs.
   */
  lateIdleMs: number;
  /** Turn ends (stops) closer together than this (ms) are acted on together: one summary check. */
  minStopIntervalMs: number;
}

export const DEFAULT_TUNING: SessionTuning = {
  idleTimeoutMs: 30 * 60_000,
  batchSize: 50,
  flushDelayMs: 1000,
  // Temporal caps a run at 51,200 events and suggests continue-as-new at about 4k in recent servers;
  // a batch costs ~10 events, so this keeps runs small and replays cheap.
  maxHistoryEvents: 5000,
  summaryBatchTokens: 12_000,
  parkRecheckMs: 15 * 60_000,
  lateIdleMs: 10_000,
  // Rolling summaries more often than this say little new; a person's turns are mostly longer.
  minStopIntervalMs: 30_000,
};

/**
 * State carried across continue-as-new: counts only, so it stays tiny. (Runs from before batched
 * capture also carried `pending` and `recentEventIds`, event ids of per-event signals: ignored.)
 */
export interface CarriedSessionState {
  eventCount: number;
  runs: number;
  /** Summarization progress (absent in runs started before summaries existed). The field keeps its
   * first name: running workflows carry it across continue-as-new under this key. */
  understanding?: SummarizeState;
  /** Capture progress signalled but not acted on yet (batched capture). */
  captured?: CaptureProgress;
  /** The run holds late events (see SessionTuning.lateIdleMs). */
  late?: boolean;
}

/** Where the session's summarization stands; carried across continue-as-new. */
export interface SummarizeState {
  /** Highest observation sequence covered by a batch summary. */
  summarizedThrough: number;
  /** Observation tokens stored since the last batch summary (approximate trigger). */
  pendingTokens: number;
  /** Batch summaries made since the last rolling summary. */
  batchesSinceRolling: number;
  /** Records stored since the last vector sync. */
  unsynced: boolean;
}

export interface ParkedView {
  reason: 'budget' | 'llm-auth';
  /** Epoch ms of the next attempt: the budget's reset, or the periodic recheck if sooner. */
  until: number;
}

export interface SessionWorkflowInput {
  tenantId: string;
  projectId: string;
  /** memflow's session row id. */
  sessionId: string;
  /** Claude Code's session_id. */
  agentSessionId: string;
  tuning?: Partial<SessionTuning>;
  carried?: CarriedSessionState;
}

export interface SessionView {
  status: SessionStatus;
  eventCount: number;
  /** Events waiting to be stored by the workflow: always 0 since batched capture (the API stores them). */
  pending: number;
  runs: number;
  summaries: number;
  parked: ParkedView | null;
}

export interface SessionResult {
  status: SessionStatus;
  eventCount: number;
  closedBy: 'session-end' | 'idle';
}

/** What a batch of captured events added: the workflow's one ingress. */
export const capturedSignal = defineSignal<[CaptureProgress]>('captured');
export const sessionViewQuery = defineQuery<SessionView>('sessionView');

/** One workflow per (tenant, project, agent session). The id is derived, so signal-with-start finds it. */
export function sessionWorkflowId(tenantId: string, projectId: string, agentSessionId: string): string {
  return `session/${tenantId}/${projectId}/${agentSessionId}`;
}
