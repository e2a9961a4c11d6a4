/**
 * Erases a project from both stores: its Weaviate objects, then its PostgreSQL rows table by table
 * in bounded batches (a project may hold millions of hook events), then the project row, then
 * Weaviate once more (a session sync that raced the first pass may have written objects), and
 * finally marks the tombstone erased and audits the counts. A failure is recorded on the
 * tombstone and audited before the workflow fails. Long erasures continue-as-new with their progress.
 */
import { ContinueAsNew, continueAsNew, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { eraseVectors, jobDatabaseBatch } from '../activity-presets.js';
import type { EraseActivities } from '../../activities/erase/erase-activities.js';
import type { VectorActivities } from '../../activities/vectors/vector-sync-activities.js';
import { ERASE_TABLES, type EraseProgress, type EraseProjectInput, type EraseProjectResult } from '../../messages/workflows-v1/erase.js';

// One DELETE of a few thousand rows: an erasure must finish (see the preset).
const db = proxyActivities<EraseActivities>(jobDatabaseBatch);

// Weaviate deletes a project's objects in repeated batch deletes and heartbeats between them.
const { deleteProjectVectors } = proxyActivities<VectorActivities>(eraseVectors);

export async function eraseProjectWorkflow(input: EraseProjectInput): Promise<EraseProjectResult> {
  const { tenantId, projectId, jobId } = input;
  const batchSize = input.batchSize ?? 5000;
  const maxBatches = input.maxBatchesPerRun ?? 500;
  const progress: EraseProgress = input.progress ? { ...input.progress, runs: input.progress.runs + 1 } : { tableIndex: 0, deleted: {}, vectorsDeleted: 0, runs: 1 };
  try {
    // First run only: the search index stops serving the project before its rows go.
    if (!input.progress) progress.vectorsDeleted += (await deleteProjectVectors({ tenantId, projectId })).deleted;

    for (let batches = 1; progress.tableIndex < ERASE_TABLES.length; batches++) {
      const table = ERASE_TABLES[progress.tableIndex]!;
      const { deleted } = await db.deleteProjectRows({ tenantId, projectId, table, limit: batchSize });
      progress.deleted[table] = (progress.deleted[table] ?? 0) + deleted;
      if (deleted < batchSize) progress.tableIndex++;
      if (progress.tableIndex < ERASE_TABLES.length && (batches >= maxBatches || workflowInfo().continueAsNewSuggested)) {
        await continueAsNew<typeof eraseProjectWorkflow>({ ...input, progress });
      }
    }

    const { deleted: projects } = await db.deleteProjectRow({ tenantId, projectId });
    progress.vectorsDeleted += (await deleteProjectVectors({ tenantId, projectId })).deleted;
    const deleted: Record<string, number> = { ...progress.deleted, projects };
    await db.completeErasure({
      jobId,
      tenantId,
      projectId,
      projectName: input.projectName,
      deleted,
      vectorsDeleted: progress.vectorsDeleted,
      ...(input.actorKeyId ? { actorKeyId: input.actorKeyId } : {}),
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    log.info('project erased', { jobId, deleted, vectorsDeleted: progress.vectorsDeleted, runs: progress.runs });
    return { jobId, deleted, vectorsDeleted: progress.vectorsDeleted, runs: progress.runs };
  } catch (err) {
    if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
    await db.failErasure({
      jobId,
      tenantId,
      projectId,
      projectName: input.projectName,
      error: err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err),
      deleted: { ...progress.deleted },
      ...(input.actorKeyId ? { actorKeyId: input.actorKeyId } : {}),
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    throw err;
  }
}
