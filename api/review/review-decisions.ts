/**
 * The review inbox's reads and writes (issue 51): a project's policy, the pending learnings with
 * their age, and a maintainer's decisions. Holding is done by the database (the trigger of migration
 * 20261127110000_review_inbox), so every extractor obeys the policy; only these decisions turn a
 * pending learning active, by setting the transaction-local `memflow.review_decision` first.
 *
 * A decision is one transaction per request: the learnings change, each gets a revision (who
 * decided, the note) and an audit entry, or nothing happens. A rejected learning is kept with its
 * history (status `rejected`) and served nowhere.
 */
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient, Tx } from '../../common/server/db.js';
import { actorNameSql, appendLearningRevision } from '../../common/server/learning-revisions.js';
import { poisonFlags } from '../../common/rules/poison.js';
import { redactText } from '../../common/rules/redact.js';
import { countTokens } from '../../common/rules/tokens.js';
import type { ReviewCounts, ReviewDecision, ReviewItem, ReviewPolicy } from '../../messages/review-api-v1.js';
import { HttpError } from '../errors.js';
import { titleOf } from '../memories/stated-memories.js';

/** Who decided, for revisions (`changedBy`), the learning (`reviewedBy`) and the audit log. */
export interface Reviewer {
  tenantId: string;
  keyId: string;
  requestId: string;
}

const by = (r: Reviewer) => `key:${r.keyId}`;

/**
 * The editor as a learning is attributed where it is pushed and answered: the key's person, with
 * their email when known ("Alice <alice@example.com>"), else the key's own label ("key ci" or its
 * prefix) — the same name every revision's author is shown by (actorNameSql). Taken at the time of
 * the edit, so a later rename does not rewrite what was pushed.
 */
async function editorOf(tx: Tx, r: Reviewer): Promise<string> {
  const [row] = await tx.$queryRawUnsafe<{ name: string | null }[]>(`select ${actorNameSql('$1::text')} as name`, by(r));
  return row?.name ?? `key ${r.keyId}`;
}

function audit(tx: Tx, r: Reviewer, action: string, target: string, details: Record<string, unknown>): Promise<void> {
  return recordAudit(tx, { tenantId: r.tenantId, actorKeyId: r.keyId, action, target, outcome: 'success', details, requestId: r.requestId });
}

/** Lets this transaction turn pending learnings active (the trigger holds them otherwise). */
async function asDecision(tx: Tx): Promise<void> {
  await tx.$executeRawUnsafe(`select set_config('memflow.review_decision', 'on', true)`);
}

export async function policyOf(prisma: PrismaClient, tenantId: string, project: string): Promise<{ project: string; policy: ReviewPolicy; stated: ReviewPolicy; pending: number }> {
  const row = await prisma.project.findUnique({ where: { tenantId_name: { tenantId, name: project } }, select: { id: true, reviewPolicy: true, statedPolicy: true } });
  if (!row) throw new HttpError(404, 'not_found', `no project '${project}'`);
  const pending = await prisma.learning.count({ where: { tenantId, projectId: row.id, status: 'pending' } });
  return { project, policy: row.reviewPolicy as ReviewPolicy, stated: row.statedPolicy as ReviewPolicy, pending };
}

/**
 * Sets a project's policy (and what a rule stated in a prompt does under review), creating the
 * project if it has no session yet (a team turns review on before its first session). Turning review
 * off leaves what waits pending: it still needs a decision.
 */
export async function setPolicy(
  prisma: PrismaClient,
  r: Reviewer,
  project: string,
  change: { policy?: ReviewPolicy | undefined; stated?: ReviewPolicy | undefined },
): Promise<{ project: string; policy: ReviewPolicy; stated: ReviewPolicy; pending: number }> {
  await prisma.$transaction(async (tx) => {
    const before = await tx.project.findUnique({ where: { tenantId_name: { tenantId: r.tenantId, name: project } }, select: { reviewPolicy: true, statedPolicy: true } });
    const data = { ...(change.policy ? { reviewPolicy: change.policy } : {}), ...(change.stated ? { statedPolicy: change.stated } : {}) };
    await tx.project.upsert({ where: { tenantId_name: { tenantId: r.tenantId, name: project } }, create: { tenantId: r.tenantId, name: project, ...data }, update: data });
    await audit(tx, r, 'review.policy', `project:${project}`, {
      from: before?.reviewPolicy ?? null,
      to: change.policy ?? before?.reviewPolicy ?? 'live',
      ...(change.stated ? { statedFrom: before?.statedPolicy ?? null, stated: change.stated } : {}),
    });
  });
  return policyOf(prisma, r.tenantId, project);
}

/** The tenant's pending count, and per project its policy, count and oldest item. */
export async function reviewCountsOf(prisma: PrismaClient, tenantId: string): Promise<ReviewCounts> {
  const [waiting, reviewed] = await Promise.all([
    prisma.learning.groupBy({ by: ['projectId'], where: { tenantId, status: 'pending' }, _count: { _all: true }, _min: { createdAt: true } }),
    prisma.project.findMany({ where: { tenantId, reviewPolicy: 'review' }, select: { id: true } }),
  ]);
  const ids = [...new Set([...waiting.map((w) => w.projectId), ...reviewed.map((p) => p.id)])];
  const projects = await prisma.project.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, reviewPolicy: true }, orderBy: { name: 'asc' } });
  const byId = new Map(waiting.map((w) => [w.projectId, w]));
  const list = projects.map((p) => ({
    project: p.name,
    policy: p.reviewPolicy as ReviewPolicy,
    pending: byId.get(p.id)?._count._all ?? 0,
    oldestAt: byId.get(p.id)?._min.createdAt?.toISOString() ?? null,
  }));
  return { pending: list.reduce((n, p) => n + p.pending, 0), projects: list };
}

/** Pending learnings, oldest first (the inbox is worked from the front), after `cursor`. */
export async function pendingPage(
  prisma: PrismaClient,
  tenantId: string,
  q: { project?: string | undefined; limit: number; after?: { createdAt: Date; id: string } | undefined; within?: readonly string[] | undefined },
): Promise<{ items: ReviewItem[]; last: { createdAt: Date; id: string } | null; more: boolean }> {
  const rows = await prisma.learning.findMany({
    where: {
      tenantId,
      status: 'pending',
      // `within`: the projects a limited key may see (without a project named, its inbox is theirs).
      ...(q.project ? { project: { name: q.project } } : q.within ? { project: { name: { in: [...q.within] } } } : {}),
      ...(q.after ? { OR: [{ createdAt: { gt: q.after.createdAt } }, { createdAt: q.after.createdAt, id: { gt: q.after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: q.limit + 1,
    include: { project: { select: { name: true } }, sources: { take: 1, orderBy: { createdAt: 'asc' }, select: { summary: { select: { session: { select: { agentSessionId: true } } } }, observation: { select: { session: { select: { agentSessionId: true } } } } } } },
  });
  const now = Date.now();
  const items = rows.slice(0, q.limit).map((l): ReviewItem => {
    const source = l.sources[0];
    return {
      id: l.id,
      project: l.project.name,
      kind: l.kind,
      title: l.title,
      body: l.body,
      confidence: l.confidence,
      strength: l.strength,
      origin: l.origin,
      flags: l.flags,
      createdAt: l.createdAt.toISOString(),
      ageSeconds: Math.max(0, Math.floor((now - l.createdAt.getTime()) / 1000)),
      sessionId: source?.observation?.session.agentSessionId ?? source?.summary?.session.agentSessionId ?? null,
    };
  });
  const last = rows.slice(0, q.limit).at(-1);
  return { items, last: last ? { createdAt: last.createdAt, id: last.id } : null, more: rows.length > q.limit };
}

/**
 * Approves or rejects learnings by full id. Those not pending are named, not changed (a second
 * approval of the same item is a no-op, so a retried request is safe).
 */
export async function decide(prisma: PrismaClient, r: Reviewer, decision: ReviewDecision, ids: string[], note?: string): Promise<{ decided: string[]; notPending: string[] }> {
  const text = note ? redactText(note).text : undefined;
  return prisma.$transaction(async (tx) => {
    await asDecision(tx);
    const rows = await tx.learning.findMany({ where: { tenantId: r.tenantId, id: { in: ids } }, select: { id: true, status: true, project: { select: { name: true } } } });
    const pending = rows.filter((l) => l.status === 'pending');
    const now = new Date();
    for (const l of pending) {
      const updated = await tx.learning.update({
        where: { id: l.id },
        data: decision === 'approve' ? { status: 'active', reviewedBy: by(r), reviewedAt: now } : { status: 'rejected', validTo: now, reviewedBy: by(r), reviewedAt: now },
      });
      await appendLearningRevision(tx, updated, decision === 'approve' ? 'approved' : 'rejected', by(r), text);
      await audit(tx, r, `review.${decision}`, `learning:${l.id}`, { project: l.project.name, ...(text ? { note: text } : {}) });
    }
    const decided = new Set(pending.map((l) => l.id));
    return { decided: [...decided], notPending: ids.filter((id) => !decided.has(id)) };
  });
}

/**
 * Edits a pending learning and approves it in one step: the edited text is what goes live, and the
 * learning is attributed to the editor (`reviewedBy`, and the revision `edited`). The fingerprint is
 * kept, so a later session stating the original again restates the edited learning.
 */
export async function editAndApprove(
  prisma: PrismaClient,
  r: Reviewer,
  id: string,
  input: { text: string; title?: string | undefined; note?: string | undefined },
): Promise<{ id: string; reviewedBy: string; editedBy: string }> {
  const body = redactText(input.text).text;
  const title = redactText(input.title ?? titleOf(input.text)).text.slice(0, 200);
  const note = input.note ? redactText(input.note).text : undefined;
  return prisma.$transaction(async (tx) => {
    await asDecision(tx);
    const l = await tx.learning.findFirst({ where: { id, tenantId: r.tenantId }, select: { id: true, status: true, title: true, project: { select: { name: true } } } });
    if (!l) throw new HttpError(404, 'not_found', `no learning '${id}'`);
    if (l.status !== 'pending') throw new HttpError(409, 'conflict', `learning '${id}' is ${l.status}, not pending: correct a live learning with POST /v1/learnings/{id}/correct`);
    const now = new Date();
    const editedBy = await editorOf(tx, r);
    const updated = await tx.learning.update({
      where: { id },
      data: { title, body, tokenCount: countTokens(`${title}\n${body}`), flags: poisonFlags(title, body), status: 'active', reviewedBy: by(r), reviewedAt: now, editedBy },
    });
    await appendLearningRevision(tx, updated, 'edited', by(r), note);
    await audit(tx, r, 'review.edit', `learning:${id}`, { project: l.project.name, editedBy, ...(note ? { note } : {}) });
    return { id, reviewedBy: by(r), editedBy };
  });
}
