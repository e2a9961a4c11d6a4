/**
 * Messages of the vector reconciliation workflow (v1): its input and result, and its workflow id.
 * Deterministic-safe: types only, plus one pure function.
 */
import type { ReconcileCursor } from '../../activities/vectors.js';

export interface ReconcileTotals {
  /** Records, sync rows and Weaviate objects looked at. */
  checked: number;
  /** Objects (re-)embedded and written. */
  upserted: number;
  /** Orphaned objects and sync rows removed. */
  deleted: number;
}

export interface ReconcileWorkflowInput {
  /** Only this memflow tenant; every tenant when absent. */
  tenantId?: string;
  /** Re-embed and rewrite every record (after a provider change, or to rebuild a wiped Weaviate fast). */
  rebuild?: boolean;
  /** Records or objects per activity call (default 200). */
  batchSize?: number;
  /** Continue-as-new after this many activity calls in one run (default 200). */
  maxBatchesPerRun?: number;
  /** Carried across continue-as-new. */
  cursor?: ReconcileCursor;
  totals?: ReconcileTotals;
  runs?: number;
}

export interface ReconcileResult extends ReconcileTotals {
  /** Runs of this workflow chain (1 + continue-as-new count). */
  runs: number;
}

/** One reconciliation at a time per scope: starting another with the same id is refused. */
export const reconcileWorkflowId = (tenantId?: string) => `memflow-reconcile-vectors/${tenantId ?? 'all'}`;
