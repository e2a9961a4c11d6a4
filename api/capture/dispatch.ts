/**
 * Tells session workflows what capture added, from the outbox (outbox.ts): one `captured` signal
 * (signal-with-start, which starts the workflow when the session is new or its run has closed)
 * carries everything owed to the session. A session is signalled at once for its first events seen
 * by this process, a session start, a compaction or an end; for a stop or a batch summary's worth of
 * tokens when the session's last signal is minStopIntervalMs old (the workflow acts on stops no more
 * often). Everything else stays owed and rides along with the next signal (or the sweeper's, see
 * redispatch.ts), so a busy session costs Temporal a signal per turn at most, not per event. One
 * signal per session is in flight at a time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Logger } from '../../common/server/logger.js';
import type { PgPool } from '../../common/server/pg.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import type { sessionWorkflow } from '../../workflows/capture/session-workflow.js';
import type { CaptureProgress } from '../../messages/capture-v1.js';
import { capturedSignal, DEFAULT_TUNING, sessionWorkflowId, type SessionTuning } from '../../messages/workflows-v1/session.js';
import { apiMetrics } from '../metrics.js';
import type { CapturedBatch } from './ingest-batcher.js';
import { claimOwed, releaseOwed, settleOwed, type OwedSignal } from './outbox.js';

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
