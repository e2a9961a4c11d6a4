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

export function createCaptureActivities({ prisma }: CaptureDeps) {
  return {
    /** Turns stored hook events into observations and prompts; returns the session's event count. */
    async persistEvents(input: SessionIds & { eventIds: string[] }): Promise<{ eventCount: number; stored: number }> {
      try {
        return await prisma.$transaction(async (tx) => {
          const events = await tx.hookEvent.findMany({
            where: { id: { in: input.eventIds }, sessionId: input.sessionId, processedAt: null },
            orderBy: { sequence: 'asc' },
          });
          for (const ev of events) {
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
          if (events.length > 0) {
            await tx.hookEvent.updateMany({ where: { id: { in: events.map((e) => e.id) } }, data: { processedAt: new Date() } });
          }
          const session = await tx.session.findUniqueOrThrow({ where: { id: input.sessionId }, select: { eventCount: true } });
          return { eventCount: session.eventCount, stored: events.length };
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
