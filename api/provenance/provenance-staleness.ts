/**
 * What clients report after checking cited items against their working tree (common/workspace/recall-staleness.ts):
 * a learning seen fresh is reset (stale count 0, checked now); one seen stale is demoted (each report
 * since it was last seen fresh halves its rank in context) and, at STALE_REPORTS_TO_SUPERSEDE reports,
 * superseded with the reason "code changed" (kept, with the reason in its revision history and the
 * audit log; never deleted). A learning whose commit a client saw on the default branch is promoted
 * (branch-aware ranking no longer lowers it).
 */
import { z } from 'zod';
import { STORABLE_TEXT } from '../../messages/api-v1.js';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { appendLearningRevision } from '../../common/server/learning-revisions.js';

/** Staleness reports (from any client, since last seen fresh) after which a learning is superseded. */
export const STALE_REPORTS_TO_SUPERSEDE = 3;

export const stalenessReportBody = z.object({
  results: z
    .array(
      z.object({
        id: z.string().uuid('must be a learning or summary id'),
        type: z.enum(['learning', 'summary', 'observation']).default('learning'),
        verdict: z.enum(['fresh', 'doubtful', 'stale']),
        reason: z.string().max(500).regex(...STORABLE_TEXT).optional(),
        merged: z.boolean().optional(),
        /** Cited files found under a new name: old path -> new path. */
        renamed: z.record(z.string().max(4096).regex(...STORABLE_TEXT), z.string().max(4096).regex(...STORABLE_TEXT)).optional(),
      }),
    )
    .max(200, 'at most 200 results'),
});
export type StalenessReport = z.infer<typeof stalenessReportBody>;

export interface StalenessOutcome {
  fresh: number;
  demoted: string[];
  superseded: string[];
  promoted: string[];
}

export async function applyStalenessReport(
  prisma: PrismaClient,
  actor: { tenantId: string; keyId: string; requestId: string },
  report: StalenessReport,
): Promise<StalenessOutcome> {
  const out: StalenessOutcome = { fresh: 0, demoted: [], superseded: [], promoted: [] };
  const results = report.results.filter((r) => r.type === 'learning');
  if (results.length === 0) return out;
  return prisma.$transaction(async (tx) => {
    const rows = await tx.learning.findMany({ where: { tenantId: actor.tenantId, id: { in: results.map((r) => r.id) }, status: 'active' }, select: { id: true, staleCount: true, citations: true, scope: true } });
    const known = new Map(rows.map((r) => [r.id, r]));
    const now = new Date();
    for (const r of results) {
      const row = known.get(r.id);
      if (!row) continue; // another tenant's, unknown, or no longer active: nothing to say
      // A cited file that was renamed is cited under its new name from now on (no rename lookup next time), and a stated
      // rule's scope names it so too: the file push finds the learning by both (learnings.path_keys), so it follows the file.
      const moved = r.renamed ? renamedIn(row, r.renamed) : {};
      const promote = { ...(r.merged ? { onDefaultBranch: true } : {}), ...moved };
      if (r.merged) out.promoted.push(r.id);
      if (r.verdict !== 'stale') {
        await tx.learning.update({ where: { id: r.id }, data: { checkedAt: now, ...(r.verdict === 'fresh' ? { staleCount: 0 } : {}), ...promote } });
        if (r.verdict === 'fresh') out.fresh++;
        continue;
      }
      const count = row.staleCount + 1;
      if (count < STALE_REPORTS_TO_SUPERSEDE) {
        await tx.learning.update({ where: { id: r.id }, data: { checkedAt: now, staleCount: count, ...promote } });
        out.demoted.push(r.id);
        continue;
      }
      const updated = await tx.learning.update({ where: { id: r.id }, data: { checkedAt: now, staleCount: count, status: 'superseded', validTo: now, ...promote } });
      const note = `code changed: ${r.reason ?? 'the cited code no longer matches'}`;
      await appendLearningRevision(tx, updated, 'code changed', `key:${actor.keyId}`, note);
      await recordAudit(tx, {
        tenantId: actor.tenantId,
        actorKeyId: actor.keyId,
        action: 'learning.stale',
        target: `learning:${r.id}`,
        outcome: 'success',
        details: { reports: count, reason: note },
        requestId: actor.requestId,
      });
      out.superseded.push(r.id);
    }
    return out;
  });
}

/** A learning's citations and scope with renamed files under their new names (only what changed). */
function renamedIn(row: { citations: unknown; scope: string[] }, renamed: Record<string, string>): { citations?: object[]; scope?: string[] } {
  const to = (p: string) => (Object.hasOwn(renamed, p) ? renamed[p]! : p);
  const out: { citations?: object[]; scope?: string[] } = {};
  if (Array.isArray(row.citations)) out.citations = (row.citations as { path?: string }[]).map((c) => (c.path && Object.hasOwn(renamed, c.path) ? { ...c, path: to(c.path) } : c)) as object[];
  if (row.scope.some((p) => Object.hasOwn(renamed, p))) out.scope = [...new Set(row.scope.map(to))];
  return out;
}
