/**
 * Activities of the session workflow's capture step. All writes are idempotent: an event already
 * turned into an observation is marked processed, tool calls merge on (session, tool_use_id), other
 * items are unique on (session, sequence), and everything for one batch commits in one transaction,
 * so a retried activity (worker killed mid-batch, database outage) never duplicates anything.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../common/db.js';
import { classifyDbError } from '../common/db.js';
import { countTokens } from '../common/tokens.js';
import type { HookEventName, SessionStatus } from '../workflows/session/messages.js';
import { renderEvent } from './observation.js';

export interface CaptureDeps {
  prisma: PrismaClient;
}

export interface SessionIds {
  tenantId: string;
  projectId: string;
  sessionId: string;
}

/** hook_event_name values are stored with underscores (Prisma enum names). */
export const fromDbEvent = (e: string) => e.replace(/_/g, '-') as HookEventName;
export const toDbEvent = (e: HookEventName) => e.replace(/-/g, '_') as 'session_start';

/** Maps database errors to Temporal's retry semantics once, here. */
function rethrow(err: unknown): never {
  const kind = classifyDbError(err);
  if (kind === 'permanent') {
    throw ApplicationFailure.nonRetryable(`database rejected the write: ${(err as Error).message}`, 'DatabasePermanent');
  }
  throw err; // transient and overloaded: Temporal retries with backoff
}

export interface PersistResult {
  eventCount: number;
  stored: number;
  doneIds: string[];
  sawSessionEnd: boolean;
  more: boolean;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
type StoredEvent = Awaited<ReturnType<Tx['hookEvent']['findMany']>>[number];

/** One event's observation (and prompt), written so that repeating it is harmless. */
async function storeObservation(tx: Tx, ev: StoredEvent): Promise<void> {
  const r = renderEvent(fromDbEvent(ev.event), ev.payload as Record<string, unknown>);
  const base = {
    tenantId: ev.tenantId,
    projectId: ev.projectId,
    sessionId: ev.sessionId,
    kind: r.kind,
    title: r.title,
    text: r.text,
    tokenCount: countTokens(`${r.title}\n${r.text}`),
    createdAt: ev.receivedAt,
  };
  if (r.kind === 'tool' && r.toolUseId) {
    const existing = await tx.observation.findUnique({
      where: { sessionId_toolUseId: { sessionId: ev.sessionId, toolUseId: r.toolUseId } },
    });
    if (!existing) {
      await tx.observation.create({
        data: { ...base, sequence: ev.sequence, toolName: r.toolName ?? null, toolUseId: r.toolUseId, sourceEventIds: [ev.id] },
      });
    } else {
      // The result (post-tool-use) carries the input too, so it supersedes the pre-tool-use text.
      const isResult = ev.event === 'post_tool_use';
      await tx.observation.update({
        where: { id: existing.id },
        data: {
          sequence: Math.min(existing.sequence, ev.sequence),
          ...(isResult ? { title: base.title, text: base.text, tokenCount: base.tokenCount } : {}),
          sourceEventIds: [...new Set([...existing.sourceEventIds, ev.id])],
        },
      });
    }
  } else {
    await tx.observation.upsert({
      where: { sessionId_sequence: { sessionId: ev.sessionId, sequence: ev.sequence } },
      create: { ...base, sequence: ev.sequence, toolName: r.toolName ?? null, sourceEventIds: [ev.id] },
      update: {},
    });
  }
  if (r.kind === 'prompt') {
    const ordinal = (await tx.prompt.count({ where: { sessionId: ev.sessionId } })) + 1;
    await tx.prompt.create({
      data: {
        tenantId: ev.tenantId,
        projectId: ev.projectId,
        sessionId: ev.sessionId,
        ordinal,
        text: r.text,
        tokenCount: countTokens(r.text),
        sourceEventId: ev.id,
        createdAt: ev.receivedAt,
      },
    });
  }
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
        return await prisma.$transaction(async (tx) => {
          const events = await tx.hookEvent.findMany({
            where: { sessionId: input.sessionId, processedAt: null },
            orderBy: { sequence: 'asc' },
            take: limit + 1,
          });
          const batch = events.slice(0, limit);
          for (const ev of batch) await storeObservation(tx, ev);
          if (batch.length > 0) {
            await tx.hookEvent.updateMany({ where: { id: { in: batch.map((e) => e.id) } }, data: { processedAt: new Date() } });
          }
          // Requested ids still unprocessed are the ones beyond this call's limit.
          const pendingIds = new Set(events.slice(limit).map((e) => e.id));
          const session = await tx.session.findUniqueOrThrow({ where: { id: input.sessionId }, select: { eventCount: true } });
          return {
            eventCount: session.eventCount,
            stored: batch.length,
            doneIds: input.eventIds.filter((id) => !pendingIds.has(id)),
            sawSessionEnd: batch.some((e) => e.event === 'session_end'),
            more: events.length > limit,
          };
        });
      } catch (err) {
        rethrow(err);
      }
    },

    /** Records the session's final state; repeating it changes nothing. */
    async closeSession(input: SessionIds & { status: SessionStatus; reason: string }): Promise<void> {
      try {
        await prisma.session.updateMany({
          where: { id: input.sessionId, tenantId: input.tenantId },
          data: { status: input.status, endedAt: new Date() },
        });
      } catch (err) {
        rethrow(err);
      }
    },
  };
}

export type CaptureActivities = ReturnType<typeof createCaptureActivities>;
