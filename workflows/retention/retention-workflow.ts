/**
 * The retention run (Schedule: daily by default): for every project with a policy, each step of
 * activities/retention/retention-activities.ts in bounded batches until nothing is left, the matching Weaviate objects
 * deleted after each batch, and one audit row per tenant with the counts. Long runs continue as new
 * with the scopes still to do.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { retentionBatch } from '../activity-presets.js';
import type { RetentionActivities } from '../../activities/retention/retention-activities.js';
import { RETENTION_STEPS, type RetentionWorkflowInput, type RetentionWorkflowResult } from '../../messages/workflows-v1/retention.js';
import type { VectorActivities } from '../../activities/vectors/vector-sync-activities.js';

// Bounded batches with an attempt limit: tomorrow's run resumes what today's could not finish.
const db = proxyActivities<RetentionActivities>(retentionBatch);
const vectors = proxyActivities<Pick<VectorActivities, 'deleteVectors'>>(retentionBatch);

export async function retentionWorkflow(input: RetentionWorkflowInput = {}): Promise<RetentionWorkflowResult> {
  const limit = input.batchSize ?? 2000;
  const pending = input.pending ?? (await db.listRetentionScopes(input.tenantId ? { tenantId: input.tenantId } : {}));
  const counts = input.counts ?? {};
  while (pending.length > 0) {
    const scope = pending[0]!;
    const tenantCounts = (counts[scope.tenantId] ??= {});
    for (const step of RETENTION_STEPS) {
      for (;;) {
        const r = await db.applyRetentionStep({ scope, step, limit });
        tenantCounts[step] = (tenantCounts[step] ?? 0) + r.deleted;
        if (r.vectors) await vectors.deleteVectors({ tenantId: scope.tenantId, recordType: r.vectors.recordType, ids: r.vectors.ids });
        if (!r.more) break;
      }
    }
    pending.shift();
    // Audit a tenant once all its projects are done (scopes are ordered by tenant).
    if (pending[0]?.tenantId !== scope.tenantId) {
      await db.recordRetentionRun({ tenantId: scope.tenantId, counts: tenantCounts });
    }
    if (pending.length > 0 && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof retentionWorkflow>({ ...input, pending, counts });
    }
  }
  const deleted: Record<string, number> = {};
  for (const c of Object.values(counts)) for (const [k, v] of Object.entries(c)) deleted[k] = (deleted[k] ?? 0) + v;
  return { tenants: Object.keys(counts).length, deleted };
}
