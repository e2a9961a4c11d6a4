/**
 * Messages of the re-derivation workflow (v1, docs/rederivation.md): its input, progress and
 * result, its id, and its progress query. Deterministic-safe: types and pure constants only.
 */

/** Which summarizer derives again: the offline one, or Claude (the worker's ANTHROPIC_API_KEY). */
export const SUMMARIZERS = ['offline', 'claude'] as const;
export type Summarizer = (typeof SUMMARIZERS)[number];

export interface RederiveTuning {
  /** Sessions derived per activity call (default 25). */
  pageSize?: number;
  /** Continue-as-new after this many pages in one run (default 100). */
  maxPagesPerRun?: number;
  /** Longest wait of a run paused by the daily budget before it asks again (default 15 min). */
  budgetRecheckMs?: number;
}

export interface RederiveInput {
  tenantId: string;
  projectId: string;
  /** The derivation row (created by the API); starting again with the same id resumes it. */
  derivationId: string;
  summarizer: Summarizer;
  /** Estimate only: nothing is derived. */
  dryRun?: boolean;
  actorKeyId?: string;
  tuning?: RederiveTuning;
  /** Carried across continue-as-new. */
  progress?: RederiveProgress;
}

export interface RederiveProgress {
  phase: 'estimate' | 'derive' | 'swap' | 'vectors' | 'done';
  /** Sessions derived so far (of this derivation, across runs and resumes). */
  done: number;
  total: number;
  /** Last session id handled by the derive phase (sessions are walked by id). */
  afterSessionId?: string;
  /** Tokens measured so far, and the estimate. */
  tokens: number;
  estimateTokens?: number;
  /** Set while the daily budget holds the run (epoch ms of the next try). */
  pausedUntil?: number;
  /** Runs of this workflow chain (1 + continue-as-new count). */
  runs: number;
}

export interface RederiveResult {
  derivationId: string;
  status: 'estimated' | 'active';
  sessions: number;
  estimateTokens: number;
  measuredTokens: number;
}

/** The workflow id: one per derivation, so a resume (same id) cannot run beside the run it resumes. */
export const rederiveWorkflowId = (tenantId: string, derivationId: string) => `rederive/${tenantId}/${derivationId}`;

/** Query name of the workflow's progress. */
export const REDERIVE_PROGRESS_QUERY = 'rederiveProgress';
