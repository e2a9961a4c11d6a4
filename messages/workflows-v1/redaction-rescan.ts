/**
 * Messages of the redaction rescan workflow (v1): its input, progress, result and job id.
 * Deterministic-safe: types and pure constants only (the activities import them too).
 */
import type { ReconcileCursor } from './reconcile-vectors.js';

/** Every table that holds text a tenant stored, in the order the rescan walks them. */
export const RESCAN_TABLES = [
  'hook_events',
  'prompts',
  'observations',
  'summaries',
  'learnings',
  'learning_revisions',
  'learning_sources',
] as const;
export type RescanTable = (typeof RESCAN_TABLES)[number];

/** What a rescan changed: rows per table, markers per rule; never the text itself. */
export interface RescanCounts {
  scanned: Partial<Record<RescanTable, number>>;
  changed: Partial<Record<RescanTable, number>>;
  /** Redactions added, by rule (`secret-prose`, `github-token`, … or the secret-looking JSON key). */
  rules: Record<string, number>;
  /** Weaviate objects re-embedded and rewritten from the corrected rows. */
  vectorsUpserted: number;
}

export interface RescanProgress extends RescanCounts {
  phase: 'tables' | 'vectors';
  /** Index in RESCAN_TABLES of the table being scanned. */
  tableIndex: number;
  /** Last row id handled in that table. */
  afterId?: string;
  vectorCursor?: ReconcileCursor;
  /** Runs of this workflow chain so far (1 + continue-as-new count). */
  runs: number;
}

export interface RescanInput {
  tenantId: string;
  /** The job id returned to the caller: this workflow's id. */
  jobId: string;
  actorKeyId?: string;
  requestId?: string;
  /** Rows per activity call (default 500). */
  batchSize?: number;
  /** Continue-as-new after this many activity calls in one run (default 200). */
  maxBatchesPerRun?: number;
  /** Carried across continue-as-new. */
  progress?: RescanProgress;
}

export interface RescanResult extends RescanCounts {
  jobId: string;
  runs: number;
}

/** Job ids carry their tenant (GET /v1/admin/jobs/{jobId} shows a job only to its tenant). */
export const rescanJobId = (tenantId: string, id: string) => `redaction/${tenantId}/${id}`;
