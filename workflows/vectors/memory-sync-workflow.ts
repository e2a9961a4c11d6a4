/**
 * Makes a memory stated through the API (POST /v1/memories, a correction or a retraction of a
 * learning) searchable by meaning within a second: one activity embeds and upserts the named
 * learnings into Weaviate. PostgreSQL already holds the memory when this starts, so a run that
 * cannot finish loses nothing: the project's next session sync and the reconcile schedule pick the
 * learning up as "changed" anyway.
 */
import { proxyActivities } from '@temporalio/workflow';
import { memoryVectorSync } from '../activity-presets.js';
import type { VectorActivities } from '../../activities/vectors/vector-sync-activities.js';
import type { MemorySyncInput, MemorySyncResult } from '../../messages/workflows-v1/memory-sync.js';

// Briskly for a few minutes, then the reconcile schedule takes over (see the preset). Typed failures
// (EmbeddingRejected, WeaviateRejected, DatabasePermanent) are not retried.
const { syncLearningVectors } = proxyActivities<VectorActivities>(memoryVectorSync);

export async function memorySyncWorkflow(input: MemorySyncInput): Promise<MemorySyncResult> {
  const counts = await syncLearningVectors({ tenantId: input.tenantId, ids: input.learningIds });
  return { upserted: counts.upserted, skipped: counts.skipped };
}
