/**
 * Messages of the project erasure workflow (v1): its input, progress, result and workflow id.
 * Deterministic-safe: types and pure constants only (the activities import them too).
 */

/**
 * The project's tables emptied in bounded batches, children before parents. Learning sources and
 * revisions go with their learnings (cascade, a few rows each), vector_sync_states with
 * deleteProjectVectors, retention policies with the project row.
 */
export const ERASE_TABLES = ['hook_events', 'observations', 'prompts', 'summaries', 'learnings', 'sessions'] as const;
export type EraseTable = (typeof ERASE_TABLES)[number];

export interface EraseProgress {
  /** Index in ERASE_TABLES of the table being emptied. */
  tableIndex: number;
  /** Rows deleted per table so far. */
  deleted: Partial<Record<EraseTable, number>>;
  /** Weaviate objects deleted so far. */
  vectorsDeleted: number;
  /** Runs of this workflow chain so far (1 + continue-as-new count). */
  runs: number;
}

export interface EraseProjectInput {
  tenantId: string;
  projectId: string;
  projectName: string;
  /** The job id returned to the caller: this workflow's id, and the tombstone's key. */
  jobId: string;
  /** Who asked (audit). */
  actorKeyId?: string;
  requestId?: string;
  /** Rows per DELETE (default 5000). */
  batchSize?: number;
  /** Continue-as-new after this many batches in one run (default 500). */
  maxBatchesPerRun?: number;
  /** Carried across continue-as-new. */
  progress?: EraseProgress;
}

export interface EraseProjectResult {
  jobId: string;
  /** Rows deleted per table (the project row counted as `projects`). */
  deleted: Record<string, number>;
  vectorsDeleted: number;
  runs: number;
}

/** One erasure per project row: a repeated request while it runs joins it (the id is the job id). */
export const eraseWorkflowId = (projectId: string) => `erase-${projectId}`;
