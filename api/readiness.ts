/**
 * Dependency checks behind GET /ready. Each check is bounded by a timeout and reports up/down with
 * its latency, so an operator sees at once which server is missing and how slow the others are.
 */
import type { Connection } from '@temporalio/client';
import { weaviateMeta, type WeaviateEndpoint } from '../common/server/weaviate/endpoint.js';

export interface DependencyState {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
  [detail: string]: unknown;
}

export interface ReadinessDeps {
  pingDatabase: () => Promise<void>;
  temporal: Connection;
  namespace: string;
  taskQueue: string;
  weaviate: WeaviateEndpoint;
  timeoutMs?: number;
}

async function timed(fn: () => Promise<Record<string, unknown> | void>, timeoutMs: number): Promise<DependencyState> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const details = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - t0), ...(details ?? {}) };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - t0), error: (err as Error).message.split('\n')[0] };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(deps: ReadinessDeps) {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const deadline = () => new Date(Date.now() + timeoutMs);
  const [postgres, temporal, weaviate] = await Promise.all([
    timed(deps.pingDatabase, timeoutMs),
    timed(async () => {
      await deps.temporal.withDeadline(deadline(), () =>
        deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace }),
      );
      // Informational: whether any worker polls our task queue (hooks are accepted without one).
      const queue = await deps.temporal.withDeadline(deadline(), () =>
        deps.temporal.workflowService.describeTaskQueue({
          namespace: deps.namespace,
          taskQueue: { name: deps.taskQueue },
        }),
      );
      return { workerPollers: queue.pollers?.length ?? 0 };
    }, timeoutMs),
    timed(async () => weaviateMeta(deps.weaviate, timeoutMs), timeoutMs),
  ]);
  const dependencies = { postgres, temporal, weaviate };
  const ready = Object.values(dependencies).every((d) => d.status === 'up');
  return { ready, dependencies };
}
