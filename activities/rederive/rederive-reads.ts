/**
 * What a re-derivation reads: the sessions it covers (walked by id) and their timelines as the
 * summarizer reads them.
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

/**
 * The sessions a derivation covers: those of the project that started before its cutoff and have
 * ended (a session still running, or still being summarized, keeps its live summary).
 */
const covered = (scope: DerivationScope) => ({
  tenantId: scope.tenantId,
  projectId: scope.projectId,
  startedAt: { lt: scope.cutoff },
  status: { in: ['completed' as const, 'failed' as const] },
});

/** The next `limit` covered sessions after `afterId`, with their current final summary's id, tokens and time. */
export async function sessionsAfter(prisma: PrismaClient, scope: DerivationScope, afterId: string | undefined, limit: number) {
  const rows = await prisma.session.findMany({
    where: { ...covered(scope), ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: limit,
    select: { id: true, startedAt: true, endedAt: true, summaries: { where: { kind: 'final' }, orderBy: { toSequence: 'desc' }, select: { id: true, tokenCount: true, createdAt: true }, take: 1 } },
  });
  return rows.map((r) => ({ id: r.id, startedAt: r.startedAt, endedAt: r.endedAt, current: r.summaries[0] ?? null }));
}

export function countSessions(prisma: PrismaClient, scope: DerivationScope): Promise<number> {
  return prisma.session.count({ where: covered(scope) });
}

/** The sessions' timelines, each in order, in one query. */
export async function timelinesOf(prisma: PrismaClient, sessionIds: string[]): Promise<Map<string, ObservationRow[]>> {
  const rows = await prisma.observation.findMany({
    where: { sessionId: { in: sessionIds } },
    orderBy: [{ sessionId: 'asc' }, { sequence: 'asc' }],
    select: { sessionId: true, id: true, sequence: true, kind: true, toolName: true, title: true, text: true, tokenCount: true },
  });
  const out = new Map<string, ObservationRow[]>(sessionIds.map((id) => [id, []]));
  for (const { sessionId, ...o } of rows) out.get(sessionId)!.push({ ...o, kind: o.kind as string });
  return out;
}

/** Which of the sessions a derivation has staged already. */
export async function stagedOf(prisma: PrismaClient, derivationId: string, sessionIds: string[]): Promise<Set<string>> {
  const rows = await prisma.derivedSession.findMany({ where: { derivationId, sessionId: { in: sessionIds } }, select: { sessionId: true } });
  return new Set(rows.map((r) => r.sessionId));
}
