/**
 * The append-only history of a learning: one snapshot per change (created, restated, superseded,
 * corrected, forgotten), numbered per learning. Written inside the transaction that makes the change,
 * by the summarizer's learning merge and by the API's corrections alike.
 */
import type { Prisma, Tx } from './db.js';


export type LearningSnapshot = Prisma.LearningGetPayload<{
  select: { id: true; kind: true; title: true; body: true; confidence: true; status: true; strength: true };
}>;

/** Appends a revision of `l` as it now is; `note` keeps a free-text reason (corrections, retractions). */
export async function appendLearningRevision(tx: Tx, l: LearningSnapshot, reason: string, changedBy: string, note?: string): Promise<void> {
  const last = await tx.learningRevision.findFirst({ where: { learningId: l.id }, orderBy: { revision: 'desc' }, select: { revision: true } });
  await tx.learningRevision.create({
    data: {
      learningId: l.id,
      revision: (last?.revision ?? 0) + 1,
      kind: l.kind,
      title: l.title,
      body: l.body,
      confidence: l.confidence,
      status: l.status,
      strength: l.strength,
      reason,
      changedBy,
      ...(note !== undefined ? { note } : {}),
    },
  });
}
