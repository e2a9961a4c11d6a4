/**
 * The append-only history of a learning: one snapshot per change (created, restated, superseded,
 * corrected, forgotten), numbered per learning. Written inside the transaction that makes the change,
 * by the summarizer's learning merge and by the API's corrections alike.
 */
import type { Prisma, Tx } from './db.js';

/**
 * The person behind a revision's `changedBy` (SQL over the expression `changedBy`), as people are
 * shown who did what: "Alice <alice@example.com>" (or "Alice") for a person's key, "key <label>"
 * (or its prefix) for a key of its own, NULL for the summarizer, a workflow or "system". Keys are
 * never deleted (revoked ones keep their row), so a revision names its author for good; a person's
 * name is read as it is now.
 */
export const actorNameSql = (changedBy: string): string =>
  `(select case when pe.id is not null then pe.name || coalesce(' <' || nullif(pe.email, '') || '>', '') else 'key ' || coalesce(k.name, k.prefix) end
      from api_keys k left join people pe on pe.id = k.person_id
     where k.id = case when ${changedBy} ~ '^key:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then substr(${changedBy}, 5)::uuid end)`;

/** Revision reasons that approve a learning in review (an edit approves the edited text). */
export const APPROVING_REASONS = ['approved', 'edited'] as const;

/** SQL: the latest approving revision of the learning `learningId` (an SQL expression), its `column`. */
export const approvalSql = (learningId: string, column: 'by' | 'at'): string =>
  `(select ${column === 'by' ? actorNameSql('ar.changed_by') : 'ar.created_at'} from learning_revisions ar
     where ar.learning_id = ${learningId} and ar.reason in (${APPROVING_REASONS.map((r) => `'${r}'`).join(', ')}) order by ar.revision desc limit 1)`;

/** SQL: who stated the learning (its first revision's author) when its origin is a person's or an agent's. */
export const statedBySql = (l: string): string =>
  `case when ${l}.origin <> 'extracted' then (select ${actorNameSql('sr.changed_by')} from learning_revisions sr where sr.learning_id = ${l}.id order by sr.revision limit 1) end`;


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
