/**
 * Activities of the session workflow's capture step: the late-run check and the status writes,
 * all idempotent. (The API stores each hook event with its observation in one statement,
 * api/capture/ingest.ts, so the workflow has nothing to persist; persistEvents remains by name
 * for the runs that still schedule it, see workflows/capture/session-generations.ts.)
 */
import { ApplicationFailure } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { SessionStatus } from '../../messages/workflows-v1/session.js';
import { toActivityFailure } from '../failures.js';

export interface CaptureDeps {
  prisma: PrismaClient;
}

export interface SessionIds {
  tenantId: string;
  projectId: string;
  sessionId: string;
}

/** What persistEvents answers (the shape the runs that schedule it were written against). */
export interface PersistResult {
  eventCount: number;
  stored: number;
  doneIds: string[];
  sawSessionEnd: boolean;
  sawStop: boolean;
  tokens: number;
  more: boolean;
}

export function createCaptureActivities({ prisma }: CaptureDeps) {
  return {
    /**
     * The first step of the close's summarizeSessionEnd (and, until no-stop-catch-up-v1 was
     * deprecated on 2026-11-27, the workflow's catch-up at each stop): it turned events stored
     * without their observation into observations. Only an API from before batched capture (2026-11-23) stored such events, and
     * its sweep turned any it left into observations within seconds, so nothing is left to catch
     * up: it answers the session's event count, or SessionNotFound when the session is gone.
     */
    async persistEvents(input: SessionIds & { eventIds: string[]; limit?: number }): Promise<PersistResult> {
      let row: { eventCount: number } | null;
      try {
        row = await prisma.session.findFirst({ where: { id: input.sessionId, tenantId: input.tenantId }, select: { eventCount: true } });
      } catch (err) {
        toActivityFailure(err);
      }
      if (!row) throw ApplicationFailure.nonRetryable(`session ${input.sessionId} does not exist`, Failure.SessionNotFound);
      return { eventCount: row.eventCount, stored: 0, doneIds: input.eventIds, sawSessionEnd: false, sawStop: false, tokens: 0, more: false };
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
