/**
 * Messages of the maintenance workflows (v1): backup, restore and retention — their inputs, results,
 * the backup manifest and the retention scope the activities and the API share, and the ids of their
 * jobs and Schedules. Types and pure functions only: every layer (workflow code included) imports it.
 */
import type { RecordType } from '../record-types-v1.js';

// ---------------------------------------------------------------------------------------------
// Backup and restore
// ---------------------------------------------------------------------------------------------

export interface BackupWorkflowInput {
  scope: 'tenant' | 'all';
  tenantId?: string;
  /** The row the API created; absent for scheduled runs (the workflow creates it). */
  backupId?: string;
  actorKeyId?: string;
}

export interface BackupWorkflowResult {
  backupId: string;
  sizeBytes: number;
  rows: number;
  pruned: number;
}

export interface RestoreWorkflowInput {
  backupId: string;
  tenantId: string;
  project?: string;
  includeErased?: boolean;
  actorKeyId?: string;
}

export interface RestoreCounts {
  /** Rows inserted per table (rows already present are not counted). */
  inserted: Record<string, number>;
  skippedErasedProjects: string[];
}

export type RestoreWorkflowResult = RestoreCounts & { vectors: { upserted: number } };

export interface ManifestTable {
  table: string;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** A backup's manifest (kept in its backups row and beside its files). */
export interface Manifest {
  format: 'memflow-backup';
  version: 1;
  backupId: string;
  scope: 'tenant' | 'all';
  tenantId: string | null;
  createdAt: string;
  /** The last applied migration: the schema the rows fit. */
  migration: string | null;
  tables: ManifestTable[];
  /** Weaviate holds only vectors derived from these rows; restore rebuilds them by reconciliation. */
  weaviate: 'derived';
}

/** Job ids carry their tenant, so a job is only ever visible to its own tenant (GET /v1/admin/jobs/{jobId}). */
export const backupJobId = (tenantId: string, backupId: string) => `backup/${tenantId}/${backupId}`;
export const restoreJobId = (tenantId: string, id: string) => `restore/${tenantId}/${id}`;
/** The reconciliation a restore runs as its child; `id` is the workflow's deterministic uuid4(). */
export const reconcileAfterRestoreId = (tenantId: string, id: string) => `reconcile-after-restore/${tenantId}/${id}`;

// ---------------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------------

/** One project's effective policy (its own row, else its tenant's default). */
export interface RetentionScope {
  tenantId: string;
  projectId: string;
  rawEventMaxAgeDays: number | null;
  observationMaxAgeDays: number | null;
  maxBytes: number | null;
  keepSummaries: boolean;
  keepLearnings: boolean;
}

/** The steps of a retention run, in the order it applies them. */
export const RETENTION_STEPS = ['rawEvents', 'observations', 'summaries', 'learnings', 'sizeRawEvents', 'sizeObservations'] as const;
export type RetentionStep = (typeof RETENTION_STEPS)[number];

export interface RetentionStepResult {
  deleted: number;
  /** Records whose vectors must be removed from Weaviate. */
  vectors: { recordType: RecordType; ids: string[] } | null;
  /** More rows of this step remain (call again). */
  more: boolean;
}

export interface RetentionWorkflowInput {
  tenantId?: string;
  batchSize?: number;
  /** Carried across continue-as-new. */
  pending?: RetentionScope[];
  counts?: Record<string, Record<string, number>>;
}

export interface RetentionWorkflowResult {
  tenants: number;
  deleted: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

/** The Schedules the worker keeps, one per task queue, and the id each run gets. */
export const scheduleId = (taskQueue: string, kind: 'retention' | 'backup' | 'reconcile') => `${taskQueue}-${kind}`;
export const scheduledRunId = (scheduleIdOfRun: string) => `${scheduleIdOfRun}-run`;
