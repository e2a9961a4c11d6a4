/**
 * Reconciliation of Weaviate with PostgreSQL (the truth): walks every record, then every sync row,
 * then every Weaviate object, in bounded activity steps that each return where to continue, and
 * repairs what differs (missing or stale objects are re-embedded, orphans deleted). Run it on a
 * schedule, after restoring a backup, or to rebuild a wiped Weaviate. Its state is a cursor and
 * three counters, carried across continue-as-new.
 */
import { continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { reconcileStep } from '../activity-presets.js';
import type { VectorActivities } from '../../activities/vectors/vector-sync-activities.js';
import type { ReconcileResult, ReconcileWorkflowInput } from '../../messages/workflows-v1/reconcile-vectors.js';

// A step embeds up to a batch of records (remote providers: a few HTTP calls) and writes them:
// seconds, not minutes. Retried with backoff for as long as it takes (Weaviate or the provider
// being away delays the run); typed failures (EmbeddingRejected, WeaviateRejected,
// DatabasePermanent) are not retried, because they will not fix themselves.
const { reconcileVectors } = proxyActivities<VectorActivities>(reconcileStep);

export async function reconcileVectorsWorkflow(input: ReconcileWorkflowInput = {}): Promise<ReconcileResult> {
  const totals = { checked: 0, upserted: 0, deleted: 0, ...input.totals };
  const runs = (input.runs ?? 0) + 1;
  const maxBatches = input.maxBatchesPerRun ?? 200;
  let cursor = input.cursor;
  for (let batches = 1; ; batches++) {
    const step = await reconcileVectors({
      ...(input.tenantId ? { tenantId: input.tenantId } : {}),
      ...(cursor ? { cursor } : {}),
      limit: input.batchSize ?? 1000,
      ...(input.rebuild ? { rebuild: true } : {}),
    });
    totals.checked += step.checked;
    totals.upserted += step.upserted;
    totals.deleted += step.deleted;
    if (!step.cursor) {
      log.info('vector reconciliation complete', { ...totals, runs });
      return { ...totals, runs };
    }
    cursor = step.cursor;
    if (batches >= maxBatches || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof reconcileVectorsWorkflow>({ ...input, cursor, totals, runs });
    }
  }
}
