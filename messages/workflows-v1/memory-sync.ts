/** Shapes of the memory-sync workflow (workflows/vectors/memory-sync-workflow.ts). */

export interface MemorySyncInput {
  tenantId: string;
  /** Learnings to embed and upsert: a memory just stated, or a correction and what it superseded. */
  learningIds: string[];
}

export interface MemorySyncResult {
  upserted: number;
  skipped: number;
}

/** One run per change: the id names the first learning and the request that changed it. */
export function memorySyncWorkflowId(tenantId: string, learningId: string, requestId: string): string {
  return `memory-sync:${tenantId}:${learningId}:${requestId}`;
}
