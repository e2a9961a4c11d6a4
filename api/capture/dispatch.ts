/**
 * Tells session workflows what capture added, from the outbox (its rows: claimOwed and the rest, below): one `captured` signal
 * (signal-with-start, which starts the workflow when the session is new or its run has closed)
 * carries everything owed to the session. A session is signalled at once for its first events seen
 * by this process, a session start, a compaction or an end; for a stop or a batch summary's worth of
 * tokens when the session's last signal is minStopIntervalMs old (the workflow acts on stops no more
 * often). Everything else stays owed and rides along with the next signal (or the sweeper's, see
 * redispatch.ts), so a busy session costs Temporal a signal per turn at most, not per event. One
 * signal per session is in flight at a time. The outbox's statements follow the dispatcher.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Logger } from '../../common/server/logger.js';
import type { PgPool } from '../../common/server/pg.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import type { sessionWorkflow } from '../../workflows/capture/session-workflow.js';
import type { CaptureProgress, CaptureCounts } from '../../messages/capture-v1.js';
import { capturedSignal, DEFAULT_TUNING, sessionWorkflowId, type SessionTuning } from '../../messages/workflows-v1/session.js';
import { apiMetrics } from '../metrics.js';
import type { CapturedBatch } from './ingest.js';

export interface Dispatcher {
  /** Sessions whose batches were just captured: those whose news matters are signalled now. */
  captured(sessions: CapturedBatch[]): void;
  /** Signals these sessions now, whatever they are owed (the sweeper's overdue rows). */
  signal(sessionIds: string[]): void;
  /** Resolves when every signal under way has settled. */
  drain(): Promise<void>;
}

/** Temporal being away must not pile up work: a signal not through in this time is left to the sweeper. */
const DEFAULT_DEADLINE_MS = 5000;
/** A session's signals are at least this far apart; news meanwhile waits for the next. */
const MIN_SIGNAL_INTERVAL_MS = 250;
/** Sessions signalled at once. */
const CONCURRENCY = 16;
/**
 * A session not signalled for this long is forgotten (one whose agent died never sends an end):
 * its next event is then signalled at once, as a new session's would be.
 */
const FORGET_AFTER_MS = 60 * 60_000;

export interface DispatcherOptions {
  pool: PgPool;
  client: Client;
  taskQueue: string;
  logger: Logger;
  tuning?: Partial<SessionTuning>;
  deadlineMs?: number;
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const summaryTokens = opts.tuning?.summaryBatchTokens ?? DEFAULT_TUNING.summaryBatchTokens;
  const minStopIntervalMs = opts.tuning?.minStopIntervalMs ?? DEFAULT_TUNING.minStopIntervalMs;
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  /** Sessions this process signalled (whose run it believes open), with their unsignalled tokens. */
  const open = new Map<string, { tokens: number; stopOwed: boolean; lastSentAt: number }>();
  const due = new Set<string>();
  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  let prunedAt = Date.now();
  const prune = () => {
    const now = Date.now();
    if (now - prunedAt < 60_000) return;
    prunedAt = now;
    for (const [id, s] of open) if (now - s.lastSentAt > FORGET_AFTER_MS) open.delete(id);
  };

  const send = async (owed: OwedSignal): Promise<void> => {
    const progress: CaptureProgress = owed.progress;
    await opts.client.connection.withDeadline(Date.now() + deadlineMs, () =>
      opts.client.workflow.signalWithStart<typeof sessionWorkflow, [CaptureProgress]>(WorkflowType.session, {
        workflowId: sessionWorkflowId(owed.tenantId, owed.projectId, owed.agentSessionId),
        taskQueue: opts.taskQueue,
        args: [
          {
            tenantId: owed.tenantId,
            projectId: owed.projectId,
            sessionId: owed.sessionId,
            agentSessionId: owed.agentSessionId,
            ...(opts.tuning ? { tuning: opts.tuning } : {}),
          },
        ],
        signal: capturedSignal,
        signalArgs: [progress],
      }),
    );
  };

  const signalOne = async (sessionId: string): Promise<void> => {
    const last = open.get(sessionId)?.lastSentAt ?? 0;
    const wait = last + MIN_SIGNAL_INTERVAL_MS - Date.now();
    if (wait > 0) await sleep(wait);
    // Claimed for longer than a send may take, so no other process sends the same counts meanwhile.
    const owed = await claimOwed(opts.pool, sessionId, deadlineMs * 3);
    if (!owed) return;
    try {
      await send(owed);
      apiMetrics.sessionSignals.inc({ outcome: 'ok' });
    } catch (err) {
      apiMetrics.sessionSignals.inc({ outcome: 'failed' });
      opts.logger.warn({ err: (err as Error).message, sessionId }, 'session signal failed; the sweeper will send it');
      await releaseOwed(opts.pool, sessionId);
      return;
    }
    // After an end, the next event of this session starts a run of its own (a late one).
    if (owed.progress.ends > 0) open.delete(sessionId);
    else open.set(sessionId, { tokens: 0, stopOwed: false, lastSentAt: Date.now() });
    await settleOwed(opts.pool, owed);
  };

  const pump = () => {
    for (const sessionId of due) {
      if (inFlight.size >= CONCURRENCY) return;
      if (inFlight.has(sessionId)) continue;
      due.delete(sessionId);
      inFlight.add(sessionId);
      const p = signalOne(sessionId)
        .catch((err: Error) => opts.logger.warn({ err: err.message, sessionId }, 'session signal failed; the sweeper will send it'))
        .finally(() => {
          inFlight.delete(sessionId);
          running.delete(p);
          pump();
        });
      running.add(p);
    }
  };

  return {
    captured(sessions) {
      prune();
      for (const c of sessions) {
        if (c.events === 0) continue;
        const known = open.get(c.sessionId);
        if (!known || c.starts + c.ends + c.compacts > 0) {
          due.add(c.sessionId); // a new run, an end, a compaction: at once
          continue;
        }
        known.tokens += c.tokens;
        known.stopOwed ||= c.stops > 0;
        // A turn's end or a summary's worth of tokens, no more often than the workflow acts on them.
        if ((known.stopOwed || known.tokens >= summaryTokens) && Date.now() - known.lastSentAt >= minStopIntervalMs) due.add(c.sessionId);
      }
      pump();
    },
    signal(sessionIds) {
      for (const id of sessionIds) due.add(id);
      pump();
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/**
 * The outbox of session signals (table session_signals): per session, what captured batches added
 * since its workflow was last told. Recorded in the transaction that turns events into observations,
 * so no batch can be captured without its signal being owed; removed (or reduced by what was sent)
 * once the signal went through. Counts, not flags, so a batch recorded while a signal was in flight
 * is never lost by the acknowledgement of that signal.
 */
export interface OwedSignal {
  sessionId: string;
  tenantId: string;
  projectId: string;
  agentSessionId: string;
  progress: CaptureProgress;
}

/** An outbox row: the session it signals and the capture counts it carries. */
interface Row extends CaptureCounts {
  session_id: string;
  tenant_id: string;
  project_id: string;
  agent_session_id: string;
  through_sequence: number;
}

const toOwed = (r: Row): OwedSignal => ({
  sessionId: r.session_id,
  tenantId: r.tenant_id,
  projectId: r.project_id,
  agentSessionId: r.agent_session_id,
  progress: { events: r.events, tokens: r.tokens, starts: r.starts, stops: r.stops, ends: r.ends, compacts: r.compacts, throughSequence: r.through_sequence },
});

const COLUMNS = `session_id::text, tenant_id::text, project_id::text, agent_session_id, events, tokens, starts, stops, ends, compacts, through_sequence`;

/**
 * What a session's workflow is owed now, claimed for `claimMs` by the caller, who sends it and then
 * settles or releases it. Undefined: nothing owed, or another process is sending it (what it did
 * not cover stays owed, and is sent by the next signal or the sweeper).
 */
export async function claimOwed(pool: PgPool, sessionId: string, claimMs: number): Promise<OwedSignal | undefined> {
  const { rows } = await pool.query<Row>(
    `UPDATE session_signals SET claimed_until = now() + make_interval(secs => $2::float8 / 1000)
      WHERE session_id = $1 AND (claimed_until IS NULL OR claimed_until < now())
      RETURNING ${COLUMNS}`,
    [sessionId, claimMs],
  );
  return rows[0] ? toOwed(rows[0]) : undefined;
}

/** The signal `sent` went through: what it covered is no longer owed (later batches still are). */
export async function settleOwed(pool: PgPool, sent: OwedSignal): Promise<void> {
  const p = sent.progress;
  const { rowCount } = await pool.query(`DELETE FROM session_signals WHERE session_id = $1 AND events = $2`, [sent.sessionId, p.events]);
  if (rowCount) return;
  await pool.query(
    `UPDATE session_signals SET events = events - $2, tokens = tokens - $3, starts = starts - $4, stops = stops - $5,
            ends = ends - $6, compacts = compacts - $7, created_at = now(), claimed_until = NULL
      WHERE session_id = $1`,
    [sent.sessionId, p.events, p.tokens, p.starts, p.stops, p.ends, p.compacts],
  );
}

/** The signal did not go through: the row is owed as before, free for the next sender. */
export async function releaseOwed(pool: PgPool, sessionId: string): Promise<void> {
  await pool.query(`UPDATE session_signals SET claimed_until = NULL WHERE session_id = $1`, [sessionId]);
}

/**
 * Sessions whose signal is overdue: recorded more than `graceMs` ago and not sent (the API that
 * captured them died, or Temporal was away), or owed for longer than `maxAgeMs` while the session
 * kept busy (so a long quiet stretch of a session's workflow is never mistaken for idleness).
 */
export async function overdueOwed(pool: PgPool, graceMs: number, maxAgeMs: number, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ session_id: string }>(
    `SELECT session_id::text FROM session_signals
      WHERE (updated_at < now() - make_interval(secs => $1::float8 / 1000) OR created_at < now() - make_interval(secs => $2::float8 / 1000))
        AND (claimed_until IS NULL OR claimed_until < now())
      ORDER BY updated_at LIMIT $3`,
    [graceMs, maxAgeMs, limit],
  );
  return rows.map((r) => r.session_id);
}
