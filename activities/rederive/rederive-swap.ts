/**
 * The swap: one transaction that puts a built derivation in place of the one served. For every
 * session it covers, the summaries served now are copied into its staged row (`retired`, kept) and
 * replaced by its staged final summary, which takes the id of the session's final summary (chosen
 * when it was staged): a search that found the old row by id (its keyword leg, or Weaviate before the
 * new text is embedded) reads the new one, never nothing; the project's extracted learnings become the derivation's
 * (same fingerprint: updated; new: created; no longer derived: superseded), each change with a
 * revision `re-derived` whose note says what changed and by which summarizer; the previous active
 * derivation is retired and this one becomes active. Readers see the old rows or the new ones,
 * never a session with neither. Repeating a finished swap changes nothing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient, Tx, Prisma } from '../../common/server/db.js';
import { appendLearningRevision } from '../../common/server/learning-revisions.js';
import { countTokens } from '../../common/rules/tokens.js';
import { Failure } from '../../messages/errors-v1.js';
import { tryLockProjectLearnings } from '../summarize/learning-merge.js';
import type { StagedLearning } from './rederive-session.js';

/** A swap of a large project rewrites thousands of rows in bulk statements: more than the usual 30 s. */
const SWAP_TRANSACTION = { maxWait: 10_000, timeout: 300_000 } as const;

/** What a swap changed, by kind of row (also kept on the derivation row). */

export interface SwapChanges {
  sessions: number;
  summariesReplaced: number;
  learningsCreated: number;
  learningsChanged: number;
  learningsUnchanged: number;
  learningsSuperseded: number;
}

/** The staged summary's JSON fields as columns of `summaries` (the row keeps the JSON's id). */
const SUMMARY_COLUMNS: [column: string, key: string, type: string][] = [
  ['id', 'id', 'uuid'],
  ['tenant_id', 'tenantId', 'uuid'],
  ['project_id', 'projectId', 'uuid'],
  ['session_id', 'sessionId', 'uuid'],
  ['kind', 'kind', 'summary_kind'],
  ['title', 'title', 'text'],
  ['request', 'request', 'text'],
  ['investigated', 'investigated', 'text'],
  ['learned', 'learned', 'text'],
  ['completed', 'completed', 'text'],
  ['next_steps', 'nextSteps', 'text'],
  ['text', 'text', 'text'],
  ['token_count', 'tokenCount', 'int'],
  ['model', 'model', 'text'],
  ['tokens_in', 'tokensIn', 'int'],
  ['tokens_out', 'tokensOut', 'int'],
  ['cache_read_tokens', 'cacheReadTokens', 'int'],
  ['cache_write_tokens', 'cacheWriteTokens', 'int'],
  ['cost_usd', 'costUsd', 'numeric'],
  ['offline', 'offline', 'boolean'],
  ['from_sequence', 'fromSequence', 'int'],
  ['to_sequence', 'toSequence', 'int'],
  ['observation_count', 'observationCount', 'int'],
  ['created_at', 'createdAt', 'timestamptz'],
  ['git_branch', 'gitBranch', 'text'],
  ['git_commit', 'gitCommit', 'text'],
  ['derivation_id', 'derivationId', 'uuid'],
];
const staged = (k: string, t: string) => `(ds.summary->>'${k}')::${t}`;
const STAGED_ID = staged('id', 'uuid');
/** The covered sessions' summaries that the staged ones do not replace in place (batch, rolling, another final). */
const DELETE_OTHERS = `DELETE FROM summaries s USING derived_sessions ds
  WHERE ds.derivation_id = $1::uuid AND s.session_id = ds.session_id AND s.id <> ${STAGED_ID}`;
/** A session's final summary keeps its id and takes the staged content (a search that found it reads the new one). */
const UPDATE_IN_PLACE = `UPDATE summaries s SET ${SUMMARY_COLUMNS.filter(([c]) => !['id', 'tenant_id', 'project_id', 'session_id'].includes(c))
  .map(([c, k, t]) => `${c} = ${staged(k, t)}`)
  .join(', ')}, citations = coalesce(ds.summary->'citations', '[]'::jsonb)
  FROM derived_sessions ds WHERE ds.derivation_id = $1::uuid AND s.id = ${STAGED_ID}`;
/** Sessions that had no final summary get the staged one as a new row. */
const INSERT_NEW = `INSERT INTO summaries (${SUMMARY_COLUMNS.map(([c]) => c).join(', ')}, citations)
  SELECT ${SUMMARY_COLUMNS.map(([, k, t]) => staged(k, t)).join(', ')}, coalesce(ds.summary->'citations', '[]'::jsonb)
    FROM derived_sessions ds WHERE ds.derivation_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM summaries x WHERE x.id = ${STAGED_ID})`;

/** A derivation as its revisions name it: "claude claude-sonnet-4-5 (prompt 2026-11-26)". */
export function derivationLabel(d: { summarizer: string; model: string | null; promptVersion: string } | null): string {
  if (!d) return 'the live summarizer';
  return `${d.summarizer}${d.model ? ` ${d.model}` : ''} (prompt ${d.promptVersion})`;
}

interface NewLearning extends StagedLearning {
  sessions: number;
  summaryIds: string[];
}

/** The staged learnings of every session, one per fingerprint: stated by how many sessions, with all their evidence. */
async function newLearnings(prisma: PrismaClient, derivationId: string): Promise<Map<string, NewLearning>> {
  const out = new Map<string, NewLearning>();
  let after: string | undefined;
  for (;;) {
    const rows = await prisma.derivedSession.findMany({
      where: { derivationId, ...(after ? { sessionId: { gt: after } } : {}) },
      orderBy: { sessionId: 'asc' },
      take: 500,
      select: { sessionId: true, summary: true, learnings: true },
    });
    for (const r of rows) {
      const summaryId = (r.summary as { id: string }).id;
      for (const l of r.learnings as unknown as StagedLearning[]) {
        const prev = out.get(l.fingerprint);
        if (!prev) {
          out.set(l.fingerprint, { ...l, sessions: 1, summaryIds: [summaryId] });
          continue;
        }
        prev.sessions++;
        prev.confidence = Math.max(prev.confidence, l.confidence);
        prev.observationIds.push(...l.observationIds);
        prev.evidence.push(...l.evidence);
        prev.summaryIds.push(summaryId);
        if (l.citations.length > 0) prev.citations = l.citations;
      }
    }
    if (rows.length < 500) break;
    after = rows.at(-1)!.sessionId;
  }
  return out;
}

/** What differs between the served learning and the derived one, as the revision's note says it. */
function whatChanged(old: { kind: string; title: string; body: string; status: string; strength: number }, n: NewLearning): string[] {
  const changed: string[] = [];
  if (old.status !== 'active') changed.push('derived again, active again');
  if (old.kind !== n.kind) changed.push(`kind ${old.kind} -> ${n.kind}`);
  if (old.title !== n.title) changed.push('title reworded');
  if (old.body !== n.body) changed.push('body rewritten');
  if (old.strength !== n.sessions) changed.push(`stated by ${n.sessions} session(s), was ${old.strength}`);
  return changed;
}

async function swapLearnings(
  tx: Tx,
  d: { id: string; tenantId: string; projectId: string; cutoff: Date },
  fresh: Map<string, NewLearning>,
  labels: { now: string; was: string },
  changes: SwapChanges,
): Promise<void> {
  const changedBy = `derivation:${d.id}`;
  const existing = await tx.learning.findMany({ where: { tenantId: d.tenantId, projectId: d.projectId } });
  const byFingerprint = new Map(existing.map((l) => [l.fingerprint, l]));
  for (const n of fresh.values()) {
    const old = byFingerprint.get(n.fingerprint);
    // What a person stated or marked wrong is theirs: a derivation does not restate or revive it.
    if (old && (old.origin !== 'extracted' || old.tags.includes('marked-wrong'))) continue;
    const data = {
      kind: n.kind as Prisma.LearningCreateInput['kind'],
      title: n.title,
      body: n.body,
      confidence: n.confidence,
      strength: n.sessions,
      outcome: n.outcome,
      flags: n.flags,
      tokenCount: countTokens(`${n.title}\n${n.body}`),
      ...(n.citations.length > 0 ? { citations: n.citations as Prisma.InputJsonValue } : {}),
    };
    let id: string;
    if (old) {
      const changed = whatChanged(old, n);
      if (changed.length === 0) {
        changes.learningsUnchanged++;
        id = old.id;
      } else {
        const updated = await tx.learning.update({ where: { id: old.id }, data: { ...data, status: 'active', validTo: null, supersededById: null, staleCount: 0 } });
        await appendLearningRevision(tx, updated, 're-derived', changedBy, `re-derived by ${labels.now}, was ${labels.was}: ${changed.join('; ')}`);
        changes.learningsChanged++;
        id = old.id;
      }
    } else {
      const created = await tx.learning.create({ data: { ...data, tenantId: d.tenantId, projectId: d.projectId, fingerprint: n.fingerprint } });
      await appendLearningRevision(tx, created, 're-derived', changedBy, `re-derived by ${labels.now}: new, stated by ${n.sessions} session(s); ${labels.was} had not derived it`);
      changes.learningsCreated++;
      id = created.id;
    }
    await tx.learningSource.createMany({
      data: [
        ...[...new Map(n.observationIds.map((o, i) => [o, n.evidence[i] ?? null]))].map(([observationId, evidence]) => ({ learningId: id, observationId, evidence })),
        ...n.summaryIds.map((summaryId) => ({ learningId: id, summaryId, evidence: null })),
      ],
      skipDuplicates: true,
    });
  }
  // Extracted learnings of the covered sessions' time that the new summarizer did not derive.
  for (const old of existing) {
    if (old.origin !== 'extracted' || old.status !== 'active' || fresh.has(old.fingerprint) || old.createdAt >= d.cutoff) continue;
    const updated = await tx.learning.update({ where: { id: old.id }, data: { status: 'superseded', validTo: new Date() } });
    await appendLearningRevision(tx, updated, 're-derived', changedBy, `re-derived by ${labels.now}, was ${labels.was}: not derived again from the same sessions, superseded`);
    changes.learningsSuperseded++;
  }
}

/** Which records a swap touched, a page at a time (Weaviate follows them): by id, after `afterId`. */
export type SwappedSet = 'summaries' | 'learnings' | 'retired';
const SWAPPED_SQL: Record<SwappedSet, string> = {
  // The summaries now served.
  summaries: `SELECT ds.summary->>'id' AS id FROM derived_sessions ds WHERE ds.derivation_id = $1::uuid AND ds.summary->>'id' > $2 ORDER BY 1 LIMIT $3`,
  // The learnings the swap created, changed or superseded (their revisions name the derivation).
  learnings: `SELECT DISTINCT learning_id::text AS id FROM learning_revisions WHERE changed_by = 'derivation:' || $1 AND learning_id::text > $2 ORDER BY 1 LIMIT $3`,
  // The summaries it removed (a session's batch and rolling ones; the final one was replaced in place).
  retired: `SELECT r->>'id' AS id FROM derived_sessions ds, jsonb_array_elements(coalesce(ds.retired, '[]'::jsonb)) r
             WHERE ds.derivation_id = $1::uuid AND r->>'id' <> ds.summary->>'id' AND r->>'id' > $2 ORDER BY 1 LIMIT $3`,
};

export async function swappedIds(prisma: PrismaClient, derivationId: string, set: SwappedSet, afterId: string, limit: number): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<{ id: string }[]>(SWAPPED_SQL[set], derivationId, afterId, limit);
  return rows.map((r) => r.id);
}

export async function swapDerivation(prisma: PrismaClient, derivationId: string): Promise<SwapChanges> {
  const d = await prisma.derivation.findUniqueOrThrow({ where: { id: derivationId } });
  if (d.status === 'active') return d.changes as unknown as SwapChanges;
  if (d.status !== 'building') throw ApplicationFailure.create({ message: `derivation ${derivationId} is ${d.status}, not building: nothing to swap`, type: Failure.InvalidInput, nonRetryable: true });
  const fresh = await newLearnings(prisma, derivationId);
  const previous = await prisma.derivation.findFirst({ where: { projectId: d.projectId, status: 'active' } });
  const labels = { now: derivationLabel(d), was: derivationLabel(previous) };
  return prisma.$transaction(async (tx) => {
    if (!(await tryLockProjectLearnings(tx, d.projectId))) {
      throw ApplicationFailure.retryable(`the learnings of project ${d.projectId} are being reconciled by a session; the swap is tried again`, Failure.DatabaseBusy);
    }
    const changes: SwapChanges = { sessions: await tx.derivedSession.count({ where: { derivationId } }), summariesReplaced: 0, learningsCreated: 0, learningsChanged: 0, learningsUnchanged: 0, learningsSuperseded: 0 };
    await tx.$executeRawUnsafe(
      `UPDATE derived_sessions ds SET retired = (SELECT coalesce(jsonb_agg(to_jsonb(s) - 'search_vector' ORDER BY s.kind, s.from_sequence), '[]'::jsonb) FROM summaries s WHERE s.session_id = ds.session_id)
        WHERE ds.derivation_id = $1::uuid`,
      derivationId,
    );
    const removed = await tx.$executeRawUnsafe(DELETE_OTHERS, derivationId);
    const inPlace = await tx.$executeRawUnsafe(UPDATE_IN_PLACE, derivationId);
    await tx.$executeRawUnsafe(INSERT_NEW, derivationId);
    changes.summariesReplaced = removed + inPlace;
    await swapLearnings(tx, d, fresh, labels, changes);
    if (previous) await tx.derivation.update({ where: { id: previous.id }, data: { status: 'retired' } });
    await tx.derivation.update({ where: { id: d.id }, data: { status: 'active', completedAt: new Date(), pausedUntil: null, changes: changes as unknown as Prisma.InputJsonValue } });
    return changes;
  }, SWAP_TRANSACTION);
}
