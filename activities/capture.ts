/**
 * Activities of the session workflow's capture step. All writes are idempotent: an event already
 * turned into an observation is marked processed, tool calls merge on (session, tool_use_id), other
 * items are unique on (session, sequence), and everything for one batch commits in one transaction,
 * so a retried activity (worker killed mid-batch, database outage) never duplicates anything.
 */
import { log } from '@temporalio/activity';
import type { PrismaClient } from '../common/db.js';
import { countTokens } from '../common/tokens.js';
import type { HookEventName, SessionStatus } from '../workflows/session/messages.js';
import { rethrowDbError } from './db-errors.js';
import { TOOL_RESULT_EVENTS } from '../common/hook-events.js';
import { renderEvent } from './observation.js';

export interface CaptureDeps {
  prisma: PrismaClient;
}

export interface SessionIds {
  tenantId: string;
  projectId: string;
  sessionId: string;
}

/** Prisma Client names hook_event_name values with underscores (the database keeps the route names). */
const fromDbEvent = (e: string) => e.replace(/_/g, '-') as HookEventName;


export interface PersistResult {
  eventCount: number;
  stored: number;
  doneIds: string[];
  sawSessionEnd: boolean;
  /** A `stop` was processed in this batch: the agent finished a turn (rolling summary point). */
  sawStop: boolean;
  /** tiktoken count of the observation text this batch added (what summarization will read). */
  tokens: number;
  more: boolean;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
type StoredEvent = Awaited<ReturnType<Tx['hookEvent']['findMany']>>[number];

type Rendered = NonNullable<ReturnType<typeof renderEvent>>;

/**
 * One batch of events as a handful of set-based writes (the batch is one transaction, so it is all
 * or nothing): tool calls merged by tool_use_id (a call and its result are one observation, also when
 * they arrive in different batches), every other event one observation unique by its sequence, and
 * prompts numbered after those already stored.
 */
async function storeBatch(tx: Tx, sessionId: string, batch: StoredEvent[]): Promise<number> {
  // Events with no timeline item (notifications, future events) are kept only as raw events.
  const items = batch.flatMap((ev) => {
    const r = renderEvent(fromDbEvent(ev.event), ev.payload as Record<string, unknown>);
    return r ? [{ ev, r }] : [];
  });
  const row = (ev: StoredEvent, r: Rendered) => ({
    tenantId: ev.tenantId,
    projectId: ev.projectId,
    sessionId: ev.sessionId,
    kind: r.kind,
    title: r.title,
    text: r.text,
    toolName: r.toolName ?? null,
    tokenCount: countTokens(`${r.title}\n${r.text}`),
    createdAt: ev.receivedAt,
  });

  // Tool calls of this batch, grouped by tool_use_id, merged with what earlier batches stored.
  const calls = new Map<string, { ev: StoredEvent; r: Rendered }[]>();
  for (const it of items) {
    if (it.r.kind === 'tool' && it.r.toolUseId) calls.set(it.r.toolUseId, [...(calls.get(it.r.toolUseId) ?? []), it]);
  }
  const existing = calls.size
    ? await tx.observation.findMany({ where: { sessionId, toolUseId: { in: [...calls.keys()] } } })
    : [];
  const existingByCall = new Map(existing.map((o) => [o.toolUseId!, o]));
  let newTokens = 0;
  const creates: ReturnType<typeof row>[] = [];
  const createsExtra: { sequence: number; toolUseId: string | null; sourceEventIds: string[] }[] = [];
  for (const [toolUseId, group] of calls) {
    // The result (post-tool-use, or post-tool-use-failure) carries the input too, so its rendering wins.
    const isResult = (g: { ev: StoredEvent }) => TOOL_RESULT_EVENTS.has(fromDbEvent(g.ev.event));
    const best = group.find(isResult) ?? group[0]!;
    const sequence = Math.min(...group.map((g) => g.ev.sequence));
    const ids = group.map((g) => g.ev.id);
    const old = existingByCall.get(toolUseId);
    if (!old) {
      creates.push(row(best.ev, best.r));
      createsExtra.push({ sequence, toolUseId, sourceEventIds: ids });
      continue;
    }
    const hasResult = isResult(best);
    const merged = row(best.ev, best.r);
    if (hasResult) newTokens += Math.max(0, merged.tokenCount - old.tokenCount);
    await tx.observation.update({
      where: { id: old.id },
      data: {
        sequence: Math.min(old.sequence, sequence),
        ...(hasResult ? { title: merged.title, text: merged.text, tokenCount: merged.tokenCount } : {}),
        sourceEventIds: [...new Set([...old.sourceEventIds, ...ids])],
      },
    });
  }
  for (const { ev, r } of items) {
    if (r.kind === 'tool' && r.toolUseId) continue;
    creates.push(row(ev, r));
    createsExtra.push({ sequence: ev.sequence, toolUseId: null, sourceEventIds: [ev.id] });
  }
  newTokens += creates.reduce((sum, c) => sum + c.tokenCount, 0);
  if (creates.length > 0) {
    await tx.observation.createMany({
      data: creates.map((c, i) => ({ ...c, ...createsExtra[i]! })),
      skipDuplicates: true, // (session, sequence) and (session, tool_use_id) are unique
    });
  }

  const prompts = items.filter((it) => it.r.kind === 'prompt');
  if (prompts.length > 0) {
    const before = await tx.prompt.count({ where: { sessionId } });
    await tx.prompt.createMany({
      data: prompts.map(({ ev, r }, i) => ({
        tenantId: ev.tenantId,
        projectId: ev.projectId,
        sessionId: ev.sessionId,
        ordinal: before + i + 1,
        text: r.text,
        tokenCount: countTokens(r.text),
        sourceEventId: ev.id,
        createdAt: ev.receivedAt,
      })),
    });
  }
  return newTokens;
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
          const tokens = batch.length > 0 ? await storeBatch(tx, input.sessionId, batch) : 0;
          if (batch.length > 0) {
            // The API request ids of the events, so a hook delivery can be followed into the worker.
            log.info('hook events stored', {
              sessionId: input.sessionId,
              events: batch.map((e) => ({ eventId: e.id, event: fromDbEvent(e.event), sequence: e.sequence, requestId: e.requestId })),
            });
          }
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
            sawStop: batch.some((e) => e.event === 'stop'),
            tokens,
            more: events.length > limit,
          };
        });
      } catch (err) {
        rethrowDbError(err);
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
        rethrowDbError(err);
      }
    },
  };
}

export type CaptureActivities = ReturnType<typeof createCaptureActivities>;
