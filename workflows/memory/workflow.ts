/**
 * Makes a memory stated through the API (POST /v1/memories, a correction or a retraction of a
 * learning) searchable by meaning within a second: one activity embeds and upserts the named
 * learnings into Weaviate. PostgreSQL already holds the memory when this starts, so a run that
 * cannot finish loses nothing: the project's next session sync and the reconcile schedule pick the
 * learning up as "changed" anyway.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { VectorActivities } from '../../activities/vectors.js';
import type { MemorySyncInput, MemorySyncResult } from '../../messages/workflows/v1/memory.js';

// One embedding call and one Weaviate batch: well under a second when both are up. Retried briskly
// for a few minutes (Weaviate restarting); after that the reconcile schedule takes over, so the run
// does not linger. Typed failures (EmbeddingRejected, WeaviateRejected, DatabasePermanent) are not retried.
const { syncLearningVectors } = proxyActivities<VectorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export async function memorySyncWorkflow(input: MemorySyncInput): Promise<MemorySyncResult> {
  const counts = await syncLearningVectors({ tenantId: input.tenantId, ids: input.learningIds });
  return { upserted: counts.upserted, skipped: counts.skipped };
}
