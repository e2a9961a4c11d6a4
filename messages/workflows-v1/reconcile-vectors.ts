/**
 * Messages of the vector reconciliation workflow (v1): its input, cursor and result. Types only.
 */
import type { RecordType } from '../record-types-v1.js';

/** Where a reconciliation run stands; opaque to the workflow, which passes it back. */
export interface ReconcileCursor {
  /** records: PostgreSQL -> Weaviate; states: orphaned sync rows; objects: orphaned Weaviate objects. */
  phase: 'records' | 'states' | 'objects';
  recordType: RecordType;
  /** Last record / sync row / object id handled in this phase and type. */
  afterId?: string;
  /** phase objects: the Weaviate tenant being scanned. */
  weaviateTenant?: string;
}

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
