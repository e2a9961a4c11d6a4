/**
 * Messages of the retention flow (v1): the retention workflow's input and result, and the retention
 * scope and steps its activities apply. The policies themselves are set through
 * PUT /v1/admin/retention (api/retention/retention-routes.ts). Types and constants only.
 */
import type { RecordType } from '../record-types-v1.js';

/** One project's effective policy (its own row, else its tenant's default). */
export interface RetentionScope {
  tenantId: string;
  projectId: string;
  rawEventMaxAgeDays: number | null;
  observationMaxAgeDays: number | null;
  maxBytes: number | null;
  keepSummaries: boolean;
  keepLearnings: boolean;
}

/** The steps of a retention run, in the order it applies them. */
export const RETENTION_STEPS = ['rawEvents', 'observations', 'summaries', 'learnings', 'sizeRawEvents', 'sizeObservations'] as const;
export type RetentionStep = (typeof RETENTION_STEPS)[number];

export interface RetentionStepResult {
  deleted: number;
  /** Records whose vectors must be removed from Weaviate. */
  vectors: { recordType: RecordType; ids: string[] } | null;
  /** More rows of this step remain (call again). */
  more: boolean;
}

export interface RetentionWorkflowInput {
  tenantId?: string;
  batchSize?: number;
  /** Carried across continue-as-new. */
  pending?: RetentionScope[];
  counts?: Record<string, Record<string, number>>;
}

export interface RetentionWorkflowResult {
  tenants: number;
  deleted: Record<string, number>;
}
