/**
 * Re-applies the current redaction rules to everything stored for a tenant: each table of
 * RESCAN_TABLES in bounded batches (cursor in the workflow's progress), then Weaviate is
 * reconciled for the tenant so every rewritten record's object is re-embedded from its corrected
 * text. Long rescans continue-as-new with their progress. The result and the audit entry report
 * counts per table and rule, never the secrets.
 */
import { ContinueAsNew, continueAsNew, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { jobDatabaseBatch, rescanVectorStep } from '../activity-presets.js';
import type { RedactionActivities } from '../../activities/redaction/redaction-activities.js';
import type { VectorActivities } from '../../activities/vectors/vector-sync-activities.js';
import { RESCAN_TABLES, type RescanCounts, type RescanInput, type RescanProgress, type RescanResult } from '../../messages/workflows-v1/redaction-rescan.js';

// One batch reads and rewrites a few hundred rows: a job that must finish (see the preset).
const db = proxyActivities<RedactionActivities>(jobDatabaseBatch);

// One reconciliation step embeds and writes up to a batch of records; the provider may be slow.
const { reconcileVectors } = proxyActivities<VectorActivities>(rescanVectorStep);

function countsOf(p: RescanProgress): RescanCounts {
  return { scanned: p.scanned, changed: p.changed, rules: p.rules, vectorsUpserted: p.vectorsUpserted };
}

export async function redactionRescanWorkflow(input: RescanInput): Promise<RescanResult> {
  const { tenantId, jobId } = input;
  const batchSize = input.batchSize ?? 500;
  const maxBatches = input.maxBatchesPerRun ?? 200;
  const progress: RescanProgress = input.progress
    ? { ...input.progress, runs: input.progress.runs + 1 }
    : { phase: 'tables', tableIndex: 0, scanned: {}, changed: {}, rules: {}, vectorsUpserted: 0, runs: 1 };
  const audit = { tenantId, jobId, ...(input.actorKeyId ? { actorKeyId: input.actorKeyId } : {}), ...(input.requestId ? { requestId: input.requestId } : {}) };
  let batches = 0;
  const maybeContinue = async (): Promise<void> => {
    if (++batches >= maxBatches || workflowInfo().continueAsNewSuggested) await continueAsNew<typeof redactionRescanWorkflow>({ ...input, progress });
  };
  try {
    while (progress.phase === 'tables') {
      const table = RESCAN_TABLES[progress.tableIndex]!;
      const r = await db.rescanBatch({ tenantId, table, limit: batchSize, ...(progress.afterId ? { afterId: progress.afterId } : {}) });
      progress.scanned[table] = (progress.scanned[table] ?? 0) + r.scanned;
      progress.changed[table] = (progress.changed[table] ?? 0) + r.changed;
      for (const [rule, n] of Object.entries(r.rules)) progress.rules[rule] = (progress.rules[rule] ?? 0) + n;
      if (r.scanned < batchSize || r.lastId === undefined) {
        progress.tableIndex++;
        delete progress.afterId;
        if (progress.tableIndex >= RESCAN_TABLES.length) progress.phase = 'vectors';
      } else {
        progress.afterId = r.lastId;
      }
      await maybeContinue();
    }
    // Weaviate: records whose text changed are stale against their sync rows and are rewritten.
    for (;;) {
      const step = await reconcileVectors({ tenantId, limit: 200, ...(progress.vectorCursor ? { cursor: progress.vectorCursor } : {}) });
      progress.vectorsUpserted += step.upserted;
      if (!step.cursor) break;
      progress.vectorCursor = step.cursor;
      await maybeContinue();
    }
    await db.auditRescan({ ...audit, outcome: 'success', counts: countsOf(progress) });
    log.info('redaction rescan finished', { jobId, changed: progress.changed, rules: progress.rules, vectorsUpserted: progress.vectorsUpserted, runs: progress.runs });
    return { jobId, ...countsOf(progress), runs: progress.runs };
  } catch (err) {
    if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
    const error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    await db.auditRescan({ ...audit, outcome: 'failure', counts: countsOf(progress), error });
    throw err;
  }
}
