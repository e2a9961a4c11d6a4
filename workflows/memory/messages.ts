/** Shapes of the memory-sync workflow (see workflow.ts). */

export interface MemorySyncInput {
  tenantId: string;
  /** Learnings to embed and upsert: a memory just stated, or a correction and what it superseded. */
  learningIds: string[];
}

export interface MemorySyncResult {
  upserted: number;
  skipped: number;
}

/** One run per change; the id names the first learning, so a repeated start of the same change is one run. */
export function memorySyncWorkflowId(tenantId: string, learningId: string): string {
  return `memory-sync:${tenantId}:${learningId}`;
}
