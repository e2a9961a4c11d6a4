/**
 * Activities of the session workflow's capture step: the late-run check, the status writes and the
 * catch-up on events no API turned into observations (persistEvents: only events stored by an API
 * from before batched capture; it goes with the runs that still call it, see
 * workflows/capture/session-generations.ts). All writes are idempotent: an event already turned
 * into an observation is marked processed, tool calls merge on (session, tool_use_id), other items
 * are unique on (session, sequence), and everything for one batch commits in one transaction, so a
 * retried activity (worker killed mid-batch, database outage) never duplicates anything.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import { TRANSACTION_OPTIONS, type PrismaClient } from '../../common/server/db.js';
import type { SessionStatus } from '../../messages/workflows-v1/session.js';
import { toActivityFailure } from '../failures.js';
import { captureSessions } from '../../common/server/capture-store.js';

export interface CaptureDeps {
  prisma: PrismaClient;
}

export interface SessionIds {
  tenantId: string;
  projectId: string;
  sessionId: string;
}

export interface PersistResult {
  eventCount: number;
  stored: number;
  doneIds: string[];
  sawSessionEnd: boolean;
  /** A `stop` was processed in this batch: the agent finished a turn (rolling summary point). */
  sawStop: boolean;
  /** Token count of the observation text this batch added (what summarization will read). */
  tokens: number;
  more: boolean;
}

export function createCaptureActivities({ prisma }: CaptureDeps) {
  return {
    /**
     * Turns the session's unprocessed hook events into observations and prompts, oldest first, at
     * most `limit` per call. It does not trust the signals that woke the workflow to be complete
     * (one may have been lost while Temporal was away): it reads what the database holds. Returns
     * which of `eventIds` are done (processed now, earlier, or gone), whether a session-end was
     * processed, and whether more unprocessed events remain.
     */
    async persistEvents(input: SessionIds & { eventIds: string[]; limit?: number }): Promise<PersistResult> {
      const limit = input.limit ?? 500;
      try {
        const done = await prisma.$transaction(async (tx) => (await captureSessions(tx, [input.sessionId], limit))[0], TRANSACTION_OPTIONS);
        if (!done) throw ApplicationFailure.nonRetryable(`session ${input.sessionId} does not exist`, Failure.SessionNotFound);
        if (done.events > 0) log.info('hook events stored', { sessionId: input.sessionId, events: done.events, throughSequence: done.throughSequence });
        // Requested ids still unprocessed are the ones beyond this call's limit.
        return {
          eventCount: done.eventCount,
          stored: done.events,
          doneIds: done.more ? input.eventIds.filter((id) => done.eventIds.includes(id)) : input.eventIds,
          sawSessionEnd: done.ends > 0,
          sawStop: done.stops > 0,
          tokens: done.tokens,
          more: done.more,
        };
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        toActivityFailure(err);
      }
    },

    /**
     * The lifecycle event (session-start or session-end) last stored before `beforeSequence`: a run
     * that begins with events after a session-end holds late events, and closes soon.
     */
    async lastLifecycle(input: SessionIds & { beforeSequence: number }): Promise<'start' | 'end' | null> {
      try {
        const row = await prisma.hookEvent.findFirst({
          where: { sessionId: input.sessionId, sequence: { lt: input.beforeSequence }, event: { in: ['session_start', 'session_end'] } },
          orderBy: { sequence: 'desc' },
          select: { event: true },
        });
        return row ? (row.event === 'session_end' ? 'end' : 'start') : null;
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** Records the session's final state; repeating it changes nothing. */
    async closeSession(input: SessionIds & { status: SessionStatus; reason: string }): Promise<void> {
      try {
        const where = { id: input.sessionId, tenantId: input.tenantId };
        await prisma.session.updateMany({ where, data: { status: input.status } });
        // The session ended when it was first closed (or marked summarizing), not when summaries finished.
        await prisma.session.updateMany({ where: { ...where, endedAt: null }, data: { endedAt: new Date() } });
      } catch (err) {
        toActivityFailure(err);
      }
    },
  };
}

export type CaptureActivities = ReturnType<typeof createCaptureActivities>;
