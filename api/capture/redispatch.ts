/**
 * Safety net for signals that never reached a session workflow (Temporal was down or restarting
 * when the event was acknowledged): every few seconds, sessions holding events that are stored but
 * still unprocessed after a grace period are signalled again. One signal per session suffices,
 * because the workflow catches up on all of the session's unprocessed events. With several API
 * replicas, a transaction-scoped advisory lock lets one of them sweep at a time.
 */
import type { PrismaClient } from '../../common/db.js';
import type { Logger } from '../../common/logger.js';
import type { HookEventName } from '../../common/hook-events.js';
import type { Dispatcher } from './dispatch.js';

const LOCK_KEY = 0x6d656d66; // "memf"

interface Stranded {
  event_id: string;
  /** hook_event_name as stored: the route name (session-start, ...). */
  event: HookEventName;
  tenant_id: string;
  project_id: string;
  session_id: string;
  agent_session_id: string;
}

export interface RedispatcherOptions {
  prisma: PrismaClient;
  dispatcher: Dispatcher;
  logger: Logger;
  /** How long an event may stay unprocessed before its session is signalled again. */
  graceMs?: number;
  intervalMs?: number;
  /** Sessions per sweep. */
  batch?: number;
}

/** One sweep; returns how many sessions were signalled. */
export async function redispatchStranded(opts: RedispatcherOptions): Promise<number> {
  const graceMs = opts.graceMs ?? 10_000;
  const cutoff = new Date(Date.now() - graceMs);
  const stranded = await opts.prisma.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS locked`;
    if (!lock?.locked) return [];
    return tx.$queryRaw<Stranded[]>`
      SELECT DISTINCT ON (e.session_id)
             e.id::text AS event_id, e.event::text AS event, e.tenant_id::text AS tenant_id,
             e.project_id::text AS project_id, e.session_id::text AS session_id, s.agent_session_id
        FROM hook_events e JOIN sessions s ON s.id = e.session_id
       WHERE e.processed_at IS NULL AND e.received_at < ${cutoff}
       ORDER BY e.session_id, e.sequence
       LIMIT ${opts.batch ?? 200}`;
  });
  let signalled = 0;
  for (const row of stranded) {
    try {
      await opts.dispatcher.dispatch({
        tenantId: row.tenant_id,
        projectId: row.project_id,
        sessionId: row.session_id,
        agentSessionId: row.agent_session_id,
        eventId: row.event_id,
        event: row.event,
      });
      signalled++;
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, sessionId: row.session_id }, 'redispatch failed; will retry');
      break; // Temporal is still away: try again next sweep
    }
  }
  if (signalled > 0) opts.logger.info({ signalled }, 'redispatched sessions with unprocessed events');
  return signalled;
}

/**
 * Sweeps on an interval until stopped; errors (e.g. PostgreSQL away) are logged, never thrown. A
 * sweep can outlast the interval (each signal may wait for its deadline while Temporal is away), so
 * a tick is skipped while the previous sweep runs: sweeps never overlap, and stop() awaits the one.
 */
export function startRedispatcher(opts: RedispatcherOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = redispatchStranded(opts)
      .catch((err: Error) => opts.logger.warn({ err: err.message }, 'redispatch sweep failed'))
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
