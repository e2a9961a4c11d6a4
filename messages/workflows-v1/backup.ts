/**
 * Messages of the backup flow (v1): the backup and restore workflows' inputs and results, the backup
 * manifest, and the ids of their jobs. Types and pure functions only: every layer (workflow code
 * included) imports it.
 */

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
