/**
 * The safety net of batched capture: every few seconds, signals owed for longer than the grace
 * period (their API died before sending them, or Temporal was away) are sent. With several API
 * replicas, a transaction-scoped advisory lock lets one of them sweep at a time. (Events need no
 * sweep: each is stored with its observation in the statement that acknowledges it.)
 */
import type { PrismaClient } from '../../common/server/db.js';
import type { Logger } from '../../common/server/logger.js';
import type { PgPool } from '../../common/server/pg.js';
import { type Dispatcher, overdueOwed } from './dispatch.js';

const LOCK_KEY = 0x6d656d66; // "memf"

export interface RedispatcherOptions {
  prisma: PrismaClient;
  pool: PgPool;
  dispatcher: Dispatcher;
  logger: Logger;
  /** How long a signal may stay unsent before the sweeper sends it. */
  graceMs?: number;
  intervalMs?: number;
  /** A busy session's owed signal is sent at least this often (its workflow's sign of life). */
  maxOwedAgeMs?: number;
  /** Sessions per sweep. */
  batch?: number;
}

/** One sweep; returns how many sessions it signalled. */
export async function redispatchStranded(opts: RedispatcherOptions): Promise<number> {
  const graceMs = opts.graceMs ?? 10_000;
  const limit = opts.batch ?? 500;
  const owed = await opts.prisma.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS locked`;
    if (!lock?.locked) return [] as string[];
    return overdueOwed(opts.pool, graceMs, opts.maxOwedAgeMs ?? 60_000, limit);
  });
  if (owed.length > 0) opts.dispatcher.signal(owed);
  return owed.length;
}

/**
 * Sweeps on an interval until stopped; errors (e.g. PostgreSQL away) are logged, never thrown.
 * Sweeps never overlap, and stop() awaits the one under way.
 */
export function startRedispatcher(opts: RedispatcherOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = redispatchStranded(opts)
      .catch((err: Error) => opts.logger.warn({ err: err.message }, 'capture sweep failed'))
      .finally(() => (running = undefined));
  }, opts.intervalMs ?? 5000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
