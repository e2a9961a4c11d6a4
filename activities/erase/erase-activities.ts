/**
 * Activities of project erasure (workflows/erase): bounded deletes of a project's rows, the project
 * row itself, and the tombstone and audit entry that close the job. Each is idempotent: a retried
 * delete finds fewer (or no) rows, and the closing writes happen once (guarded by the tombstone).
 * Weaviate's side is deleteProjectVectors in activities/vectors/vector-sync-activities.ts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { ERASE_TABLES, type EraseTable } from '../../messages/workflows-v1/erase.js';
import { toActivityFailure } from '../failures.js';

export interface EraseDeps {
  prisma: PrismaClient;
}

interface JobRef {
  jobId: string;
  tenantId: string;
  projectId: string;
  projectName: string;
  actorKeyId?: string;
  requestId?: string;
}

export function createEraseActivities(deps: EraseDeps) {
  const { prisma } = deps;

  /**
   * Updates the job's tombstone where it is still in state `from`, and audits the outcome in the same
   * transaction; a retry after the commit finds no such tombstone and writes nothing.
   */
  async function closeJob(
    job: JobRef,
    from: { erasedAt: null; error?: null },
    to: { erasedAt?: Date; error: string | null },
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
  ): Promise<void> {
    try {
      await prisma.$transaction(async (tx) => {
        const { count } = await tx.erasureTombstone.updateMany({ where: { jobId: job.jobId, ...from }, data: to });
        if (count === 0) return;
        await recordAudit(tx, {
          tenantId: job.tenantId,
          actorKeyId: job.actorKeyId ?? null,
          action: 'project.erase',
          target: `project:${job.projectName}`,
          outcome,
          details: { jobId: job.jobId, projectId: job.projectId, ...details },
          requestId: job.requestId ?? null,
        });
      });
    } catch (err) {
      toActivityFailure(err);
    }
  }

  return {
    /** Deletes up to `limit` of the project's rows in one table; fewer than `limit` means the table is done. */
    async deleteProjectRows(input: { tenantId: string; projectId: string; table: EraseTable; limit: number }): Promise<{ deleted: number }> {
      // The table name goes into SQL: only the known ones.
      if (!(ERASE_TABLES as readonly string[]).includes(input.table)) {
        throw ApplicationFailure.nonRetryable(`not a table erasure deletes from: '${input.table}'`, Failure.InvalidInput);
      }
      const limit = Math.max(1, Math.min(Math.floor(input.limit), 50_000));
      try {
        // Each index on (tenant_id, project_id, ...) finds the batch; the cascades below a row are
        // already empty by the time its table comes (children first).
        const deleted = await prisma.$executeRawUnsafe(
          `DELETE FROM ${input.table} WHERE id IN (SELECT id FROM ${input.table} WHERE tenant_id = $1::uuid AND project_id = $2::uuid LIMIT ${limit})`,
          input.tenantId,
          input.projectId,
        );
        return { deleted };
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** Deletes the project row (cascading to what is left: retention policies, rows written meanwhile). */
    async deleteProjectRow(input: { tenantId: string; projectId: string }): Promise<{ deleted: number }> {
      try {
        const { count } = await prisma.project.deleteMany({ where: { id: input.projectId, tenantId: input.tenantId } });
        return { deleted: count };
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** Both stores are clean: stamps the tombstone erased and audits the counts, once. */
    async completeErasure(input: JobRef & { deleted: Record<string, number>; vectorsDeleted: number }): Promise<void> {
      await closeJob(input, { erasedAt: null }, { erasedAt: new Date(), error: null }, 'success', { deleted: input.deleted, vectorsDeleted: input.vectorsDeleted });
    },

    /** The erasure failed for good: the reason goes on the tombstone and into the audit trail, once. */
    async failErasure(input: JobRef & { error: string; deleted: Record<string, number> }): Promise<void> {
      const error = input.error.slice(0, 2000);
      await closeJob(input, { erasedAt: null, error: null }, { error }, 'failure', { deleted: input.deleted, error });
    },
  };
}

export type EraseActivities = ReturnType<typeof createEraseActivities>;
