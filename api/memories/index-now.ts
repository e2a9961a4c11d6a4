/**
 * Asks the worker to embed and upsert learnings that were just written (a stated memory, a
 * correction), and waits briefly for it, so the caller can search for them by meaning right away.
 * PostgreSQL already holds them: when Temporal or the worker is slow or away this answers false and
 * the project's next session sync or the reconcile schedule indexes them instead.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from '../../common/server/logger.js';
import { memorySyncWorkflowId } from '../../messages/workflows-v1/memory-sync.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import type { memorySyncWorkflow } from '../../workflows/vectors/memory-sync-workflow.js';

export interface Indexer {
  /** True when the learnings are in Weaviate before `waitMs` ran out. */
  indexNow(tenantId: string, learningIds: string[], requestId: string): Promise<boolean>;
  /** Cancels the waits still running and waits for them to settle (the server is closing). */
  close(): Promise<void>;
}

export function createIndexer(temporal: Client, taskQueue: string, logger: Logger, waitMs = 2_000): Indexer {
  const running = new Set<{ stop: AbortController; settled: Promise<unknown> }>();
  return {
    async close() {
      for (const r of running) r.stop.abort();
      await Promise.allSettled([...running].map((r) => r.settled));
    },
    async indexNow(tenantId, learningIds, requestId) {
      const workflowId = memorySyncWorkflowId(tenantId, learningIds[0]!, requestId);
      let timer: NodeJS.Timeout | undefined;
      // Past the wait, the long poll for the result is cancelled: nothing of this request outlives it
      // (a poll left running met a closed connection at shutdown).
      const stop = new AbortController();
      const late = new Promise<false>((resolve) =>
        (timer = setTimeout(() => {
          stop.abort();
          resolve(false);
        }, waitMs)),
      );
      const done = temporal.connection
        .withAbortSignal(stop.signal, async () => {
          const handle = await temporal.connection.withDeadline(Date.now() + waitMs, () =>
            temporal.workflow.start<typeof memorySyncWorkflow>(WorkflowType.memorySync, { workflowId, taskQueue, args: [{ tenantId, learningIds }] }),
          );
          return handle.result();
        })
        .then(
          () => true,
          (err: unknown) => {
            logger.warn({ err: (err as Error).message, workflowId }, 'memory not indexed now; the next sync will');
            return false;
          },
        );
      const entry = { stop, settled: done };
      running.add(entry);
      void done.finally(() => running.delete(entry));
      try {
        return await Promise.race([done, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
