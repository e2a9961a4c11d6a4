/**
 * What a re-derivation reads: the sessions it covers (the project's sessions started before its
 * cutoff, walked by id) and each session's timeline as the summarizer reads it.
 */
import type { PrismaClient } from '../../common/server/db.js';
import type { OfflineObservation } from '../summarize/offline.js';

export interface DerivationScope {
  tenantId: string;
  projectId: string;
  cutoff: Date;
}

export interface ObservationRow extends OfflineObservation {
  id: string;
  tokenCount: number;
}

/** The next `limit` sessions of the scope after `afterId`, with their current final summary's tokens and time. */
export async function sessionsAfter(prisma: PrismaClient, scope: DerivationScope, afterId: string | undefined, limit: number) {
  const rows = await prisma.session.findMany({
    where: { tenantId: scope.tenantId, projectId: scope.projectId, startedAt: { lt: scope.cutoff }, ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: limit,
    select: { id: true, startedAt: true, endedAt: true, summaries: { where: { kind: 'final' }, select: { tokenCount: true, createdAt: true }, take: 1 } },
  });
  return rows.map((r) => ({ id: r.id, startedAt: r.startedAt, endedAt: r.endedAt, current: r.summaries[0] ?? null }));
}

export function countSessions(prisma: PrismaClient, scope: DerivationScope): Promise<number> {
  return prisma.session.count({ where: { tenantId: scope.tenantId, projectId: scope.projectId, startedAt: { lt: scope.cutoff } } });
}

/** The session's timeline, in order. */
export async function timelineOf(prisma: PrismaClient, sessionId: string): Promise<ObservationRow[]> {
  const rows = await prisma.observation.findMany({
    where: { sessionId },
    orderBy: { sequence: 'asc' },
    select: { id: true, sequence: true, kind: true, toolName: true, title: true, text: true, tokenCount: true },
  });
  return rows.map((o) => ({ ...o, kind: o.kind as string }));
}
