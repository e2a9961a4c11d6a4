/**
 * Backup and restore as workflows: started by the API (a tenant's admin), by the backup Schedule
 * (everything), or by an operator. A backup records its row, writes the snapshot, prunes old backups
 * and is audited. A restore verifies checksums first (a corrupted backup fails at once, non-retryable,
 * naming the file), inserts what is missing, then rebuilds the tenant's vectors in Weaviate by running
 * the reconciliation workflow as a child.
 */
import { ActivityFailure, ApplicationFailure, executeChild, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import { backupBookkeeping, backupSnapshot } from '../activity-presets.js';
import type { BackupActivities } from '../../activities/backup/backup-activities.js';
import { reconcileAfterRestoreId, type BackupWorkflowInput, type BackupWorkflowResult, type RestoreCounts, type RestoreWorkflowInput, type RestoreWorkflowResult } from '../../messages/workflows-v1/backup.js';
import { reconcileVectorsWorkflow } from '../vectors/reconcile-vectors-workflow.js';

// Recording, pruning, auditing: quick, with an attempt limit (see the preset).
const quick = proxyActivities<BackupActivities>(backupBookkeeping);
// Large tenants take a while; the activities heartbeat per table.
const heavy = proxyActivities<BackupActivities>(backupSnapshot);

export async function backupWorkflow(input: BackupWorkflowInput): Promise<BackupWorkflowResult> {
  const { workflowId } = workflowInfo();
  const scope = { scope: input.scope, ...(input.tenantId ? { tenantId: input.tenantId } : {}) };
  const backupId = input.backupId ?? (await quick.beginBackup({ ...scope, workflowId }));
  const audit = { tenantId: input.tenantId ?? null, actorKeyId: input.actorKeyId ?? null, action: 'backup.create', target: `backup:${backupId}` };
  try {
    const { sizeBytes, rows } = await heavy.runBackup({ backupId, workflowId });
    const { deleted } = await quick.pruneBackups(scope);
    await quick.audit({ ...audit, outcome: 'success', details: { scope: input.scope, sizeBytes, rows, pruned: deleted } });
    return { backupId, sizeBytes, rows, pruned: deleted };
  } catch (err) {
    await quick.audit({ ...audit, outcome: 'failure', details: { error: (err as Error).message } });
    throw err;
  }
}

export async function restoreWorkflow(input: RestoreWorkflowInput): Promise<RestoreWorkflowResult> {
  const audit = { tenantId: input.tenantId, actorKeyId: input.actorKeyId ?? null, action: 'backup.restore', target: `backup:${input.backupId}${input.project ? `/project:${input.project}` : ''}` };
  let counts: RestoreCounts;
  try {
    counts = await heavy.restoreBackup({
      backupId: input.backupId,
      tenantId: input.tenantId,
      ...(input.project ? { project: input.project } : {}),
      ...(input.includeErased ? { includeErased: true } : {}),
    });
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    await quick.audit({ ...audit, outcome: 'failure', details: { error: cause?.message ?? (err as Error).message } });
    throw cause ? ApplicationFailure.nonRetryable(cause.message, cause.type) : err;
  }
  const vectors = await executeChild(reconcileVectorsWorkflow, {
    args: [{ tenantId: input.tenantId }],
    // From the input and the workflow's deterministic uuid4 (not our own id, which replays do not keep).
    workflowId: reconcileAfterRestoreId(input.tenantId, uuid4()),
  });
  await quick.audit({ ...audit, outcome: 'success', details: { ...counts, vectorsUpserted: vectors.upserted } });
  return { ...counts, vectors: { upserted: vectors.upserted } };
}
