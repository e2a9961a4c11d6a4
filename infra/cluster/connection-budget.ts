/**
 * The cluster profile's PostgreSQL connection budget: every process that holds connections to the
 * one PostgreSQL server (memflow's APIs and workers, the Temporal server's persistence and
 * visibility stores), sized so that all of them at their peak stay at or under BUDGET, which leaves
 * a default PostgreSQL (max_connections = 100, 3 of them reserved for superusers) room for an
 * operator's psql, backups and migrations. Enforced by configuration: the apps' pool sizes
 * (MEMFLOW_PRISMA_POOL_SIZE, MEMFLOW_PG_POOL_SIZE, set by apps.ts) and Temporal's `maxConns`
 * (temporal-server.ts). docs/operations.md states the table; the soak samples pg_stat_activity.
 */
import type { ClusterLayout } from '../profile.js';

/** Most connections the cluster profile may hold at once. */
export const CONNECTION_BUDGET = 80;

/**
 * Per process. The API's node-postgres pool carries the hot paths (hook ingest, key lookups, keyword
 * search) and Prisma the rest; the API also holds one LISTEN connection for key changes. The worker's
 * activities use Prisma; its node-postgres pool serves backups and retention.
 */
export const POOLS = {
  api: { prisma: 4, pg: 6, listen: 1 },
  worker: { prisma: 8, pg: 2, listen: 0 },
} as const;

/**
 * Activities a worker runs at once: twice its Prisma pool (an activity holds a connection only for
 * its statements), so a backlog waits in Temporal's task queue rather than 10 s for a connection.
 */
export const WORKER_MAX_ACTIVITIES = 2 * POOLS.worker.prisma;

/**
 * Temporal's SQL pools (`maxConns`, idle ones included). The server runs its four services
 * (frontend, history, matching, worker) in one process, and each service opens its own pool of
 * each store, so the server may hold 4 × (default + visibility).
 */
export const TEMPORAL_POOLS = { default: 6, visibility: 2, services: 4 } as const;

export interface BudgetLine {
  what: string;
  processes: number;
  each: number;
}

/** The budget of a layout, line by line; the sum must not pass CONNECTION_BUDGET. */
export function connectionBudget(c: Pick<ClusterLayout, 'apiPorts' | 'workerMetricsPorts'>): { lines: BudgetLine[]; total: number } {
  const per = (p: { prisma: number; pg: number; listen: number }) => p.prisma + p.pg + p.listen;
  const lines: BudgetLine[] = [
    { what: 'API (Prisma + node-postgres + LISTEN)', processes: c.apiPorts.length, each: per(POOLS.api) },
    { what: 'worker (Prisma + node-postgres)', processes: c.workerMetricsPorts.length, each: per(POOLS.worker) },
    { what: 'Temporal server (4 services × (persistence + visibility))', processes: 1, each: TEMPORAL_POOLS.services * (TEMPORAL_POOLS.default + TEMPORAL_POOLS.visibility) },
  ];
  const total = lines.reduce((sum, l) => sum + l.processes * l.each, 0);
  if (total > CONNECTION_BUDGET) throw new Error(`the cluster profile would hold up to ${total} PostgreSQL connections, over its budget of ${CONNECTION_BUDGET}`);
  return { lines, total };
}
