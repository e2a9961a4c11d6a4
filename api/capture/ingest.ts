/**
 * Makes one hook event durable: project and session rows upserted, the event inserted with the next
 * sequence number of its session, all in one transaction. A repeated delivery (same idempotency key)
 * returns the stored event instead of a new one; a race between two deliveries is settled by the
 * unique index.
 */
import type { PrismaClient } from '../../common/db.js';
import { isUniqueViolation } from '../../common/db.js';
import { toDbEvent } from '../../activities/capture.js';
import type { HookEventName } from '../../workflows/session/messages.js';

export interface IngestInput {
  tenantId: string;
  projectName: string;
  event: HookEventName;
  agentSessionId: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  originalBytes: number;
  truncated: boolean;
  cwd?: string;
  transcriptPath?: string;
  toolName?: string;
  toolUseId?: string;
}

export interface IngestResult {
  eventId: string;
  projectId: string;
  sessionId: string;
  sequence: number;
  duplicate: boolean;
  /** A duplicate whose event the workflow has already processed needs no signal. */
  processed: boolean;
}

export async function ingestEvent(prisma: PrismaClient, input: IngestInput): Promise<IngestResult> {
  const existing = await findExisting(prisma, input);
  if (existing) return existing;
  try {
    return await prisma.$transaction(async (tx) => {
      const now = new Date();
      const project = await tx.project.upsert({
        where: { tenantId_name: { tenantId: input.tenantId, name: input.projectName } },
        create: { tenantId: input.tenantId, name: input.projectName, lastSeenAt: now },
        update: { lastSeenAt: now },
        select: { id: true },
      });
      // Incrementing the counter takes the session row's lock: sequences within a session are
      // gapless and in arrival order, and concurrent events of one session serialize here.
      const session = await tx.session.upsert({
        where: {
          tenantId_projectId_agentSessionId: { tenantId: input.tenantId, projectId: project.id, agentSessionId: input.agentSessionId },
        },
        create: {
          tenantId: input.tenantId,
          projectId: project.id,
          agentSessionId: input.agentSessionId,
          cwd: input.cwd ?? null,
          transcriptPath: input.transcriptPath ?? null,
          eventCount: 1,
          lastEventAt: now,
        },
        update: {
          eventCount: { increment: 1 },
          lastEventAt: now,
          // A resumed session (or a late event) makes it active again until its workflow closes it.
          status: 'active',
          endedAt: null,
        },
        select: { id: true, eventCount: true },
      });
      const row = await tx.hookEvent.create({
        data: {
          tenantId: input.tenantId,
          projectId: project.id,
          sessionId: session.id,
          event: toDbEvent(input.event),
          sequence: session.eventCount,
          idempotencyKey: input.idempotencyKey,
          toolName: input.toolName ?? null,
          toolUseId: input.toolUseId ?? null,
          payload: input.payload as object,
          originalBytes: input.originalBytes,
          truncated: input.truncated,
          receivedAt: now,
        },
        select: { id: true },
      });
      return { eventId: row.id, projectId: project.id, sessionId: session.id, sequence: session.eventCount, duplicate: false, processed: false };
    });
  } catch (err) {
    // Another delivery of the same event committed first: that one is the event.
    if (isUniqueViolation(err)) {
      const winner = await findExisting(prisma, input);
      if (winner) return winner;
    }
    throw err;
  }
}

async function findExisting(prisma: PrismaClient, input: IngestInput): Promise<IngestResult | undefined> {
  const row = await prisma.hookEvent.findUnique({
    where: { tenantId_idempotencyKey: { tenantId: input.tenantId, idempotencyKey: input.idempotencyKey } },
    select: { id: true, projectId: true, sessionId: true, sequence: true, processedAt: true },
  });
  return row
    ? { eventId: row.id, projectId: row.projectId, sessionId: row.sessionId, sequence: row.sequence, duplicate: true, processed: row.processedAt !== null }
    : undefined;
}
